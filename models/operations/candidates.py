"""The candidate bank: a referral's data checked field by field, duplicate detection, referrals
and their life-cycle (draft → submitted → accepted | returned → active → closed), consent and
its withdrawal, editing under optimistic locking, and the bulk import.

Forms and spreadsheet rows go through the same `parse_candidate_input`, so a rule (and its
Swedish message) is written once. Nothing here commits; notifying the referring officer is the
web layer's job, after the operation succeeded.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from .. import clock
from ..accounts import User
from ..candidates import Candidate, Consent, Referral, ReferralEvent
from ..enums import (
    FIELD_SLUGS,
    TIMES_OF_DAY,
    WEEKDAYS,
    ClosedOutcome,
    ConsentMethod,
    ContactChannel,
    Gender,
    ReferralStatus,
    Role,
    TargetGroup,
)
from ..identity import InvalidIdentityNumber, PersonalIdentity, PinVault, parse_personal_identity
from . import fields
from .errors import N_, Conflict, DomainError, Message, NotAllowed
from .spreadsheet import (
    CellInvalid,
    ColumnSpec,
    Preview,
    Problem,
    RowDuplicate,
    RowInvalid,
    RowReader,
    RowValues,
    Table,
    map_headers,
    parse_bool,
    parse_choice,
    parse_date,
    parse_decimal,
    parse_list,
    parse_text,
    validate_rows,
)

S = ReferralStatus

DUPLICATE_MESSAGE = N_("Personen finns redan i kandidatbanken.")
STALE_EDIT_MESSAGE = N_(
    "Någon annan har ändrat uppgifterna medan du redigerade. Ladda om sidan för att se de nya "
    "uppgifterna och gör dina ändringar igen. Ingenting av det du skrev har sparats."
)
STATUS_WORDS = {
    S.DRAFT: N_("ett utkast"),
    S.SUBMITTED: N_("inskickad"),
    S.ACCEPTED: N_("antagen"),
    S.RETURNED: N_("återsänd"),
    S.ACTIVE: N_("aktiv"),
    S.CLOSED: N_("avslutad"),
}
# Which statuses a referral may move to, from which. A returned referral can be completed and
# submitted again by its officer; a closed one is final (a new referral starts a new period).
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.SUBMITTED: frozenset({S.DRAFT, S.RETURNED}),
    S.ACCEPTED: frozenset({S.SUBMITTED}),
    S.ACTIVE: frozenset({S.ACCEPTED}),
    S.RETURNED: frozenset({S.SUBMITTED, S.ACCEPTED}),
    S.CLOSED: frozenset({S.ACCEPTED, S.ACTIVE}),
}
OPEN_STATUSES = frozenset(set(S) - {S.CLOSED})


class InvalidInput(DomainError):
    """One or more fields are wrong; `problems` names each field, what is wrong and the fix."""

    def __init__(self, problems: Sequence[Problem]):
        first = problems[0]
        super().__init__(first.message, field=first.key)
        self.problems = list(problems)


class DuplicateCandidate(Conflict):
    """The person is already in the bank. Says nothing about who referred them or from where."""

    def __init__(self) -> None:
        super().__init__(
            "Personen finns redan i kandidatbanken. Du kan koppla din remiss till den befintliga kandidaten "
            "i stället för att lägga upp personen en gång till.",
            field="pin",
            code="duplicate",
        )


# --- vocabularies: the slugs, plus the Swedish words people write in files -------------------
def _vocabulary(values: Iterable[str], swedish: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    return {**{v: v for v in values}, **(swedish or {})}


TARGET_GROUP_WORDS = _vocabulary(
    (g.value for g in TargetGroup),
    {"unga": "youth", "nyanlända": "newcomer", "utrikes födda": "newcomer",
     "långt från arbetslivet": "long_term", "övriga": "other", "annan": "other"},
)
FIELD_WORDS = _vocabulary(FIELD_SLUGS)
WEEKDAY_WORDS = _vocabulary(
    WEEKDAYS,
    {"måndag": "mon", "tisdag": "tue", "onsdag": "wed", "torsdag": "thu", "fredag": "fri", "lördag": "sat",
     "söndag": "sun", "mån": "mon", "tis": "tue", "ons": "wed", "tor": "thu", "tors": "thu", "fre": "fri",
     "lör": "sat", "sön": "sun"},
)
TIME_OF_DAY_WORDS = _vocabulary(
    TIMES_OF_DAY,
    {"förmiddag": "morning", "fm": "morning", "mitt på dagen": "midday", "lunch": "midday",
     "eftermiddag": "afternoon", "em": "afternoon"},
)
CONTACT_CHANNEL_WORDS = _vocabulary(
    (c.value for c in ContactChannel), {"telefon": "phone", "e-post": "email", "epost": "email"}
)
CONSENT_METHOD_WORDS = _vocabulary(
    (m.value for m in ConsentMethod), {"skriftligt": "written", "digitalt": "digital", "muntligt": "verbal"}
)
GENDER_WORDS = _vocabulary((g.value for g in Gender), {"kvinna": "female", "man": "male", "annat": "other"})
OUTCOME_WORDS = _vocabulary(o.value for o in ClosedOutcome)
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
    needs_other: str


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
    "lat": N_("Latituden"),
    "lon": N_("Longituden"),
    "needs_other": N_("Texten om behov"),
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
    lat = r.get("lat", parse_decimal, minimum=-90, maximum=90, what=_WHAT["lat"])
    lon = r.get("lon", parse_decimal, minimum=-180, maximum=180, what=_WHAT["lon"])
    needs_accessible = r.get("needs_accessible", parse_bool)
    needs_other = r.get("needs_other", parse_text, max_length=2000, what=_WHAT["needs_other"])
    if (lat is None) != (lon is None) and not (r.has_problem("lat") or r.has_problem("lon")):
        r.add(
            "lon" if lon is None else "lat",
            N_("Koordinaten är bara halvt ifylld."),
            N_("Fyll i både latitud och longitud, eller ingen av dem."),
        )
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


# --- duplicates ------------------------------------------------------------------------------
def _same_name(a: str, b: str) -> bool:
    return re.sub(r"\s+", " ", a).strip().casefold() == re.sub(r"\s+", " ", b).strip().casefold()


def find_duplicate(
    session: Session,
    vault: PinVault,
    identity: PersonalIdentity,
    first_name: str,
    last_name: str,
    *,
    exclude_id: Optional[int] = None,
) -> Optional[Candidate]:
    """The candidate with the same identity number, or else with the same first and last name
    (case-insensitive) and birth date."""
    found = session.scalar(sa.select(Candidate).where(Candidate.pin_hash == vault.lookup_hash(identity.number)))
    if found is not None and found.id != exclude_id:
        return found
    # Names are compared in Python: SQLite's lower() only folds ASCII, and one birth date has few rows.
    same_day = session.scalars(
        sa.select(Candidate).where(Candidate.birth_date == identity.birth_date, Candidate.anonymised_at.is_(None))
    )
    for candidate in same_day:
        if (
            candidate.id != exclude_id
            and _same_name(candidate.first_name, first_name)
            and _same_name(candidate.last_name, last_name)
        ):
            return candidate
    return None


# --- referrals -------------------------------------------------------------------------------
_CANDIDATE_FIELDS = (
    "first_name", "last_name", "gender", "phone", "email", "contact_channel", "preferred_language",
    "target_group", "swedish_level", "languages", "interests", "weekdays", "times_of_day", "postcode",
    "area", "lat", "lon", "needs_accessible", "needs_other",
)


def _candidate_values(data: CandidateInput, vault: PinVault) -> dict[str, Any]:
    """The candidate's columns that `data` sets (the identity number's four only when given):
    for an edit or a referral through the ORM (`_apply`) and for the bulk import's rows alike."""
    values = {name: getattr(data, name) for name in _CANDIDATE_FIELDS}
    if data.identity is not None:
        values["pin_encrypted"] = vault.encrypt(data.identity.number)
        values["pin_hash"] = vault.lookup_hash(data.identity.number)
        values["pin_masked"] = data.identity.masked
        values["birth_date"] = data.identity.birth_date
    return values


