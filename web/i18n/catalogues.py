"""The translation catalogues, through Babel's Python API: extract the Swedish msgids from the
source, merge them into the `sv` and `en` catalogues, check that both are complete, compile.

`babel.cfg` at the project root says which files are read and with which keywords, so that
`pybabel extract -F babel.cfg` and these functions find the same messages. Swedish is the
source language: the `sv` catalogue's msgstr is filled with the msgid itself; the `en`
catalogue is translated by people.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from models import clock

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "babel.cfg"
DIRECTORY = ROOT / "web" / "translations"
TEMPLATE = DIRECTORY / "messages.pot"
SOURCE_LOCALE = "sv"
LOCALES = ("sv", "en")
PROJECT = "IOP Jobbskuggning"
# Words an English text keeps as they are in Swedish: proper names and the programme's own name.
# The survey's wording links ("Lättläst svenska") stay Swedish: they lead to Swedish text (lang="sv").
KEEP_IN_ENGLISH = frozenset({
    "Tillväxt Helsingborg", "Helsingborgs IF", "Olympia", "Arbetsförmedlingen", "Arbetsmarknadsförvaltningen",
    "IOP", "IOP Jobbskuggning", "Lättläst svenska", "Vanlig svenska",
})


def catalogue_path(locale: str) -> Path:
    return DIRECTORY / locale / "LC_MESSAGES" / "messages.po"


def extract(progress: bool = False) -> Catalog:
    """Every msgid in the source, as a template catalogue (no translations)."""
    with CONFIG.open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, filename=str(CONFIG))
    template = Catalog(
        project=PROJECT, version="1", locale=None, msgid_bugs_address="", copyright_holder="the IOP partnership",
        header_comment="# Messages of IOP Jobbskuggning, extracted from the source (Swedish msgids).",
        charset="utf-8", fuzzy=False,
    )

    def callback(filename: str, method: str, options: dict[str, object]) -> None:
        if progress:
            print(f"  {filename}")

    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=DEFAULT_KEYWORDS, callback=callback, strip_comment_tags=True
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _read(locale: str) -> Catalog:
    path = catalogue_path(locale)
    if not path.exists():
        return Catalog(
            locale=locale, project=PROJECT, version="1", copyright_holder="the IOP partnership",
            msgid_bugs_address="", last_translator="", language_team=f"{locale} (IOP Jobbskuggning)",
            header_comment=f"# {locale} catalogue of IOP Jobbskuggning. Swedish is the source language.\n"
            "# Kept up to date with `flask --app web i18n update`; see docs/i18n.md.",
            fuzzy=False,
        )
    with path.open("rb") as po:
        return read_po(po, locale=locale)


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as po:
        write_po(po, catalog, width=100, ignore_obsolete=True, include_lineno=False, sort_output=True)


def write_template(template: Catalog) -> Path:
    _write(template, TEMPLATE)
    return TEMPLATE


def update(template: Catalog) -> dict[str, int]:
    """Merge the template into both catalogues: new msgids are added, gone ones dropped; in `sv`
    every msgstr is the msgid. Returns how many entries still need an English translation."""
    untranslated: dict[str, int] = {}
    for locale in LOCALES:
        catalog = _read(locale)
        before, created = _contents(catalog), catalog.creation_date
        catalog.fuzzy = False
        # A copy each time: update() adopts the template's message objects, and sv fills them in.
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True, update_header_comment=False)
        for message in catalog:
            if not message.id:
                continue
            if locale == SOURCE_LOCALE:
                message.string = message.id
            message.flags.discard("fuzzy")
        catalog.creation_date = created  # dates change only with the messages, so diffs stay small
        if _contents(catalog) != before:
            catalog.revision_date = clock.now()
        _write(catalog, catalogue_path(locale))
        untranslated[locale] = sum(1 for m in catalog if m.id and not _translated(m))
    return untranslated


def _contents(catalog: Catalog) -> set[tuple[object, object]]:
    return {(_ids(m), _strings(m)) for m in catalog if m.id}


def compile_all() -> list[Path]:
    written = []
    for locale in LOCALES:
        catalog = _read(locale)
        path = catalogue_path(locale).with_suffix(".mo")
        with path.open("wb") as mo:
            write_mo(mo, catalog)
        written.append(path)
    return written


@dataclass(frozen=True)
class Problem:
    locale: str
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"[{self.locale}] {self.what}: {self.msgid!r}"


def _ids(message: Message) -> tuple[str, ...]:
    return tuple(message.id) if isinstance(message.id, (list, tuple)) else (message.id,)


def _strings(message: Message) -> tuple[str, ...]:
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


def _translated(message: Message) -> bool:
    return all(_strings(message)) and "fuzzy" not in message.flags


def copied_swedish(message: Message) -> bool:
    """An English msgstr that is the Swedish msgid again, for text with å, ä or ö in it."""
    for source, text in zip(_ids(message), _strings(message), strict=False):
        if text == source and any(ch in source.lower() for ch in "åäö") and source not in KEEP_IN_ENGLISH:
            return True
    return False


def check(template: Catalog | None = None) -> list[Problem]:
    """What keeps the catalogues from being complete: msgids in the source that a catalogue lacks,
    entries without a translation or marked fuzzy, English that is Swedish copied, and
    translations whose %(name)s placeholders differ from the msgid's."""
    template = template if template is not None else extract()
    problems: list[Problem] = []
    for locale in LOCALES:
        catalog = _read(locale)
        for source in template:
            if not source.id:
                continue
            message = catalog.get(source.id, source.context)
            if message is None:
                problems.append(Problem(locale, _ids(source)[0], "missing from the catalogue"))
            elif "fuzzy" in message.flags:
                problems.append(Problem(locale, _ids(source)[0], "fuzzy"))
            elif not all(_strings(message)):
                problems.append(Problem(locale, _ids(source)[0], "not translated"))
            elif locale != SOURCE_LOCALE and copied_swedish(message):
                problems.append(Problem(locale, _ids(source)[0], "Swedish copied, not translated"))
            elif locale == SOURCE_LOCALE and _strings(message)[: len(_ids(message))] != _ids(message):
                problems.append(Problem(locale, _ids(source)[0], "msgstr differs from the Swedish msgid"))
        for message, errors in catalog.check():
            problems.extend(Problem(locale, _ids(message)[0], f"bad placeholders ({error})") for error in errors)
    return problems


def describe(problems: Iterable[Problem]) -> str:
    return "\n".join(str(p) for p in problems)
