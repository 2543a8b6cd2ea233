"""The closed vocabularies people choose from, each with its codes and the label every page,
form and message names a choice by (issue #23 item 6).

A `Vocabulary` holds the codes (the stored and interchange form, `models.enums`) and each code's
Swedish label, marked for the catalogue (Swedish is the source language); the web layer's label
tables (`web.labels`) are made from these, so a label is written once. A message that lists the
choices names them by label (`Vocabulary.listing()`, translated where it is shown), never by
code. Imports, forms and the API accept a code, the label (in Swedish, and in every language the
app registers with `accept_translations`), or one of the shorter words people write in files
("mån", "tolk").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Optional

from ..commitments import CommitmentSource
from ..enums import (
    ADJUSTMENTS,
    FIELD_SLUGS,
    TIMES_OF_DAY,
    WEEKDAYS,
    BudgetLineKind,
    ClosedOutcome,
    CompanyStatus,
    ConsentMethod,
    ContactChannel,
    Gender,
    Network,
    SizeClass,
    TargetGroup,
)
from .errors import N_, Message, joined

# How the labels read in the other languages of the app, per language: msgid -> text (the web
# app registers its catalogues when it starts).
_TRANSLATIONS: dict[str, Callable[[str], str]] = {}
_SEPARATORS = re.compile(r"[,;|/\n]+")


class Vocabulary(Mapping[str, str]):
    """Spelling (case-insensitive) -> code, for `spreadsheet.parse_choice` and `parse_list`;
    `labels` are the codes' Swedish labels in the vocabulary's order."""

    def __init__(self, labels: Mapping[str, Message], words: Optional[Mapping[str, str]] = None):
        self.labels: dict[str, Message] = dict(labels)
        self._words = dict(words or {})
        self._spellings: Optional[dict[str, str]] = None
        self._protected: Optional[re.Pattern[str]] = None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.labels)

    def label(self, code: str) -> Message:
        return self.labels[str(code)]

    def listing(self) -> Message:
        """The labels as a message parameter: «A; B; C», each translated when shown (a label may
        hold a comma: "Utrikes födda, nya i Sverige")."""
        return joined(self.labels.values(), "; ")

    # --- spellings ------------------------------------------------------------------------
    def _all(self) -> dict[str, str]:
        if self._spellings is None:
            spellings: dict[str, str] = {code.casefold(): code for code in self.labels}
            for code, label in self.labels.items():
                spellings.setdefault(str(label).casefold(), code)
                for translate in _TRANSLATIONS.values():
                    spellings.setdefault(translate(label.template).casefold(), code)
            for word, code in self._words.items():
                spellings.setdefault(word.casefold(), code)
            self._spellings = spellings
            with_separators = sorted((s for s in spellings if _SEPARATORS.search(s)), key=len, reverse=True)
            self._protected = re.compile("|".join(map(re.escape, with_separators))) if with_separators else None
        return self._spellings

    def __getitem__(self, spelling: str) -> str:
        return self._all()[spelling.casefold()]

    def __iter__(self) -> Any:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())

    def __contains__(self, spelling: object) -> bool:
        return isinstance(spelling, str) and spelling.casefold() in self._all()

    def split(self, text: str) -> list[str]:
        """The entries of a list written in one cell ('it, sales', 'Data/IT; Transport'): labels
        that hold a comma or a slash are kept whole, the rest is split at , ; | / and new lines."""
        self._all()
        parts: list[str] = []
        rest = text
        if self._protected is not None:
            folded = text.casefold()
            found = [(m.start(), m.end()) for m in self._protected.finditer(folded)]
            for start, end in found:
                parts.append(text[start:end])
            for start, end in reversed(found):
                rest = rest[:start] + "\n" + rest[end:]
        parts.extend(item.strip() for item in _SEPARATORS.split(rest))
        return [p.strip() for p in parts if p.strip()]


def accept_translations(locale: str, translate: Callable[[str], str]) -> None:
    """Accept the labels as `translate` gives them in `locale` (msgid -> text) too."""
    _TRANSLATIONS[locale] = translate
    for vocabulary in ALL:
        vocabulary._spellings = None


def _vocabulary(
    codes: Iterable[Any], labels: Iterable[Message], words: Optional[Mapping[str, str]] = None
) -> Vocabulary:
    return Vocabulary(dict(zip((str(c) for c in codes), labels, strict=True)), words)


TARGET_GROUP = _vocabulary(
    TargetGroup,
    [N_("Unga utan arbetslivserfarenhet"), N_("Utrikes födda, nya i Sverige"), N_("Långt från arbetslivet"),
     N_("Övriga")],
    {"unga": "youth", "nyanlända": "newcomer", "utrikes födda": "newcomer", "annan": "other"},
)
FIELD = _vocabulary(
    FIELD_SLUGS,
    [
        N_("Administration, ekonomi, juridik"), N_("Bygg och anläggning"), N_("Chefer och verksamhetsledare"),
        N_("Data/IT"), N_("Försäljning, inköp, marknadsföring"), N_("Hantverk"), N_("Hotell, restaurang, storhushåll"),
        N_("Hälso- och sjukvård"), N_("Industriell tillverkning"), N_("Installation, drift, underhåll"),
        N_("Kropps- och skönhetsvård"), N_("Kultur, media, design"), N_("Militärt arbete"), N_("Naturbruk"),
        N_("Naturvetenskap"), N_("Pedagogik"), N_("Sanering och renhållning"), N_("Socialt arbete"),
        N_("Säkerhetsarbete"), N_("Tekniskt arbete"), N_("Transport"),
    ],
)
WEEKDAY = _vocabulary(
    WEEKDAYS,
    [N_("måndag"), N_("tisdag"), N_("onsdag"), N_("torsdag"), N_("fredag"), N_("lördag"), N_("söndag")],
    {"mån": "mon", "tis": "tue", "ons": "wed", "tor": "thu", "tors": "thu", "fre": "fri", "lör": "sat", "sön": "sun"},
)
TIME_OF_DAY = _vocabulary(
    TIMES_OF_DAY, [N_("förmiddag"), N_("mitt på dagen"), N_("eftermiddag")],
    {"fm": "morning", "lunch": "midday", "em": "afternoon"},
)
ADJUSTMENT = _vocabulary(
    ADJUSTMENTS,
    [N_("Tolk"), N_("Språkstöd (enkel svenska, visa hellre än berätta)"), N_("Pauser under dagen")],
    {"språkstöd": "language_support", "pauser": "breaks", "paus": "breaks"},
)
CONTACT_CHANNEL = _vocabulary(
    ContactChannel, [N_("Telefon"), N_("SMS"), N_("E-post")], {"epost": "email"}
)
CONSENT_METHOD = _vocabulary(
    ConsentMethod, [N_("Skriftligt"), N_("Digitalt"), N_("Muntligt, antecknat i akten")], {"muntligt": "verbal"}
)
GENDER = _vocabulary(Gender, [N_("Kvinna"), N_("Man"), N_("Annat")])
CLOSED_OUTCOME = _vocabulary(
    ClosedOutcome,
    [N_("Arbete"), N_("Studier"), N_("Praktik"), N_("Annan insats"), N_("Flyttat"), N_("Avböjt att fortsätta")],
)
SIZE_CLASS = _vocabulary(
    SizeClass,
    [N_("0–9 anställda"), N_("10–49 anställda"), N_("50–249 anställda"), N_("250 anställda eller fler")],
    {"mikro": "micro", "0-9": "micro", "0–9": "micro", "liten": "small", "10-49": "small", "10–49": "small",
     "medel": "medium", "medelstor": "medium", "50-249": "medium", "50–249": "medium", "stor": "large",
     "250+": "large", "250-": "large"},
)
NETWORK = _vocabulary(
    Network,
    [N_("HIF-sponsor"), N_("Tillväxt Helsingborgs nätverk"), N_("Båda nätverken")],
    {"hif": "hif_sponsor", "helsingborgs if": "hif_sponsor", "th": "th_network", "tillväxt helsingborg": "th_network",
     "båda": "both", "bägge": "both", "hif och th": "both", "th och hif": "both"},
)
COMPANY_STATUS = _vocabulary(
    CompanyStatus,
    [N_("Möjlig"), N_("Aktiv"), N_("Pausad"), N_("Lämnat")],
    {"kontaktad": "prospect", "lämnad": "left", "avslutad": "left"},
)
BUDGET_LINE = _vocabulary(
    BudgetLineKind,
    [N_("Projektledare"), N_("Medarbetare"), N_("OH-kostnader"), N_("Informationsmaterial"), N_("Resekostnader")],
    {"oh kostnader": "overhead", "oh": "overhead", "resor": "travel"},
)
COMMITMENT_SOURCE = _vocabulary(
    CommitmentSource,
    [N_("Upphandlat avtal (sysselsättningsfrämjande villkor)"), N_("Mark-, tomträtts- eller arrendeavtal"),
     N_("Social överenskommelse"), N_("Frivilligt åtagande")],
    {"upphandling": "procurement", "upphandlat avtal": "procurement", "offentlig upphandling": "procurement",
     "markavtal": "land_lease", "arrende": "land_lease", "tomträtt": "land_lease", "markanvisning": "land_lease",
     "mark- och arrendeavtal": "land_lease", "social överenskommelse": "social_agreement",
     "överenskommelse": "social_agreement", "frivilligt": "pledge", "frivilligt åtagande": "pledge",
     "löfte": "pledge"},
)
ALL: tuple[Vocabulary, ...] = (
    TARGET_GROUP, FIELD, WEEKDAY, TIME_OF_DAY, ADJUSTMENT, CONTACT_CHANNEL, CONSENT_METHOD, GENDER, CLOSED_OUTCOME,
    SIZE_CLASS, NETWORK, COMPANY_STATUS, BUDGET_LINE, COMMITMENT_SOURCE,
)
