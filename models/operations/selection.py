"""Selection in consultation with AF and AMF's contact person (issue #21 §1).

- A selection partner (`Role.SELECTION_PARTNER`, an account of AF or AMF) records a position,
  agree or object with a comment, on a referral awaiting selection: one per partner
  organisation, the latest replacing the earlier one.
- The project leader decides (accept, accept and activate, return) after consultation, on the
  candidate page or for a selection meeting's whole list in one go; taking a client on against
  an objection needs a written reason (candidates.referrals.check_reason_against_objection).
- A meeting keeps its date, its referrals, and what was decided for each; its minutes are the
  rows of `minutes()`.

What a partner sees of a person is `SelectionView`: first name, target group, interests,
Swedish level, availability and the referral's purpose. Nothing here commits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..accounts import Organisation, User
from ..candidates import Candidate, Referral
from ..db import parse_id
from ..enums import OrganisationKind, ReferralStatus, Role, SelectionDecision, SelectionStance
from ..selection import SelectionMeeting, SelectionMeetingItem, SelectionPosition
from . import candidates as candidate_ops
from .errors import N_, Conflict, DomainError, NotAllowed
from .spreadsheet import CellInvalid, parse_date, parse_text

# The organisations whose contact person is consulted: Arbetsförmedlingen and AMF.
PARTNER_KINDS = (OrganisationKind.EMPLOYMENT_SERVICE, OrganisationKind.MUNICIPALITY)
COMMENT_MAX = 2000


def check_partner_organisation(role: Role, organisation: Optional[Organisation]) -> None:
    """A selection partner account is bound to AF or to AMF."""
    if role == Role.SELECTION_PARTNER and (organisation is None or organisation.kind not in PARTNER_KINDS):
        raise DomainError(
            "En urvalspartner företräder Arbetsförmedlingen eller Arbetsmarknadsförvaltningen: välj AF eller AMF.",
            field="organisation",
        )


def awaiting_selection() -> sa.ColumnElement[bool]:
    """SQL on Referral: sent to the project leader and not yet decided (the person not anonymised)."""
    return sa.and_(
        Referral.status == ReferralStatus.SUBMITTED,
        Referral.candidate_id.in_(sa.select(Candidate.id).where(Candidate.anonymised_at.is_(None))),
    )


# The candidate's columns a selection partner's view (`selection_view`) is made of: the only ones
# loaded for the selection pages, so the partners' requests never hold the person's identity
# number, surname, contact details or case notes, even in memory.
SELECTION_COLUMNS = (
    Candidate.first_name, Candidate.target_group, Candidate.interests, Candidate.swedish_level, Candidate.weekdays,
    Candidate.times_of_day,
)


def awaiting_referrals(session: Session) -> list[Referral]:
    """The referrals awaiting selection, the longest waiting first, each with its candidate's
    `SELECTION_COLUMNS`."""
    return list(session.scalars(
        sa.select(Referral).where(awaiting_selection())
        .options(joinedload(Referral.candidate).load_only(*SELECTION_COLUMNS))
        .order_by(Referral.submitted_at, Referral.id)
    ).unique())


@dataclass(frozen=True)
class SelectionView:
    """The minimum a selection partner sees of a referral to judge fit (never the identity
    number, surname, contact details or case notes)."""

    referral_id: int
    first_name: str
    target_group: str
    interests: list[str]
    swedish_level: int
    weekdays: list[str]
    times_of_day: list[str]
    purpose: str
    submitted_at: Optional[dt.datetime]


def selection_view(referral: Referral) -> SelectionView:
    c = referral.candidate
    return SelectionView(
        referral_id=referral.id, first_name=c.first_name, target_group=c.target_group.value,
        interests=list(c.interests), swedish_level=c.swedish_level, weekdays=list(c.weekdays),
        times_of_day=list(c.times_of_day), purpose=referral.reason, submitted_at=referral.submitted_at,
    )


def _parse_stance(value: Any) -> SelectionStance:
    try:
        return SelectionStance(value)
    except ValueError:
        raise DomainError("Välj om du tillstyrker eller invänder.", field="stance") from None


def record_position(
    session: Session, referral: Referral, *, by: User, stance: Any, comment: Any
) -> SelectionPosition:
    """`by`'s organisation's position on a referral awaiting selection (replacing its earlier one).
    An objection needs a comment, so that the project leader knows what to weigh."""
    if by.role != Role.SELECTION_PARTNER or by.organisation is None:
        raise NotAllowed("Bara AF:s och AMF:s kontaktperson tar ställning i urvalet.")
    chosen = _parse_stance(stance)
    text = parse_text(comment, max_length=COMMENT_MAX, what=N_("Kommentaren")) if comment else ""
    if chosen == SelectionStance.OBJECT and not text:
        raise DomainError("Skriv varför du invänder, så att projektledaren kan väga det.", field="comment")
    if referral.status != ReferralStatus.SUBMITTED:
        raise Conflict("Remissen väntar inte längre på urval: projektledaren har redan beslutat.",
                       code="not_awaiting")
    position = next((p for p in referral.positions if p.organisation_id == by.organisation_id), None)
    if position is None:
        position = SelectionPosition(organisation=by.organisation)
        referral.positions.append(position)
    position.user, position.user_name, position.stance = by, by.name, chosen
    position.comment, position.recorded_at = text, clock.now()
    session.flush()
    return position


# --- meetings ------------------------------------------------------------------------------
def _held_on(value: Any) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        day = parse_date(value, what=N_("Mötesdatum"))
    except CellInvalid as exc:
        raise DomainError(exc.problem, field="held_on") from None
    if day is None:
        raise DomainError("Ange mötets datum.", field="held_on")
    return day


def _referrals_for_meeting(session: Session, ids: Iterable[Any]) -> list[Referral]:
    wanted: list[int] = []
    for value in ids:
        try:
            n = parse_id(value)
        except ValueError:
            raise DomainError("Okänd remiss: %(value)s.", field="referrals", value=str(value)[:20]) from None
        if n not in wanted:
            wanted.append(n)
    if not wanted:
        raise DomainError("Välj minst en remiss att ta upp på mötet.", field="referrals")
    found = {r.id: r for r in session.scalars(sa.select(Referral).where(Referral.id.in_(wanted), awaiting_selection()))}
    missing = [n for n in wanted if n not in found]
    if missing:
        raise DomainError(
            "Remiss nr %(ids)s väntar inte på urval och kan inte tas upp på mötet.",
            field="referrals", ids=", ".join(str(n) for n in missing),
        )
    return [found[n] for n in wanted]


def create_meeting(
    session: Session, *, held_on: Any, referral_ids: Iterable[Any], note: Any = "", by: User
) -> SelectionMeeting:
    """A selection meeting on `held_on` with the listed referrals (each awaiting selection)."""
    day = _held_on(held_on)
    referrals = _referrals_for_meeting(session, referral_ids)
    meeting = SelectionMeeting(
        held_on=day, note=parse_text(note, max_length=COMMENT_MAX, what=N_("Anteckningen")) if note else "",
        created_by=by, created_at=clock.now(),
    )
    meeting.items = [SelectionMeetingItem(referral=r, reason="") for r in referrals]
    session.add(meeting)
    session.flush()
    return meeting


def _check_open(meeting: SelectionMeeting) -> None:
    if meeting.decided_at is not None:
        raise Conflict("Mötets beslut är redan fattade. Protokollet ändras inte i efterhand.", code="decided")


@dataclass(frozen=True)
class ItemDecision:
    decision: Optional[SelectionDecision]
    reason: str


def parse_decisions(values: Mapping[int, tuple[Any, Any]]) -> dict[int, ItemDecision]:
    """Referral id → (decision word, reason) as a form or an API body gives them."""
    parsed = {}
    for referral_id, (decision, reason) in values.items():
        try:
            chosen = SelectionDecision(decision) if decision else None
        except ValueError:
            raise DomainError("Okänt beslut för remiss nr %(id)s.", field=f"decision-{referral_id}",
                              id=referral_id) from None
        parsed[referral_id] = ItemDecision(chosen, candidate_ops.parse_reason(reason or ""))
    return parsed


def decide_meeting(
    session: Session, meeting: SelectionMeeting, decisions: Mapping[int, ItemDecision], *, by: User
) -> None:
    """The project leader's decisions for the meeting's whole list, in one go: every referral
    still awaiting selection needs a decision (postponing is one); all stand or none does."""
    _check_open(meeting)
    unknown = set(decisions) - {i.referral_id for i in meeting.items}
    if unknown:
        raise DomainError("Remiss nr %(ids)s finns inte på mötets lista.", field="decisions",
                          ids=", ".join(str(n) for n in sorted(unknown)))
    for item in meeting.items:
        referral = item.referral
        if referral.status != ReferralStatus.SUBMITTED:
            continue  # decided on its own page meanwhile: the minutes show its status
        choice = decisions.get(referral.id)
        if choice is None or choice.decision is None:
            raise DomainError("Välj ett beslut för remiss nr %(id)s (%(name)s).", field=f"decision-{referral.id}",
                              id=referral.id, name=referral.candidate.first_name)
        try:
            _apply(session, referral, choice, by)
        except DomainError as exc:
            exc.message = N_("Remiss nr %(id)s (%(name)s): %(problem)s", id=referral.id,
                             name=referral.candidate.first_name, problem=exc.message)
            exc.args = (str(exc.message),)
            exc.field = f"decision-{referral.id}"
            raise
        item.decision, item.reason = choice.decision, choice.reason
    meeting.decided_at, meeting.decided_by = clock.now(), by
    session.flush()


def _apply(session: Session, referral: Referral, choice: ItemDecision, by: User) -> None:
    if choice.decision in (SelectionDecision.ACCEPT, SelectionDecision.ACCEPT_ACTIVATE):
        candidate_ops.accept_referral(session, referral, by=by, reason=choice.reason,
                                      activate=choice.decision == SelectionDecision.ACCEPT_ACTIVATE)
    elif choice.decision == SelectionDecision.RETURN:
        candidate_ops.return_referral(session, referral, by=by, reason=choice.reason)


def meetings(session: Session) -> list[SelectionMeeting]:
    return list(session.scalars(sa.select(SelectionMeeting).order_by(SelectionMeeting.held_on.desc(),
                                                                      SelectionMeeting.id.desc())))


def consulted(referrals: Iterable[Referral]) -> list[str]:
    """Who was consulted on these referrals: "name (organisation)", each once, in order."""
    seen: list[str] = []
    for referral in referrals:
        for p in candidate_ops.current_positions(referral):
            who = f"{p.user_name} ({p.organisation.short_name})"
            if who not in seen:
                seen.append(who)
    return seen


def partner_organisations(session: Session) -> list[Organisation]:
    """AF and AMF themselves (not their units): whose positions a meeting's list shows."""
    return list(session.scalars(
        sa.select(Organisation).where(Organisation.kind.in_(PARTNER_KINDS)).order_by(Organisation.short_name)
    ))