def _apply(candidate: Candidate, data: CandidateInput, vault: PinVault) -> None:
    for name, value in _candidate_values(data, vault).items():
        setattr(candidate, name, value)


def _flush(session: Session) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        # Two officers registering the same person at the same moment: the unique hash decides.
        if "pin_hash" in str(exc.orig):
            raise DuplicateCandidate() from None
        raise


def _check_officer(officer: User) -> None:
    if officer.role != Role.WELFARE_OFFICER or officer.organisation is None:
        raise NotAllowed("Bara en handläggare som hör till en enhet kan remittera.")


def _new_referral(
    session: Session,
    vault: PinVault,
    data: CandidateInput,
    *,
    candidate: Optional[Candidate],
    officer: User,
    recorded_by: User,
    reason: str,
    consent: Optional[ConsentInput],
    submit: bool,
) -> Referral:
    if candidate is None:
        candidate = Candidate()
        _apply(candidate, data, vault)
        session.add(candidate)
    if consent is not None:
        candidate.consents.append(
            Consent(
                given_on=consent.given_on,
                method=consent.method,
                scope_partnership=consent.scope_partnership,
                scope_companies=consent.scope_companies,
                recorded_by=recorded_by,
            )
        )
    referral = Referral(candidate=candidate, unit=officer.organisation, referred_by=officer, reason=reason)
    referral.status = S.DRAFT
    # The same columns as the events _move writes (reason too), so that an import's events are
    # inserted in batches rather than one statement each.
    referral.events.append(
        ReferralEvent(from_status=None, to_status=S.DRAFT, by=recorded_by, at=clock.now(), reason="")
    )
    session.add(referral)
    if submit:
        _submit(referral, recorded_by)
    return referral


