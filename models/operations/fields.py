"""The values people type in several places — a postcode, an email address, a phone number, a
language, a place's coordinates — each checked and brought to its stored form by one function
here: for the candidate and company forms and imports, bookings, accounts and the API alike.

Each takes what was typed and returns the stored value, None (for a list: []) when nothing was
typed, or raises `CellInvalid(problem, fix)` with the Swedish message. An import's or a form's
`RowReader` collects it as the field's problem; `checked()` makes it an operation's
DomainError on the field; the web layer's adapters make it a WTForms or marshmallow error.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Optional, TypeVar

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.se import postnummer

from .errors import N_, DomainError
from .spreadsheet import CellInvalid, ColumnSpec, Problem, RowReader, list_items, parse_decimal, parse_text, quoted

T = TypeVar("T")

POSTCODE_MAX_LENGTH = 10
EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 40
_PHONE_MARKS = " +-()"


def checked(check: Callable[[Any], T], value: Any, *, field: str) -> T:
    """`check(value)` in an operation that refuses a field at a time: a refusal is a
    DomainError on `field`, with the problem and its fix as one message."""
    try:
        return check(value)
    except CellInvalid as exc:
        raise DomainError(Problem(field, exc.problem, exc.fix).message, field=field) from None


def postcode(value: Any) -> Optional[str]:
    """A Swedish postcode: five digits, the first not 0, written with or without a space, a
    hyphen or the prefix SE; stored as "NNN NN"."""
    text = parse_text(value, max_length=POSTCODE_MAX_LENGTH, what=N_("Postnumret"))
    if not text:
        return None
    try:
        return postnummer.format(postnummer.validate(text))
    except StdnumError:
        raise CellInvalid(
            N_("%(value)s är inte ett svenskt postnummer.", value=quoted(text)), N_("Skriv fem siffror, t.ex. 252 21.")
        ) from None


def email_address(value: Any) -> Optional[str]:
    """An email address as email-validator checks its form (its domain is not looked up),
    normalised and in lower case, so that the same address is always stored alike."""
    text = parse_text(value, max_length=EMAIL_MAX_LENGTH, what=N_("E-postadressen"))
    if not text:
        return None
    try:
        return validate_email(text, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise CellInvalid(
            N_("%(value)s är inte en giltig e-postadress.", value=quoted(text)), N_("Skriv den som namn@exempel.se.")
        ) from None


def phone_number(value: Any) -> Optional[str]:
    """7–15 digits, with spaces, +, - and parentheses as people write them; kept as written."""
    text = parse_text(value, max_length=PHONE_MAX_LENGTH, what=N_("Telefonnumret"))
    if not text:
        return None
    digits = sum(ch.isdigit() for ch in text)
    if any(not (ch.isdigit() or ch in _PHONE_MARKS) for ch in text) or not 7 <= digits <= 15:
        raise CellInvalid(
            N_("Telefonnumret ser inte ut som ett telefonnummer."), N_("Skriv till exempel 070-123 45 67.")
        )
    return text


# --- languages: ISO 639-1 codes, written as codes or as Swedish or English names ---------------
@functools.cache
def _language_words() -> dict[str, str]:
    """Case-folded codes and the languages' Swedish and English names → code, from CLDR (Babel)."""
    words: dict[str, str] = {}
    codes = sorted(code for code in Locale("sv").languages if len(code) == 2 and code.isalpha())
    for locale in ("en", "sv"):
        names = Locale(locale).languages
        words.update({names[code].casefold(): code for code in codes if code in names})
    words.update({code: code for code in codes})
    return words


def is_language_code(code: Any) -> bool:
    """An ISO 639-1 code that CLDR names ('sv', 'ar'); not a name, not upper case."""
    return isinstance(code, str) and len(code) == 2 and _language_words().get(code) == code


def _unknown_languages(unknown: list[str]) -> CellInvalid:
    listed = ", ".join(quoted(u, 25) for u in unknown[:5])
    return CellInvalid(
        N_("Okänt språk: %(value)s.", value=listed)
        if len(unknown) == 1
        else N_("Okända språk: %(values)s.", values=listed),
        N_("Skriv språket med namn (t.ex. engelska) eller som tvåbokstavskod (t.ex. en)."),
    )


def languages(value: Any) -> list[str]:
    """Language codes from a list of codes or names ('sv, engelska', 'ar/so', or a form's
    checkboxes), each once, in the order written."""
    words = _language_words()
    items = list_items(value)
    unknown = [item for item in items if item.casefold() not in words]
    if unknown:
        raise _unknown_languages(unknown)
    return list(dict.fromkeys(words[item.casefold()] for item in items))


def language(value: Any) -> Optional[str]:
    """One language's code, from its code or name ('arabiska' → 'ar')."""
    text = parse_text(value, max_length=100, what=N_("Språket"))
    if not text:
        return None
    code = _language_words().get(text.casefold())
    if code is None:
        raise _unknown_languages([text])
    return code


def language_name(code: str, locale: str = "sv") -> str:
    """A language's name in `locale` ('ar' → 'arabiska'); anything but a known code as it is."""
    return Locale.parse(locale).languages.get(code, code) if is_language_code(code) else code


# --- a place: latitude and longitude, both or neither ------------------------------------------
def latitude(value: Any) -> Optional[float]:
    return parse_decimal(value, minimum=-90, maximum=90, what=N_("Latituden"))


def longitude(value: Any) -> Optional[float]:
    return parse_decimal(value, minimum=-180, maximum=180, what=N_("Longituden"))


def read_coordinates(reader: RowReader) -> tuple[Optional[float], Optional[float]]:
    """The `lat` and `lon` of a row or a form: each in its range, both given or neither."""
    lat, lon = reader.get("lat", latitude), reader.get("lon", longitude)
    if (lat is None) != (lon is None) and not (reader.has_problem("lat") or reader.has_problem("lon")):
        reader.add(
            "lon" if lon is None else "lat",
            N_("Koordinaten är bara halvt ifylld."),
            N_("Fyll i både latitud och longitud, eller ingen av dem."),
        )
    return lat, lon


# The columns of these values in the imports' templates, described once.
POSTCODE_COLUMN = ColumnSpec("postcode", "Postnummer", False, N_("Fem siffror."), "252 21")
LATITUDE_COLUMN = ColumnSpec("lat", "Latitud", False, N_("Decimaltal, t.ex. 56,046 (tomt går bra)."), "56,046")
LONGITUDE_COLUMN = ColumnSpec("lon", "Longitud", False, N_("Decimaltal, t.ex. 12,694 (tomt går bra)."), "12,694")
