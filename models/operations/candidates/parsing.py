"""A referral's data checked field by field: the client's details, the consent and the reason.

Forms, the API and spreadsheet rows go through the same `parse_candidate_input`, so a rule (and
its Swedish message) is written once; `InvalidInput` names every field that is wrong. Postcodes,
email addresses, phone numbers and languages are checked by `models.operations.fields`.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from ... import clock
from ...enums import ConsentMethod, ContactChannel, Gender, TargetGroup
from ...identity import InvalidIdentityNumber, PersonalIdentity, parse_personal_identity
from .. import fields, vocabularies
from ..errors import N_, DomainError
from ..spreadsheet import (
    CellInvalid,
    Problem,
    RowInvalid,
    RowReader,
    parse_bool,
    parse_choice,
    parse_date,
    parse_list,
    parse_text,
)


class InvalidInput(DomainError):
    """One or more fields are wrong; `problems` names each field, what is wrong and the fix."""

    def __init__(self, problems: Sequence[Problem]):
        first = problems[0]
        super().__init__(first.message, field=first.key)
        self.problems = list(problems)


# --- vocabularies: codes, labels and the words people write in files (..vocabularies) ---------
TARGET_GROUP_WORDS = vocabularies.TARGET_GROUP
FIELD_WORDS = vocabularies.FIELD
WEEKDAY_WORDS = vocabularies.WEEKDAY
TIME_OF_DAY_WORDS = vocabularies.TIME_OF_DAY
ADJUSTMENT_WORDS = vocabularies.ADJUSTMENT
CONTACT_CHANNEL_WORDS = vocabularies.CONTACT_CHANNEL
CONSENT_METHOD_WORDS = vocabularies.CONSENT_METHOD
GENDER_WORDS = vocabularies.GENDER
OUTCOME_WORDS = vocabularies.CLOSED_OUTCOME
TO_WORKPLACE_MAX = 1000
LEVEL_WORDS = {
    **{str(n): n for n in range(7)},
    "a1": 1, "a2": 2, "b1": 3, "b2": 4, "c1": 5, "c2": 6, "ingen": 0, "–": 0, "-": 0,
}


# --- parsing a referral's data ---------------------------------------------------------------
@dataclass(frozen=True)
class CandidateInput:
    first_name: str
    last_name: str
    identity: Optional[PersonalIdentity]  # None on an edit that keeps the number
    gender: Optional[Gender]
    phone: Optional[str]
    email: Optional[str]
    contact_channel: ContactChannel
    preferred_language: str
    target_group: TargetGroup
    swedish_level: int
    languages: list[str]
    interests: list[str]
    weekdays: list[str]
    times_of_day: list[str]
    postcode: Optional[str]
    area: Optional[str]
    lat: Optional[float]
    lon: Optional[float]
    needs_accessible: bool
    adjustments: list[str]
    to_workplace: str  # shown to the company as written
    needs_other: str  # internal: the officer's and the project leader's only


@dataclass(frozen=True)
class ConsentInput:
    given_on: dt.date
    method: ConsentMethod
    scope_partnership: bool = True
    scope_companies: bool = True

    @property
    def complete(self) -> bool:
        """Covers both sharing with the partnership and with the receiving companies."""
        return self.scope_partnership and self.scope_companies


# What messages call the fields ("Förnamnet saknas."), made once rather than for every row of a file.
_WHAT = {
    "first_name": N_("Förnamnet"),
    "last_name": N_("Efternamnet"),
    "gender": N_("Kön"),
    "target_group": N_("Målgrupp"),
    "interests": N_("Intressen"),
    "weekdays": N_("Veckodagar"),
    "times_of_day": N_("Tider på dagen"),
    "area": N_("Området"),
    "needs_other": N_("Texten om behov"),
    "adjustments": N_("Anpassningar"),
    "to_workplace": N_("Texten till arbetsplatsen"),
    "pin": N_("Personnumret"),
    "swedish_level": N_("Svenskanivån"),
    "consent_given_on": N_("Datumet för samtycket"),
    "consent_method": N_("Sättet samtycket gavs på"),
    "reason": N_("Skälet"),
}
_PIN_FIX = N_(
    "Skriv 12 siffror som ÅÅÅÅMMDD-NNNN (för samordningsnummer: dag + 60) och kontrollera den sista siffran."
)
_NAME_MARKS = " '’-."


def parse_name(value: Any, *, what: str = N_("Namnet")) -> str:
    text = re.sub(r"\s+", " ", parse_text(value, required=True, max_length=100, what=what))
    if not any(ch.isalpha() for ch in text) or any(
        not (ch.isalpha() or ch in _NAME_MARKS or unicodedata.category(ch) == "Mn") for ch in text
    ):
        raise CellInvalid(
            N_("%(what)s innehåller tecken som inte hör hemma i ett namn (till exempel siffror eller < >).", what=what),
            N_("Skriv namnet med bokstäver; mellanslag, bindestreck och apostrof går bra."),
        )
    return text


def parse_identity(value: Any) -> PersonalIdentity:
    fix = _PIN_FIX
    text = parse_text(value, max_length=20, what=_WHAT["pin"])
    if not text:
        raise CellInvalid(N_("Personnummer eller samordningsnummer saknas."), fix)
    try:
        identity = parse_personal_identity(text)
    except InvalidIdentityNumber:
        raise CellInvalid(N_("Det är inte ett giltigt personnummer eller samordningsnummer."), fix) from None
    if identity.birth_date > clock.local_today():
        raise CellInvalid(N_("Födelsedatumet i numret ligger i framtiden."), fix)
    return identity


def parse_level(value: Any) -> int:
    text = parse_text(value, max_length=10, what=_WHAT["swedish_level"]).replace(" ", "").casefold()
    if text not in LEVEL_WORDS:
        raise CellInvalid(
            N_("Svenskanivån «%(value)s» finns inte.", value=text[:10]) if text else N_("Svenskanivå saknas."),
            N_("Skriv en siffra 0–6 (0 = ingen svenska, 1 = A1, 2 = A2, 3 = B1, 4 = B2, 5 = C1, 6 = C2) eller A1–C2."),
        )
    return LEVEL_WORDS[text]


def parse_candidate_input(values: Mapping[str, Any], *, require_identity: bool = True) -> CandidateInput:
    """Check a referral's personal data (a form's fields or a file's row); raise InvalidInput
    naming every field that is wrong."""
    r = RowReader(values)
    first_name = r.get("first_name", parse_name, what=_WHAT["first_name"])
    last_name = r.get("last_name", parse_name, what=_WHAT["last_name"])
    identity = r.get("pin", parse_identity) if require_identity or str(values.get("pin") or "").strip() else None
    gender = r.get("gender", parse_choice, GENDER_WORDS, required=False, what=_WHAT["gender"])
    phone = r.get("phone", fields.phone_number)
    email = r.get("email", fields.email_address)
    channel = r.get("contact_channel", parse_choice, CONTACT_CHANNEL_WORDS, required=False) or ContactChannel.PHONE
    language = r.get("preferred_language", fields.language) or "sv"
    target_group = r.get("target_group", parse_choice, TARGET_GROUP_WORDS, what=_WHAT["target_group"])
    level = r.get("swedish_level", parse_level)
    languages = r.get("languages", fields.languages) or []
    interests = r.get("interests", parse_list, FIELD_WORDS, required=True, what=_WHAT["interests"])
    weekdays = r.get("weekdays", parse_list, WEEKDAY_WORDS, required=True, what=_WHAT["weekdays"])
    times_of_day = r.get("times_of_day", parse_list, TIME_OF_DAY_WORDS, what=_WHAT["times_of_day"]) or []
    postcode = r.get("postcode", fields.postcode)
    area = r.get("area", parse_text, max_length=100, what=_WHAT["area"])
    lat, lon = fields.read_coordinates(r)
    needs_accessible = r.get("needs_accessible", parse_bool)
    adjustments = r.get("adjustments", parse_list, ADJUSTMENT_WORDS, what=_WHAT["adjustments"]) or []
    to_workplace = r.get("to_workplace", parse_text, max_length=TO_WORKPLACE_MAX, what=_WHAT["to_workplace"])
    needs_other = r.get("needs_other", parse_text, max_length=2000, what=_WHAT["needs_other"])
    if channel == ContactChannel.EMAIL and not email and not r.has_problem("email"):
        r.add(
            "email",
            N_("E-post är vald som kontaktväg men e-postadressen saknas."),
            N_("Fyll i e-postadressen eller välj en annan kontaktväg."),
        )
    _finish(r)
    return CandidateInput(
        first_name=first_name or "",
        last_name=last_name or "",
        identity=identity,
        gender=Gender(gender) if gender else None,
        phone=phone,
        email=email,
        contact_channel=ContactChannel(channel),
        preferred_language=language,
        target_group=TargetGroup(target_group),
        swedish_level=level if level is not None else 0,
        languages=languages,
        interests=interests or [],
        weekdays=weekdays or [],
        times_of_day=times_of_day,
        postcode=postcode,
        area=area or None,
        lat=lat,
        lon=lon,
        needs_accessible=bool(needs_accessible),
        adjustments=adjustments,
        to_workplace=to_workplace or "",
        needs_other=needs_other or "",
    )


def parse_consent_input(values: Mapping[str, Any], *, scopes_from_checkboxes: bool) -> Optional[ConsentInput]:
    """The consent part of a referral, or None when nothing about consent was filled in.

    A form has one checkbox per scope; a file row's date and method mean consent to both."""
    given = [values.get("consent_given_on"), values.get("consent_method")]
    if scopes_from_checkboxes:
        partnership = parse_bool(values.get("consent_partnership"))
        companies = parse_bool(values.get("consent_companies"))
        if not (partnership or companies or any(parse_text(v) for v in given)):
            return None
    else:
        if not any(parse_text(v) for v in given):
            return None
        partnership = companies = True
    r = RowReader(values)
    given_on = r.get(
        "consent_given_on", parse_date, required=True, latest=clock.local_today(), what=_WHAT["consent_given_on"]
    )
    method = r.get("consent_method", parse_choice, CONSENT_METHOD_WORDS, what=_WHAT["consent_method"])
    if scopes_from_checkboxes and not (partnership or companies):
        r.add(
            "consent_partnership",
            N_("Ingen del av samtycket är ikryssad."),
            N_("Kryssa i det klienten har samtyckt till."),
        )
    _finish(r)
    return ConsentInput(given_on, ConsentMethod(method), partnership, companies)  # type: ignore[arg-type]


def _finish(reader: RowReader) -> None:
    try:
        reader.done()
    except RowInvalid as exc:
        raise InvalidInput(exc.problems) from None


def parse_reason(value: Any) -> str:
    return parse_text(value, max_length=4000, what=_WHAT["reason"])