def refer_candidate(
    session: Session,
    vault: PinVault,
    data: CandidateInput,
    *,
    officer: User,
    reason: str,
    consent: Optional[ConsentInput],
    submit: bool,
    attach: bool = False,
) -> Referral:
    """An officer's referral of a client: a new candidate, or with `attach` a new referral of the
    candidate already in the bank. Without consent it can only be saved as a draft."""
    _check_officer(officer)
    if data.identity is None:
        raise DomainError("Personnummer eller samordningsnummer saknas.", field="pin")
    existing = find_duplicate(session, vault, data.identity, data.first_name, data.last_name)
    if existing is not None and not attach:
        raise DuplicateCandidate()
    if existing is not None and any(
        r.unit_id == officer.organisation_id and r.status in OPEN_STATUSES for r in existing.referrals
    ):
        raise Conflict(
            "Din enhet har redan en pågående remiss för personen. Öppna den under «Mina remisser» i stället.",
            field="pin",
            code="open_referral",
        )
    referral = _new_referral(
        session, vault, data, candidate=existing, officer=officer, recorded_by=officer,
        reason=reason, consent=consent, submit=submit,
    )
    _flush(session)
    return referral


def _move(referral: Referral, to: ReferralStatus, by: User, reason: str = "") -> None:
    if referral.status not in TRANSITIONS[to]:
        raise Conflict(
            "Remissen är %(status)s och kan inte bli %(to)s. Ladda om sidan: någon kan ha hunnit före.",
            code="transition",
            status=STATUS_WORDS[referral.status],
            to=STATUS_WORDS[to],
        )
    referral.events.append(
        ReferralEvent(from_status=referral.status, to_status=to, by=by, reason=reason, at=clock.now())
    )
    referral.status = to


def _require_consent(referral: Referral, action: Message) -> None:
    _check_consent(referral.candidate.active_consent, action)


def _check_consent(consent: Optional[Consent | ConsentInput], action: Message) -> None:
    if consent is None or not (consent.scope_partnership and consent.scope_companies):
        raise DomainError(
            "Remissen kan inte %(action)s utan klientens samtycke till att uppgifterna delas med "
            "partnerskapet och med företagen. Registrera samtycket först, eller spara remissen som utkast.",
            field="consent_partnership",
            code="no_consent",
            action=action,
        )


