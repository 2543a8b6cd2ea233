"""Vocabulary and column layout of the matcher's CSV interchange format (see DOMAIN.md).

Everything that names a slug, a level, a weekday or a column lives here, so readers, features,
reasons and the CLI agree on one spelling.
"""

from __future__ import annotations

from typing import Final


def N_(text: str) -> str:  # noqa: N802 - the gettext convention for "mark only"
    """Mark a Swedish label for the app's translation catalogue (babel.cfg reads matcher/); the
    text itself."""
    return text


#: Occupational fields (yrkesområden, Arbetsförmedlingen's SSYK 2012 grouping): slug -> label.
FIELDS: Final[dict[str, str]] = {
    "admin": N_("Administration, ekonomi, juridik"),
    "construction": N_("Bygg och anläggning"),
    "management": N_("Chefer och verksamhetsledare"),
    "it": N_("Data/IT"),
    "sales": N_("Försäljning, inköp, marknadsföring"),
    "crafts": N_("Hantverk"),
    "hospitality": N_("Hotell, restaurang, storhushåll"),
    "healthcare": N_("Hälso- och sjukvård"),
    "manufacturing": N_("Industriell tillverkning"),
    "installation": N_("Installation, drift, underhåll"),
    "beauty": N_("Kropps- och skönhetsvård"),
    "culture": N_("Kultur, media, design"),
    "military": N_("Militärt arbete"),
    "agriculture": N_("Naturbruk"),
    "science": N_("Naturvetenskap"),
    "education": N_("Pedagogik"),
    "cleaning": N_("Sanering och renhållning"),
    "social_work": N_("Socialt arbete"),
    "security": N_("Säkerhetsarbete"),
    "engineering": N_("Tekniskt arbete"),
    "transport": N_("Transport"),
}
FIELD_SLUGS: Final[tuple[str, ...]] = tuple(FIELDS)

WEEKDAYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Plural Swedish day names, as used in reasons ("Tisdagar passar").
WEEKDAY_LABELS: Final[dict[str, str]] = {
    "mon": N_("Måndagar"),
    "tue": N_("Tisdagar"),
    "wed": N_("Onsdagar"),
    "thu": N_("Torsdagar"),
    "fri": N_("Fredagar"),
    "sat": N_("Lördagar"),
    "sun": N_("Söndagar"),
}

TARGET_GROUPS: Final[tuple[str, ...]] = ("youth", "newcomer", "long_term", "other")

#: Swedish level as a CEFR ordinal.
CEFR: Final[dict[int, str]] = {0: "ingen", 1: "A1", 2: "A2", 3: "B1", 4: "B2", 5: "C1", 6: "C2"}
MIN_LEVEL: Final[int] = min(CEFR)
MAX_LEVEL: Final[int] = max(CEFR)

EMPLOYER_RESPONSES: Final[tuple[str, ...]] = ("accepted", "declined", "none")
VISIT_STATUSES: Final[tuple[str, ...]] = ("completed", "no_show", "cancelled", "none")
OUTCOMES: Final[tuple[str, ...]] = ("job", "internship", "study", "none")
MIN_FEEDBACK: Final[int] = 1
MAX_FEEDBACK: Final[int] = 5

#: Separator of list cells in the CSV files.
LIST_SEP: Final[str] = "|"

# Column names per file, in the order the contract lists them.
CANDIDATE_COLUMNS: Final[tuple[str, ...]] = (
    "candidate_id",
    "interests",
    "swedish_level",
    "languages",
    "target_group",
    "weekdays",
    "lat",
    "lon",
    "needs_accessible",
)
OFFER_COLUMNS: Final[tuple[str, ...]] = (
    "offer_id",
    "company_id",
    "field",
    "min_swedish_level",
    "languages",
    "weekdays",
    "lat",
    "lon",
    "accessible",
    "hours",
    "capacity",
)
HISTORY_COLUMNS: Final[tuple[str, ...]] = (
    "candidate_id",
    "offer_id",
    "proposed_on",
    "employer_response",
    "visit_status",
    "feedback",
    "outcome",
)
PAIR_COLUMNS: Final[tuple[str, ...]] = ("candidate_id", "offer_id")
SCORE_COLUMNS: Final[tuple[str, ...]] = ("candidate_id", "offer_id", "score", "reasons", "considerations")
PLAN_COLUMNS: Final[tuple[str, ...]] = ("candidate_id", "offer_id", "score")

#: Protected grounds: carried for audits, never used as a ranking feature.
PROTECTED_COLUMNS: Final[tuple[str, ...]] = ("target_group",)

#: Swedish names of languages that are common among participants; other ISO 639-1 codes are
#: shown as the code itself, which is still readable for staff.
LANGUAGE_NAMES: Final[dict[str, str]] = {
    "am": N_("amhariska"),
    "ar": N_("arabiska"),
    "bs": N_("bosniska"),
    "da": N_("danska"),
    "de": N_("tyska"),
    "en": N_("engelska"),
    "es": N_("spanska"),
    "fa": N_("persiska"),
    "fi": N_("finska"),
    "fr": N_("franska"),
    "hr": N_("kroatiska"),
    "it": N_("italienska"),
    "ku": N_("kurdiska"),
    "no": N_("norska"),
    "pl": N_("polska"),
    "ps": N_("pashto"),
    "pt": N_("portugisiska"),
    "ro": N_("rumänska"),
    "ru": N_("ryska"),
    "so": N_("somaliska"),
    "sq": N_("albanska"),
    "sr": N_("serbiska"),
    "sv": N_("svenska"),
    "th": N_("thailändska"),
    "ti": N_("tigrinska"),
    "tr": N_("turkiska"),
    "uk": N_("ukrainska"),
    "ur": N_("urdu"),
    "vi": N_("vietnamesiska"),
    "zh": N_("kinesiska"),
}


def language_name(code: str) -> str:
    """Swedish name of an ISO 639-1 language code, or the code itself when it is not listed."""
    return LANGUAGE_NAMES.get(code, code)
