"""Network meetings (11:11 Meet Malmö, seed 000): planning a meeting with its channels and
quotas, inviting companies, the answers to the emailed invitation, the open sign-up (first come,
first served, then a waiting list), the diversity-aware selection, attendance, and the offers and
companies a meeting brought to the network.

Seats: a company with a place holds seat 1..quota of its channel. Every operation that gives or
takes a seat first takes the meeting's lock (`serialise_writes`), so two sign-ups at the same
moment count the same seats one after the other; the unique seat per channel and the unique
organisation number per meeting stand behind it in the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..companies import Company, Offer
from ..enums import CompanyStatus, Network, SizeClass
from ..identity import InvalidOrgNumber, normalise_org_number
from ..meetings import (
    InviteeStatus,
    MeetingChannel,
    MeetingInvitee,
    MeetingKind,
    MeetingOffer,
    MeetingQuota,
    NetworkMeeting,
    RepresentativeBackground,
    RepresentativeGender,
)
from . import companies as company_ops
from . import disclosure, fields
from .errors import N_, Conflict, DomainError, Message
from .visits import serialise_writes

if TYPE_CHECKING:  # the solver (SciPy) is loaded when a selection is computed, not in every worker
    from matcher.diversity import SelectionInfeasible, SelectionResult, ShareRow

MAX_MEETING_HOURS = 12
INVITED_CHANNELS = (MeetingChannel.CITY, MeetingChannel.ORGANISATION)
CHANNEL_LABELS: dict[MeetingChannel, Message] = {
    MeetingChannel.CITY: N_("Stadens rekommendationer"),
    MeetingChannel.ORGANISATION: N_("Organisationernas rekommendationer"),
    MeetingChannel.OPEN: N_("Öppen anmälan"),
}
# The selection's attributes: the company's industry and size, and the voluntary answers.
ATTRIBUTES = ("industry", "size_class", "gender", "background")
SENSITIVE = ("gender", "background")


# --- the meeting ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class MeetingData:
    kind: MeetingKind | str
    title: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str = ""
    theme: str = ""
    capacity: int = 90
    open_signup: bool = True
    quotas: Mapping[MeetingChannel | str, int] = field(
        default_factory=lambda: {c: 30 for c in MeetingChannel}
    )
    themes_discussed: str = ""


def _text(value: Optional[str], field_name: str, max_len: int, *, required: Message | None = None) -> str:
    text = (value or "").strip()
    if required is not None and not text:
        raise DomainError(required, field=field_name)
    if len(text) > max_len:
        raise DomainError("Skriv högst %(n)s tecken.", field=field_name, n=max_len)
    return text


def _quotas(data: MeetingData) -> dict[MeetingChannel, int]:
    quotas: dict[MeetingChannel, int] = {}
    for key, value in data.quotas.items():
        try:
            channel = MeetingChannel(key)
        except ValueError:
            raise DomainError("Okänd kanal: %(channel)s.", field="quotas", channel=str(key)) from None
        if not isinstance(value, int) or value < 0:
            raise DomainError("Antalet platser i en kanal ska vara ett heltal, minst 0.",
                              field=f"quota_{channel.value}")
        quotas[channel] = value
    if sum(quotas.values()) > data.capacity:
        raise DomainError(
            "Kanalernas platser (%(sum)s) får inte vara fler än mötets platser (%(capacity)s).",
            field="capacity", sum=sum(quotas.values()), capacity=data.capacity,
        )
    return quotas


def _validate(data: MeetingData) -> dict[MeetingChannel, int]:
    _text(data.title, "title", 200, required=N_("Ge mötet en rubrik."))
    if data.ends_at <= data.starts_at:
        raise DomainError("Sluttiden måste vara efter starttiden.", field="end")
    if data.ends_at - data.starts_at > dt.timedelta(hours=MAX_MEETING_HOURS):
        raise DomainError("Ett möte kan vara högst %(hours)s timmar.", field="end", hours=MAX_MEETING_HOURS)
    if not isinstance(data.capacity, int) or data.capacity < 1:
        raise DomainError("Antalet platser måste vara minst 1.", field="capacity")
    try:
        MeetingKind(data.kind)
    except ValueError:
        raise DomainError("Välj dialogträff eller tematräff.", field="kind") from None
    _text(data.place, "place", 200)
    _text(data.theme, "theme", 300)
    return _quotas(data)


def _seats_taken(session: Session, meeting: NetworkMeeting) -> dict[MeetingChannel, int]:
    rows = session.execute(
        sa.select(MeetingInvitee.channel, sa.func.count())
        .where(MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.status == InviteeStatus.SELECTED)
        .group_by(MeetingInvitee.channel)
    ).all()
    return {MeetingChannel(channel): int(n) for channel, n in rows}


def create_meeting(session: Session, data: MeetingData) -> NetworkMeeting:
    quotas = _validate(data)
    meeting = NetworkMeeting(
        kind=MeetingKind(data.kind), title=data.title.strip(), theme=data.theme.strip(), starts_at=data.starts_at,
        ends_at=data.ends_at, place=data.place.strip(), capacity=data.capacity, open_signup=data.open_signup,
        themes_discussed=data.themes_discussed.strip(),
        channels=[MeetingQuota(channel=c, quota=q) for c, q in quotas.items()],
    )
    session.add(meeting)
    session.flush()
    return meeting


def update_meeting(
    session: Session, meeting: NetworkMeeting, data: MeetingData, *, expected_version: Optional[int] = None
) -> NetworkMeeting:
    quotas = _validate(data)
    serialise_writes(session, meeting)  # sign-ups wait while the quotas change
    company_ops._check_version(meeting, expected_version)
    taken = _seats_taken(session, meeting)
    for channel, quota in quotas.items():
        if taken.get(channel, 0) > quota:
            raise Conflict(
                "%(n)s företag har redan plats i kanalen %(channel)s. Avboka någon först, eller behåll minst %(n)s "
                "platser.",
                field=f"quota_{channel.value}", n=taken[channel], channel=CHANNEL_LABELS[channel], code="full",
            )
    meeting.kind = MeetingKind(data.kind)
    meeting.title = data.title.strip()
    meeting.theme = data.theme.strip()
    meeting.starts_at, meeting.ends_at = data.starts_at, data.ends_at
    meeting.place = data.place.strip()
    meeting.capacity = data.capacity
    meeting.open_signup = data.open_signup
    meeting.themes_discussed = data.themes_discussed.strip()
    by_channel = {c.channel: c for c in meeting.channels}
    for channel, quota in quotas.items():
        if channel in by_channel:
            by_channel[channel].quota = quota
        else:
            meeting.channels.append(MeetingQuota(channel=channel, quota=quota))
    company_ops._flush(session)
    return meeting


def has_started(meeting: NetworkMeeting, now: Optional[dt.datetime] = None) -> bool:
    return (now or clock.now()) >= meeting.starts_at


# --- companies: invited, or signing up -----------------------------------------------------------
@dataclass(frozen=True)
class CompanyFacts:
    """What a company says about itself when it is invited or signs up."""

    company_name: str
    org_number: str
    size_class: SizeClass | str
    industry: str = ""
    contact_name: str = ""
    email: str = ""
    representative_gender: Optional[RepresentativeGender | str] = None
    representative_background: Optional[RepresentativeBackground | str] = None


def _optional_choice(enum_cls: Any, value: Any, field_name: str) -> Any:
    if value in (None, ""):
        return None
    try:
        return enum_cls(value)
    except ValueError:
        raise DomainError("Välj ett av alternativen, eller lämna frågan obesvarad.", field=field_name) from None


def _facts(facts: CompanyFacts, *, email_required: bool) -> dict[str, Any]:
    try:
        org_number = normalise_org_number((facts.org_number or "").strip())
    except InvalidOrgNumber:
        raise DomainError(
            "Organisationsnumret är inte giltigt. Skriv tio siffror, t.ex. 556036-0793, och kontrollera "
            "den sista siffran.",
            field="org_number",
        ) from None
    try:
        size = SizeClass(facts.size_class)
    except ValueError:
        raise DomainError("Välj företagets storlek.", field="size_class") from None
    email = fields.checked(fields.email_address, facts.email, field="email") or ""
    if email_required and not email:
        raise DomainError("Ange en e-postadress.", field="email")
    return {
        "company_name": _text(facts.company_name, "company_name", 200, required=N_("Ange företagets namn.")),
        "org_number": org_number,
        "size_class": size,
        "industry": _text(facts.industry, "industry", 120),
        "contact_name": _text(facts.contact_name, "contact_name", 200),
        "email": email,
        "representative_gender": _optional_choice(
            RepresentativeGender, facts.representative_gender, "representative_gender"),
        "representative_background": _optional_choice(
            RepresentativeBackground, facts.representative_background, "representative_background"),
    }


def facts_of(company: Company, email: str = "") -> CompanyFacts:
    """A registered company's facts, with the first contact's email unless one is given."""
    address = email or next((c.email for c in company.contacts if c.email), "")
    contact = next((c.name for c in company.contacts if c.email == address), "")
    return CompanyFacts(company_name=company.name, org_number=company.org_number, size_class=company.size_class,
                        industry=company.industry, contact_name=contact, email=address)


DUPLICATE = N_("Företaget med organisationsnummer %(org_number)s är redan inbjudet eller anmält till mötet.")


def _duplicate(org_number: str) -> Conflict:
    return Conflict(DUPLICATE, field="org_number", code="duplicate", org_number=org_number)


def _ensure_new(session: Session, meeting: NetworkMeeting, org_number: str) -> None:
    clash = session.scalar(
        sa.select(MeetingInvitee.id).where(MeetingInvitee.meeting_id == meeting.id,
                                           MeetingInvitee.org_number == org_number)
    )
    if clash is not None:
        raise _duplicate(org_number)


def _add(session: Session, invitee: MeetingInvitee) -> MeetingInvitee:
    session.add(invitee)
    try:
        session.flush()
    except sa.exc.IntegrityError as exc:  # the unique keys: the same company, or a seat, meanwhile
        if "seat" in str(exc.orig):
            raise Conflict("Platsen togs av någon annan samtidigt. Försök igen.", code="stale") from exc
        raise _duplicate(invitee.org_number) from exc
    return invitee


def _ensure_open(meeting: NetworkMeeting, now: dt.datetime) -> None:
    if has_started(meeting, now):
        raise Conflict("Mötet har redan börjat; anmälan är stängd.", code="closed")


def invite(
    session: Session,
    meeting: NetworkMeeting,
    facts: CompanyFacts,
    *,
    channel: MeetingChannel | str,
    recommended_by: str = "",
    company: Optional[Company] = None,
    now: Optional[dt.datetime] = None,
) -> MeetingInvitee:
    """Invite a company in the city's or the organisations' channel (its email is sent by the
    caller, with a signed link to answer)."""
    now = now or clock.now()
    _ensure_open(meeting, now)
    try:
        channel = MeetingChannel(channel)
    except ValueError:
        raise DomainError("Välj kanal.", field="channel") from None
    if channel not in INVITED_CHANNELS:
        raise DomainError("Till den öppna anmälan bjuder man inte in; företagen anmäler sig själva.", field="channel")
    values = _facts(facts, email_required=True)
    recommended = _text(recommended_by, "recommended_by", 200)
    if channel == MeetingChannel.ORGANISATION and not recommended:
        raise DomainError("Ange vilken organisation som rekommenderar företaget.", field="recommended_by")
    _ensure_new(session, meeting, values["org_number"])
    if company is None:
        company = session.scalar(sa.select(Company).where(Company.org_number == values["org_number"]))
    invitee = MeetingInvitee(
        meeting_id=meeting.id, channel=channel, recommended_by=recommended, status=InviteeStatus.INVITED,
        company_id=company.id if company is not None else None, invited_at=now, **values,
    )
    return _add(session, invitee)


def answer_invitation(
    session: Session,
    invitee: MeetingInvitee,
    *,
    coming: bool,
    contact_name: str = "",
    representative_gender: Any = None,
    representative_background: Any = None,
    now: Optional[dt.datetime] = None,
) -> MeetingInvitee:
    """The invited company's answer through its link: it signs up (and waits for the selection)
    or says no."""
    now = now or clock.now()
    _ensure_open(invitee.meeting, now)
    if invitee.status != InviteeStatus.INVITED:
        raise Conflict("Inbjudan är redan besvarad.", code="answered")
    if coming:
        invitee.status = InviteeStatus.SIGNED_UP
        invitee.signed_up_at = now
        invitee.contact_name = _text(contact_name, "contact_name", 200) or invitee.contact_name
        invitee.representative_gender = _optional_choice(
            RepresentativeGender, representative_gender, "representative_gender")
        invitee.representative_background = _optional_choice(
            RepresentativeBackground, representative_background, "representative_background")
    else:
        invitee.status = InviteeStatus.DECLINED
    session.flush()
    return invitee


def _free_seat(session: Session, meeting: NetworkMeeting, channel: MeetingChannel) -> Optional[int]:
    taken = set(session.scalars(
        sa.select(MeetingInvitee.seat).where(MeetingInvitee.meeting_id == meeting.id,
                                             MeetingInvitee.channel == channel,
                                             MeetingInvitee.seat.is_not(None))
    ))
    return next((seat for seat in range(1, meeting.quota(channel) + 1) if seat not in taken), None)


def sign_up_open(
    session: Session, meeting: NetworkMeeting, facts: CompanyFacts, *, now: Optional[dt.datetime] = None
) -> MeetingInvitee:
    """The open sign-up: a place while the open channel has one (first come, first served), the
    waiting list after that."""
    now = now or clock.now()
    if not meeting.open_signup:
        raise Conflict("Mötet har ingen öppen anmälan.", code="closed")
    _ensure_open(meeting, now)
    values = _facts(facts, email_required=True)
    serialise_writes(session, meeting)
    _ensure_new(session, meeting, values["org_number"])
    seat = _free_seat(session, meeting, MeetingChannel.OPEN)
    company = session.scalar(sa.select(Company).where(Company.org_number == values["org_number"]))
    invitee = MeetingInvitee(
        meeting_id=meeting.id, channel=MeetingChannel.OPEN, signed_up_at=now, seat=seat,
        status=InviteeStatus.SELECTED if seat is not None else InviteeStatus.WAITLISTED,
        company_id=company.id if company is not None else None, **values,
    )
    return _add(session, invitee)


def waiting_position(session: Session, invitee: MeetingInvitee) -> Optional[int]:
    if invitee.status != InviteeStatus.WAITLISTED or invitee.signed_up_at is None:
        return None
    ahead = session.scalar(
        sa.select(sa.func.count()).select_from(MeetingInvitee).where(
            MeetingInvitee.meeting_id == invitee.meeting_id, MeetingInvitee.channel == invitee.channel,
            MeetingInvitee.status == InviteeStatus.WAITLISTED,
            sa.tuple_(MeetingInvitee.signed_up_at, MeetingInvitee.id) < sa.tuple_(invitee.signed_up_at, invitee.id),
        )
    )
    return int(ahead or 0) + 1


def cancel(session: Session, invitee: MeetingInvitee) -> Optional[MeetingInvitee]:
    """Take back a company's place or sign-up. A freed seat of the open sign-up goes to the first
    on its waiting list, who is returned (to be told)."""
    meeting = invitee.meeting
    serialise_writes(session, meeting)
    session.refresh(invitee)
    if invitee.status == InviteeStatus.DECLINED:
        raise Conflict("Företaget är redan avanmält.", code="answered")
    freed = invitee.seat if invitee.channel == MeetingChannel.OPEN else None
    invitee.status, invitee.seat = InviteeStatus.DECLINED, None
    session.flush()
    if freed is None or has_started(meeting):
        return None
    first = session.scalar(
        sa.select(MeetingInvitee).where(
            MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.channel == MeetingChannel.OPEN,
            MeetingInvitee.status == InviteeStatus.WAITLISTED,
        ).order_by(MeetingInvitee.signed_up_at, MeetingInvitee.id).limit(1)
    )
    if first is not None:
        first.status, first.seat = InviteeStatus.SELECTED, freed
        session.flush()
    return first


# --- the selection -------------------------------------------------------------------------------
CANDIDATE_STATUSES = (InviteeStatus.SIGNED_UP, InviteeStatus.SELECTED, InviteeStatus.WAITLISTED)


@dataclass(frozen=True)
class SelectionTargets:
    """Target shares (0–1) per attribute value; an attribute without targets is not steered."""

    industry: Mapping[str, float] = field(default_factory=dict)
    size_class: Mapping[str, float] = field(default_factory=dict)
    gender: Mapping[str, float] = field(default_factory=dict)
    background: Mapping[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict[str, dict[str, float]]:
        named = {"industry": self.industry, "size_class": self.size_class, "gender": self.gender,
                 "background": self.background}
        return {a: {_key(a, v): float(s) for v, s in shares.items()} for a, shares in named.items() if shares}


def industry_targets(text: str) -> dict[str, float]:
    """Industry targets typed one per line as "name: percent" (e.g. "Bygg: 20"), as shares."""
    industry: dict[str, float] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, _sep, share = line.rpartition(":")
        try:
            value = float(share.strip().rstrip("%").strip().replace(",", "."))
        except ValueError:
            value = -1.0
        if not name.strip() or not 0 <= value <= 100:
            raise DomainError('Rad %(n)s: skriv bransch, kolon och andel i procent, t.ex. "Bygg: 20".',
                              field="industry", n=number)
        industry[name.strip()] = value / 100
    return industry


def _key(attribute: str, value: Any) -> str:
    """Industries are typed by people: compared without case and surrounding spaces."""
    text = "" if value is None else str(getattr(value, "value", value))
    return text.strip().casefold() if attribute == "industry" else text


@dataclass
class Proposal:
    meeting: NetworkMeeting
    result: SelectionResult
    invitees: dict[int, MeetingInvitee]
    targets: dict[str, dict[str, float]]
    representation: dict[str, list[dict[str, Any]]]

    @property
    def selected(self) -> list[MeetingInvitee]:
        return [self.invitees[i] for i in self.result.selected]

    @property
    def steered_shares(self) -> list[ShareRow]:
        """The shares of industry and size (companies, shown as they are)."""
        return [row for row in self.result.shares if row.attribute not in SENSITIVE]


def selection_pool(session: Session, meeting: NetworkMeeting) -> list[MeetingInvitee]:
    return list(session.scalars(
        sa.select(MeetingInvitee)
        .where(MeetingInvitee.meeting_id == meeting.id, MeetingInvitee.status.in_(CANDIDATE_STATUSES))
        .order_by(MeetingInvitee.signed_up_at, MeetingInvitee.id)
    ))


def _frame(pool: Sequence[MeetingInvitee]) -> pd.DataFrame:
    return pd.DataFrame({
        "id": [i.id for i in pool],
        "channel": [i.channel.value for i in pool],
        "order": list(range(len(pool))),
        # An open sign-up that came in time has its place: first come, first served.
        "fixed": [i.channel == MeetingChannel.OPEN and i.status == InviteeStatus.SELECTED for i in pool],
        "industry": [_key("industry", i.industry) or None for i in pool],
        "size_class": [i.size_class.value for i in pool],
        "gender": [i.representative_gender.value if i.representative_gender else None for i in pool],
        "background": [i.representative_background.value if i.representative_background else None for i in pool],
    }, columns=["id", "channel", "order", "fixed", *ATTRIBUTES])


def _infeasible(problem: SelectionInfeasible) -> DomainError:
    if problem.code == "too_few":
        channel = CHANNEL_LABELS[MeetingChannel(problem.channel)]
        return DomainError(
            "Kanalen %(channel)s har %(quota)s platser men bara %(available)s anmälda företag. Bjud in fler, "
            "eller minska kanalens platser.",
            field="targets", code="infeasible", channel=channel, quota=problem.quota, available=problem.available,
        )
    if problem.code == "too_many_fixed":
        channel = CHANNEL_LABELS[MeetingChannel(problem.channel)]
        return DomainError(
            "I kanalen %(channel)s har redan %(available)s företag plats, fler än kanalens %(quota)s platser.",
            field="targets", code="infeasible", channel=channel, quota=problem.quota, available=problem.available,
        )
    if problem.code == "targets":
        return DomainError("Målandelarna för en egenskap får inte vara negativa eller tillsammans över 100 %.",
                           field=problem.attribute or "targets", code="infeasible")
    return DomainError("Inget urval kunde beräknas. Kontrollera platserna och målandelarna.",
                       field="targets", code="infeasible")


def representation(pool: Sequence[MeetingInvitee], selected_ids: set[int]) -> dict[str, list[dict[str, Any]]]:
    """The voluntary answers as aggregates only: per answer, how many among those selected and
    among all who signed up, with counts of 1–4 (and what would reveal them) hidden."""
    shown: dict[str, list[dict[str, Any]]] = {}
    for attribute, enum_cls, getter in (
        ("gender", RepresentativeGender, lambda i: i.representative_gender),
        ("background", RepresentativeBackground, lambda i: i.representative_background),
    ):
        values: list[Any] = [*enum_cls, None]
        grid = [[sum(1 for i in pool if getter(i) == v and i.id in selected_ids),
                 sum(1 for i in pool if getter(i) == v)] for v in values]
        published = disclosure.publish(disclosure.Grid(grid, column_totals=True))
        shown[attribute] = [
            {"value": v.value if v is not None else "", "selected": row[0], "signed_up": row[1]}
            for v, row in zip(values, published, strict=True)
        ]
    return shown


def propose_selection(session: Session, meeting: NetworkMeeting, targets: SelectionTargets) -> Proposal:
    """The selection closest to the targets that fills every channel (nothing is saved)."""
    from matcher.diversity import SelectionInfeasible, select
    pool = selection_pool(session, meeting)
    quotas = {c.channel.value: c.quota for c in meeting.channels}
    # The open sign-up fills in sign-up order and may still be filling: it counts as far as it came.
    open_now = sum(1 for i in pool if i.channel == MeetingChannel.OPEN)
    quotas[MeetingChannel.OPEN.value] = min(quotas.get(MeetingChannel.OPEN.value, 0), open_now)
    wanted = targets.as_dict()
    try:
        result = select(_frame(pool), quotas, wanted)
    except SelectionInfeasible as problem:
        raise _infeasible(problem) from None
    return Proposal(meeting=meeting, result=result, invitees={i.id: i for i in pool}, targets=wanted,
                    representation=representation(pool, set(result.selected)))


def apply_selection(session: Session, meeting: NetworkMeeting, selected_ids: Sequence[int]) -> list[MeetingInvitee]:
    """Give the chosen companies their seats; the others signed up in the invited channels wait
    as reserves. Open sign-ups keep the places they have. Returns those who got a new place."""
    serialise_writes(session, meeting)
    pool = {i.id: i for i in selection_pool(session, meeting)}
    chosen = set(selected_ids)
    if chosen - set(pool):
        raise Conflict("Anmälningarna har ändrats sedan förslaget. Beräkna urvalet igen.", code="stale")
    for channel in meeting.channels:
        members = [i for i in pool.values() if i.channel == channel.channel]
        kept = [i for i in members if i.id in chosen or (channel.channel == MeetingChannel.OPEN
                                                         and i.status == InviteeStatus.SELECTED)]
        if len(kept) > channel.quota:
            raise Conflict("Urvalet har fler företag än kanalen %(channel)s har platser. Beräkna urvalet igen.",
                           code="stale", channel=CHANNEL_LABELS[channel.channel])
    had_seat = {i.id for i in pool.values() if i.seat is not None}
    newly: list[MeetingInvitee] = []
    # Seats are given afresh in each invited channel: first every seat is let go, then given.
    for invitee in pool.values():
        if invitee.channel in INVITED_CHANNELS and invitee.seat is not None:
            invitee.status, invitee.seat = InviteeStatus.WAITLISTED, None
    session.flush()
    for invitee in sorted(pool.values(), key=lambda i: (i.signed_up_at or clock.now(), i.id)):
        if invitee.id in chosen and invitee.seat is None:
            invitee.seat = _free_seat(session, meeting, invitee.channel)
            invitee.status = InviteeStatus.SELECTED
            if invitee.id not in had_seat:
                newly.append(invitee)
            session.flush()
        elif invitee.id not in chosen and invitee.status == InviteeStatus.SIGNED_UP:
            invitee.status = InviteeStatus.WAITLISTED
    session.flush()
    return newly


# --- after the meeting: attendance, themes, offers, new companies ----------------------------------
def mark_attendance(
    session: Session, meeting: NetworkMeeting, marks: Mapping[int, Optional[bool]], *, now: Optional[dt.datetime] = None
) -> int:
    """Attended (True), absent (False) or not marked (None), for companies with a place."""
    if not has_started(meeting, now):
        raise DomainError("Närvaron kan registreras när mötet har börjat.", code="too_early")
    by_id = {i.id: i for i in meeting.invitees if i.status == InviteeStatus.SELECTED}
    if set(marks) - set(by_id):
        raise DomainError("Listan över företag har ändrats. Ladda om sidan och försök igen.", code="stale")
    changed = 0
    for invitee_id, attended in marks.items():
        if by_id[invitee_id].attended != attended:
            by_id[invitee_id].attended = attended
            changed += 1
    session.flush()
    return changed


def add_to_network(session: Session, invitee: MeetingInvitee) -> Company:
    """A company met at the meeting enters the company register (TH's network, as a prospect)."""
    if invitee.company_id is not None:
        raise Conflict("Företaget finns redan i företagsregistret.", code="duplicate")
    existing = session.scalar(sa.select(Company).where(Company.org_number == invitee.org_number))
    if existing is not None:
        invitee.company = existing
    else:
        invitee.company = company_ops.create_company(session, company_ops.CompanyData(
            name=invitee.company_name, org_number=invitee.org_number, size_class=invitee.size_class,
            network=Network.TH_NETWORK, status=CompanyStatus.PROSPECT, industry=invitee.industry,
        ))
        if invitee.contact_name:
            company_ops.add_contact(session, invitee.company, company_ops.ContactData(
                name=invitee.contact_name, email=invitee.email))
        invitee.added_to_network = True
    session.flush()
    return invitee.company


def link_offer(session: Session, meeting: NetworkMeeting, offer: Offer) -> MeetingOffer:
    """Record that `offer` was made at (or because of) the meeting."""
    if not any(i.company_id == offer.company_id for i in meeting.invitees):
        raise DomainError("Företaget deltog inte i mötet.", field="offer")
    link = MeetingOffer(meeting_id=meeting.id, offer_id=offer.id)
    session.add(link)
    session.flush()
    return link


@dataclass(frozen=True)
class MeetingOutcome:
    meeting: NetworkMeeting
    invited: int
    signed_up: int
    with_place: int
    attended: int
    new_companies: int
    offers: int
    companies_offering: int


def outcomes(session: Session, meeting_ids: Optional[Sequence[int]] = None) -> list[MeetingOutcome]:
    """Per meeting, what it did for the network: companies reached, present, new to the register,
    and offers made from it (counts of companies; no person is counted)."""
    invitee = MeetingInvitee
    counts = (
        sa.select(
            invitee.meeting_id,
            sa.func.count().label("invited"),
            sa.func.count().filter(invitee.signed_up_at.is_not(None)).label("signed_up"),
            sa.func.count().filter(invitee.status == InviteeStatus.SELECTED).label("with_place"),
            sa.func.count().filter(invitee.attended.is_(True)).label("attended"),
            sa.func.count().filter(invitee.added_to_network.is_(True)).label("new_companies"),
        ).group_by(invitee.meeting_id).subquery()
    )
    offers = (
        sa.select(MeetingOffer.meeting_id, sa.func.count().label("offers"),
                  sa.func.count(sa.distinct(Offer.company_id)).label("companies_offering"))
        .join(Offer, Offer.id == MeetingOffer.offer_id).group_by(MeetingOffer.meeting_id).subquery()
    )
    query = (
        sa.select(NetworkMeeting, counts, offers.c.offers, offers.c.companies_offering)
        .outerjoin(counts, counts.c.meeting_id == NetworkMeeting.id)
        .outerjoin(offers, offers.c.meeting_id == NetworkMeeting.id)
        .order_by(NetworkMeeting.starts_at.desc(), NetworkMeeting.id)
    )
    if meeting_ids is not None:
        query = query.where(NetworkMeeting.id.in_(meeting_ids))
    return [
        MeetingOutcome(meeting=row.NetworkMeeting, invited=row.invited or 0, signed_up=row.signed_up or 0,
                       with_place=row.with_place or 0, attended=row.attended or 0,
                       new_companies=row.new_companies or 0, offers=row.offers or 0,
                       companies_offering=row.companies_offering or 0)
        for row in session.execute(query)
    ]