def _check_reason(reason: str) -> None:
    if not reason.strip():
        raise DomainError(
            "Skälet till remissen saknas. Skriv varför klienten remitteras.", field="reason", code="no_reason"
        )


def _submit(referral: Referral, by: User) -> None:
    _require_consent(referral, N_("skickas"))
    _check_reason(referral.reason)
    _move(referral, S.SUBMITTED, by)
    referral.submitted_at = clock.now()


def submit_referral(session: Session, referral: Referral, *, by: User, reason: Optional[str] = None) -> None:
    """Send a draft (or a completed returned referral) to the project leader; `reason`, when
    given, replaces the referral's reason first."""
    if reason is not None:
        referral.reason = parse_reason(reason)
    _submit(referral, by)
    session.flush()


def accept_referral(session: Session, referral: Referral, *, by: User, activate: bool = False) -> None:
    """The project leader takes the client on (and with `activate`, starts at once)."""
    _require_consent(referral, N_("antas"))
    _move(referral, S.ACCEPTED, by)
    if activate:
        _move(referral, S.ACTIVE, by)
    session.flush()


def activate_referral(session: Session, referral: Referral, *, by: User) -> None:
    _require_consent(referral, N_("aktiveras"))
    _move(referral, S.ACTIVE, by)
    session.flush()


def return_referral(session: Session, referral: Referral, *, by: User, reason: str) -> None:
    reason = parse_reason(reason)
    if not reason:
        raise DomainError(
            "Skriv varför remissen återsänds, så att handläggaren vet vad som behöver kompletteras.",
            field="reason",
        )
    _move(referral, S.RETURNED, by, reason)
    referral.return_reason = reason
    session.flush()


def close_referral(
    session: Session, referral: Referral, *, by: User, outcome: str | ClosedOutcome | None, reason: str = ""
) -> None:
    try:
        chosen = parse_choice(outcome, OUTCOME_WORDS, what=N_("Utfallet"))
    except CellInvalid:
        raise DomainError("Välj hur insatsen avslutades.", field="outcome") from None
    _move(referral, S.CLOSED, by, parse_reason(reason))
    referral.closed_outcome = ClosedOutcome(chosen)
    referral.closed_at = clock.now()
    session.flush()


# --- editing, consent, the identity number ---------------------------------------------------
def update_candidate(
    session: Session, vault: PinVault, candidate: Candidate, data: CandidateInput, *, expected_version: Any
) -> None:
    """Save an edit made on the version the editor saw; refuse if anyone saved in between."""
    try:
        seen = int(expected_version)
    except (TypeError, ValueError):
        seen = -1
    if seen != candidate.version:
        raise Conflict(STALE_EDIT_MESSAGE, code="stale")
    if data.identity is not None:
        other = session.scalar(
            sa.select(Candidate.id).where(
                Candidate.pin_hash == vault.lookup_hash(data.identity.number), Candidate.id != candidate.id
            )
        )
        if other is not None:
            raise Conflict("Det numret hör redan till en annan person i kandidatbanken.", field="pin", code="duplicate")
    _apply(candidate, data, vault)
    try:
        _flush(session)
    except StaleDataError:
        # Saved by someone else between our read and our write: the UPDATE matched no row.
        raise Conflict(STALE_EDIT_MESSAGE, code="stale") from None


def record_consent(session: Session, candidate: Candidate, consent: ConsentInput, *, by: User) -> Consent:
    row = Consent(
        candidate=candidate,
        given_on=consent.given_on,
        method=consent.method,
        scope_partnership=consent.scope_partnership,
        scope_companies=consent.scope_companies,
        recorded_by=by,
    )
    session.add(row)
    session.flush()
    return row


def withdraw_consent(session: Session, candidate: Candidate, *, by: User) -> int:
    """Record the client's withdrawal now: from this moment the candidate is out of matching and
    every employer view (they filter on `consent_in_force()`). The data itself stays."""
    live = [c for c in candidate.consents if c.withdrawn_at is None]
    if not live:
        raise DomainError("Det finns inget gällande samtycke att återkalla.", code="no_consent")
    now = clock.now()
    for consent in live:
        consent.withdrawn_at = now
        consent.withdrawn_by_id = by.id
    session.flush()
    return len(live)


