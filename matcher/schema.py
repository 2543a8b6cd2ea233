"""Vocabulary and column layout of the matcher's CSV interchange format (see DOMAIN.md).

Everything that names a slug, a level, a weekday or a column lives here, so readers, features,
reasons and the CLI agree on one spelling.
"""

from __future__ import annotations

from typing import Final

#: Occupational fields (yrkesområden, Arbetsförmedlingen's SSYK 2012 grouping): slug -> label.
FIELDS: Final[dict[str, str]] = {
    "admin": "Administration, ekonomi, juridik",
    "construction": "Bygg och anläggning",
    "management": "Chefer och verksamhetsledare",
    "it": "Data/IT",
    "sales": "Försäljning, inköp, marknadsföring",
    "crafts": "Hantverk",
    "hospitality": "Hotell, restaurang, storhushåll",
    "healthcare": "Hälso- och sjukvård",
    "manufacturing": "Industriell tillverkning",
    "installation": "Installation, drift, underhåll",
    "beauty": "Kropps- och skönhetsvård",
    "culture": "Kultur, media, design",
    "military": "Militärt arbete",
    "agriculture": "Naturbruk",
    "science": "Naturvetenskap",
    "education": "Pedagogik",
    "cleaning": "Sanering och renhållning",
    "social_work": "Socialt arbete",
    "security": "Säkerhetsarbete",
    "engineering": "Tekniskt arbete",
    "transport": "Transport",
}
FIELD_SLUGS: Final[tuple[str, ...]] = tuple(FIELDS)

WEEKDAYS: Final[tuple[str, ...]] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Plural Swedish day names, as used in reasons ("Tisdagar passar").
WEEKDAY_LABELS: Final[dict[str, str]] = {
    "mon": "Måndagar",
    "tue": "Tisdagar",
    "wed": "Onsdagar",
    "thu": "Torsdagar",
    "fri": "Fredagar",
    "sat": "Lördagar",
    "sun": "Söndagar",
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
SCORE_COLUMNS: Final[tuple[str, ...]] = ("candidate_id", "offer_id", "score", "reasons")
PLAN_COLUMNS: Final[tuple[str, ...]] = ("candidate_id", "offer_id", "score")

#: Protected grounds: carried for audits, never used as a ranking feature.
PROTECTED_COLUMNS: Final[tuple[str, ...]] = ("target_group",)

#: Swedish names of languages that are common among participants; other ISO 639-1 codes are
#: shown as the code itself, which is still readable for staff.
LANGUAGE_NAMES: Final[dict[str, str]] = {
    "am": "amhariska",
    "ar": "arabiska",
    "bs": "bosniska",
    "da": "danska",
    "de": "tyska",
    "en": "engelska",
    "es": "spanska",
    "fa": "persiska",
    "fi": "finska",
    "fr": "franska",
    "hr": "kroatiska",
    "it": "italienska",
    "ku": "kurdiska",
    "no": "norska",
    "pl": "polska",
    "ps": "pashto",
    "pt": "portugisiska",
    "ro": "rumänska",
    "ru": "ryska",
    "so": "somaliska",
    "sq": "albanska",
    "sr": "serbiska",
    "sv": "svenska",
    "th": "thailändska",
    "ti": "tigrinska",
    "tr": "turkiska",
    "uk": "ukrainska",
    "ur": "urdu",
    "vi": "vietnamesiska",
    "zh": "kinesiska",
}


def language_name(code: str) -> str:
    """Swedish name of an ISO 639-1 language code, or the code itself when it is not listed."""
    return LANGUAGE_NAMES.get(code, code)