def reveal_identity_number(vault: PinVault, candidate: Candidate) -> str:
    """The full number as YYYYMMDD-NNNN. The caller audits that it was shown."""
    if not candidate.pin_encrypted:
        raise DomainError("Inget personnummer är registrerat för personen.")
    number = vault.decrypt(candidate.pin_encrypted)
    return f"{number[:8]}-{number[8:]}"


# --- bulk import -----------------------------------------------------------------------------
def _codes(words: Mapping[str, str]) -> str:
    return ", ".join(dict.fromkeys(words.values()))


IMPORT_COLUMNS: list[ColumnSpec] = [
    ColumnSpec("first_name", "Förnamn", True, N_("Klientens förnamn."), "Amina"),
    ColumnSpec("last_name", "Efternamn", True, N_("Klientens efternamn."), "Hassan"),
    ColumnSpec(
        "pin", "Personnummer", True,
        N_("Personnummer eller samordningsnummer, 12 siffror: ÅÅÅÅMMDD-NNNN."), "19900101-1239",
        aliases=("Personnummer/samordningsnummer", "Samordningsnummer"),
    ),
    ColumnSpec("phone", "Telefon", False, N_("Telefonnummer."), "070-123 45 67"),
    ColumnSpec("email", "E-post", False, N_("E-postadress."), "amina@exempel.se"),
    ColumnSpec("contact_channel", "Kontaktväg", False, N_("telefon, sms eller e-post (tomt = telefon)."), "sms"),
    ColumnSpec("preferred_language", "Kontaktspråk", False, N_("Språkkod eller språk, t.ex. sv eller arabiska."), "sv"),
    ColumnSpec("target_group", "Målgrupp", True, N_("En av: %(codes)s.", codes=_codes(TARGET_GROUP_WORDS)), "newcomer"),
    ColumnSpec("swedish_level", "Svenskanivå", True, N_("0–6 (0 = ingen, 1 = A1 … 6 = C2) eller A1–C2."), "3"),
    ColumnSpec("languages", "Andra språk", False, N_("Språkkoder eller språk, skilda åt med komma."), "ar, en"),
    ColumnSpec(
        "interests", "Intressen", True, N_("Yrkesområden, skilda åt med komma: %(codes)s.", codes=_codes(FIELD_WORDS)),
        "hospitality, sales",
    ),
    ColumnSpec(
        "weekdays", "Veckodagar", True, N_("Dagar klienten kan, t.ex. mån, tis, ons, tor, fre."), "mån, tis, ons"
    ),
    ColumnSpec("times_of_day", "Tider på dagen", False, N_("förmiddag, mitt på dagen, eftermiddag."), "förmiddag"),
    ColumnSpec("postcode", "Postnummer", False, N_("Fem siffror."), "252 21"),
    ColumnSpec("area", "Område", False, N_("Stadsdel eller ort."), "Centrum"),
    ColumnSpec("lat", "Latitud", False, N_("Decimaltal, t.ex. 56,046 (tomt går bra)."), "56,046"),
    ColumnSpec("lon", "Longitud", False, N_("Decimaltal, t.ex. 12,694 (tomt går bra)."), "12,694"),
    ColumnSpec("needs_accessible", "Tillgänglig arbetsplats", False, N_("ja eller nej."), "nej"),
    ColumnSpec("needs_other", "Andra behov", False, N_("Praktiska behov, fritext."), "Kan inte börja före kl. 9"),
    ColumnSpec(
        "reason", "Skäl för remiss", False, N_("Varför klienten remitteras. Krävs när samtycke är ifyllt."),
        "Vill pröva restaurangyrket",
    ),
    ColumnSpec(
        "consent_given_on", "Samtycke datum", False,
        N_(
            "Dagen klienten samtyckte till att uppgifterna delas med partnerskapet och företagen (ÅÅÅÅ-MM-DD). "
            "Tomt = raden sparas som utkast."
        ),
        "2026-03-02",
    ),
    ColumnSpec("consent_method", "Samtycke sätt", False, N_("skriftligt, digitalt eller muntligt."), "skriftligt"),
    ColumnSpec("gender", "Kön", False, N_("kvinna, man eller annat (tomt går bra)."), ""),
]


@dataclass(frozen=True)
class ImportRow:
    candidate: CandidateInput
    consent: Optional[ConsentInput]
    reason: str


class KnownPeople:
    """The bank's candidates that a file's rows could repeat, read in a few queries for the whole
    file (by identity-number hash and by birth date): `find_duplicate`'s rule, without its two
    queries per row (20,000 queries for a 10,000-row file)."""

    CHUNK = 500  # values per IN (...): well below SQLite's limit on parameters

    def __init__(self, session: Session, vault: PinVault, identities: Iterable[PersonalIdentity]):
        self.vault = vault
        wanted = list(identities)
        hashes = sorted({vault.lookup_hash(i.number) for i in wanted})
        days = sorted({i.birth_date for i in wanted})
        self._hashes: set[str] = set()
        self._names_by_day: dict[dt.date, list[tuple[str, str]]] = {}
        for part in (hashes[n : n + self.CHUNK] for n in range(0, len(hashes), self.CHUNK)):
            self._hashes.update(session.scalars(sa.select(Candidate.pin_hash).where(Candidate.pin_hash.in_(part))))
        for part in (days[n : n + self.CHUNK] for n in range(0, len(days), self.CHUNK)):
            rows = session.execute(
                sa.select(Candidate.birth_date, Candidate.first_name, Candidate.last_name).where(
                    Candidate.birth_date.in_(part), Candidate.anonymised_at.is_(None)
                )
            )
            for day, first, last in rows:
                self._names_by_day.setdefault(day, []).append((first, last))

    def has(self, identity: PersonalIdentity, first_name: str, last_name: str) -> bool:
        if self.vault.lookup_hash(identity.number) in self._hashes:
            return True
        return any(
            _same_name(first, first_name) and _same_name(last, last_name)
            for first, last in self._names_by_day.get(identity.birth_date, [])
        )

    @classmethod
    def for_file(cls, session: Session, vault: PinVault, table: Table) -> KnownPeople:
        """The people the identity numbers in the file's number column could be."""
        index, _unknown = map_headers(table, IMPORT_COLUMNS)
        identities = []
        for row in table.rows:
            text = row.cells[index["pin"]] if "pin" in index and index["pin"] < len(row.cells) else ""
            try:
                identities.append(parse_personal_identity(text))
            except InvalidIdentityNumber:
                continue  # the row's own check reports it
        return cls(session, vault, identities)


class CandidateRowValidator:
    """Checks one row of a candidate import: its values, that no earlier row of the file is the
    same person, and that the person is not already in the bank (a duplicate, shown apart)."""

    def __init__(self, session: Session, vault: PinVault, known: Optional[KnownPeople] = None):
        self.session = session
        self.vault = vault
        self.known = known
        self._rows_by_pin: dict[str, int] = {}
        self._rows_by_person: dict[tuple[str, str, dt.date], int] = {}

    def __call__(self, values: RowValues) -> ImportRow:
        problems: list[Problem] = []
        candidate = consent = None
        reason = ""
        try:
            candidate = parse_candidate_input(values)
        except InvalidInput as exc:
            problems += exc.problems
        try:
            consent = parse_consent_input(values, scopes_from_checkboxes=False)
        except InvalidInput as exc:
            problems += exc.problems
        try:
            reason = parse_reason(values.get("reason"))
        except CellInvalid as exc:
            problems.append(Problem("reason", exc.problem, exc.fix))
        if consent is not None and not reason and not any(p.key == "reason" for p in problems):
            problems.append(
                Problem(
                    "reason",
                    N_("Skälet till remissen saknas."),
                    N_("Skriv skälet, eller töm samtyckeskolumnerna så sparas raden som utkast."),
                )
            )
        if problems or candidate is None or candidate.identity is None:
            raise RowInvalid(problems)
        identity = candidate.identity
        person = (candidate.first_name.casefold(), candidate.last_name.casefold(), identity.birth_date)
        earlier = self._rows_by_pin.get(identity.number) or self._rows_by_person.get(person)
        if earlier:
            raise RowInvalid(
                [
                    Problem(
                        "pin",
                        N_("Samma person finns redan på rad %(row)s i filen.", row=earlier),
                        N_("Ta bort den ena raden."),
                    )
                ]
            )
        self._rows_by_pin[identity.number] = values.number
        self._rows_by_person[person] = values.number
        row = ImportRow(candidate, consent, reason)
        if self.known is not None:
            duplicate = self.known.has(identity, candidate.first_name, candidate.last_name)
        else:
            duplicate = find_duplicate(self.session, self.vault, identity, candidate.first_name, candidate.last_name)
        if duplicate:
            raise RowDuplicate(DUPLICATE_MESSAGE, row)
        return row


def preview_import(
    session: Session,
    vault: PinVault,
    table: Table,
    *,
    progress: Optional[Callable[[Iterable[Any]], Iterable[Any]]] = None,
) -> Preview[ImportRow]:
    """Check every row of an uploaded file; nothing is stored."""
    validator = CandidateRowValidator(session, vault, KnownPeople.for_file(session, vault, table))
    return validate_rows(table, IMPORT_COLUMNS, validator, progress=progress)


@dataclass(frozen=True)
class ImportedReferral:
    """A referral an import stored: its id, its new candidate's id and its status (submitted, or a
    draft when the row had no consent)."""

    id: int
    candidate_id: int
    status: ReferralStatus


def import_candidates(
    session: Session,
    vault: PinVault,
    preview: Preview[ImportRow],
    *,
    referrer: User,
    by: Optional[User] = None,
    skip_duplicates: bool = False,
    progress: Optional[Callable[[Iterable[Any]], Iterable[Any]]] = None,
) -> list[ImportedReferral]:
    """Store every valid row as a referral by `referrer` (an officer) — all or nothing: any row
    with an error, or duplicates not explicitly skipped, and nothing is stored. Rows with consent
    are submitted; rows without are drafts. `by` is who ran the import (default: the referrer).

    Each row is written as `refer_candidate` writes a new candidate's referral (the candidate,
    its consent, the referral and its events), but table by table in a few statements rather
    than as ORM objects: 10,000 rows are some 48,000 objects. The referrals come back in the
    file's order; the session holds none of the new rows."""
    _check_officer(referrer)
    if preview.errors:
        raise DomainError(
            "%(n)s rader i filen har fel. Rätta dem och ladda upp filen igen: ingenting har importerats.",
            field="file",
            code="row_errors",
            n=preview.rows_with_errors,
        )
    if preview.duplicates and not skip_duplicates:
        raise Conflict(
            "%(n)s rader gäller personer som redan finns i kandidatbanken. Välj att hoppa "
            "över dem, eller ta bort dem ur filen. Ingenting har importerats.",
            field="skip_duplicates",
            code="duplicates",
            n=len(preview.duplicates),
        )
    if not preview.valid_rows:
        raise DomainError("Det finns inga nya personer att importera i filen.", field="file", code="nothing")
    actor = by or referrer
    now = clock.now()
    submitting = N_("skickas")
    people: list[dict[str, Any]] = []
    consents: dict[str, dict[str, Any]] = {}  # by the candidate's pin_hash (unique)
    referrals: dict[str, dict[str, Any]] = {}
    rows: Iterable[Any] = progress(preview.valid_rows) if progress else preview.valid_rows
    for row in rows:
        data, consent, reason = row.value.candidate, row.value.consent, row.value.reason
        if data.identity is None:
            raise DomainError("Personnummer eller samordningsnummer saknas.", field="pin")
        person = _candidate_values(data, vault)
        key = person["pin_hash"]
        people.append(person)
        if consent is not None:  # what _new_referral and _submit check and write
            _check_consent(consent, submitting)
            _check_reason(reason)
            consents[key] = {
                "given_on": consent.given_on,
                "method": consent.method,
                "scope_partnership": consent.scope_partnership,
                "scope_companies": consent.scope_companies,
                "recorded_by_id": actor.id,
            }
        referrals[key] = {
            "unit_id": referrer.organisation_id,
            "referred_by_id": referrer.id,
            "reason": reason,
            "status": S.SUBMITTED if consent is not None else S.DRAFT,
            "submitted_at": now if consent is not None else None,
        }
    try:
        candidate = Candidate.__table__.c
        ids = dict(_insert_rows(session, Candidate.__table__, people, returning=(candidate.pin_hash, candidate.id)))
        _insert_rows(session, Consent.__table__, [{"candidate_id": ids[k], **v} for k, v in consents.items()])
        referral = Referral.__table__.c
        referral_ids = dict(
            _insert_rows(
                session, Referral.__table__, [{"candidate_id": ids[k], **v} for k, v in referrals.items()],
                returning=(referral.candidate_id, referral.id),
            )
        )
        # Two statements, so that each referral's DRAFT event has the lower id (events are ordered
        # by id), as when _new_referral appends it and _submit the next.
        event = {"by_id": actor.id, "at": now, "reason": ""}
        _insert_rows(session, ReferralEvent.__table__, [
            {"referral_id": referral_ids[ids[k]], "from_status": None, "to_status": S.DRAFT, **event}
            for k in referrals
        ])
        _insert_rows(session, ReferralEvent.__table__, [
            {"referral_id": referral_ids[ids[k]], "from_status": S.DRAFT, "to_status": S.SUBMITTED, **event}
            for k, v in referrals.items()
            if v["status"] == S.SUBMITTED
        ])
    except Exception as exc:
        # As a failed flush does: the transaction is undone, so no part of the file can be kept.
        session.rollback()
        if isinstance(exc, IntegrityError) and "pin_hash" in str(exc.orig):
            # Someone registered one of the persons after the preview: the unique hash decides.
            raise DuplicateCandidate() from None
        raise
    return [ImportedReferral(referral_ids[ids[k]], ids[k], v["status"]) for k, v in referrals.items()]


def _insert_rows(
    session: Session,
    table: Any,
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: Sequence[sa.ColumnElement[Any]] = (),
) -> list[tuple[Any, ...]]:
    """INSERT `rows` (mappings with the same keys) into `table` through the session — so that the
    data versions note the table (models/system.py) — and return the `returning` columns of each.

    A column the rows do not name gets the model's Python-side default, as from the ORM. On
    PostgreSQL the rows go as one array per column (`INSERT ... SELECT * FROM unnest(...)`): one
    short statement however many rows, where a multi-row VALUES list would cost a parameter per
    value to build and parse; elsewhere (SQLite) as an executemany."""
    if not rows:
        return []
    names = list(rows[0])
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in rows[0] or default is None:
            continue
        if default.is_callable:
            defaults[column.name] = default.arg(None)  # type: ignore[attr-defined]
        elif default.is_scalar:
            defaults[column.name] = default.arg  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        columns = {name: table.c[name] for name in [*names, *defaults]}
        values = {
            **{name: [row[name] for row in rows] for name in names},
            **{name: [value] * len(rows) for name, value in defaults.items()},
        }
        # One dimension: a value that is itself a list (weekdays, languages) is one element, which
        # the column's type turns into its stored form (a bit mask, a code list).
        arrays = [
            sa.cast(sa.bindparam(f"v_{name}", values[name], type_=ARRAY(column.type, dimensions=1)),
                    ARRAY(column.type, dimensions=1))
            for name, column in columns.items()
        ]
        source = sa.func.unnest(*arrays).table_valued(*columns).render_derived(name="v")
        statement: Any = sa.insert(table).from_select(list(columns), sa.select(*source.c))
        if returning:
            statement = statement.returning(*returning)
        result = session.execute(statement)
    else:
        statement = sa.insert(table).returning(*returning) if returning else sa.insert(table)
        result = session.execute(statement, [{**defaults, **row} for row in rows])
    return [tuple(r) for r in result] if returning else []
