"""The agreement's period and its changes (Period för avtalet; Ändringar).

- The period can be extended by 1 + 1 years. The parties approve an extension in writing at
  the latest 6 months before the agreement ends: for an agreement ending 2022-12-31, by
  2022-06-30 (the last day that is at least six months before it ends). The project leaders
  and the steering group are reminded 30 days before that day (`due_extension_reminders`).
- An extension is recorded with the day each party approved it; it moves the end a year on.
  The targets of the quarters that have ended stay as they were (frozen milestones,
  models/operations/programme.py); what is left of each goal is spread over the remaining
  quarters, or the extension gives goals new targets.
- Any change to the agreement (goals, budget, period, other) is recorded with its summary,
  reason, and each party's approval, and the changes are shown as a history.

Every party of the programme (its `parties`) must approve a change; the change is decided the
day the last of them approved it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import User
from ..agreement import AgreementApproval, AgreementChange
from ..clock import local_today
from ..enums import AgreementChangeKind, GoalKind, Role
from ..programme import Programme
from .errors import Conflict, DomainError
from .periods import shift_months
from .programme import freeze_past_targets

EXTENSION_MONTHS = 12  # one extension: one year
MAX_EXTENSIONS = 2  # 1 + 1 years
NOTICE_MONTHS = 6  # the parties approve in writing at the latest 6 months before the end
REMINDER_DAYS = 30  # reminded this many days before that day


def extension_deadline(ends_on: dt.date) -> dt.date:
    """The last day the parties can approve an extension: six months before the agreement ends."""
    return shift_months(ends_on + dt.timedelta(days=1), -NOTICE_MONTHS) - dt.timedelta(days=1)


def extended_end(ends_on: dt.date) -> dt.date:
    return shift_months(ends_on + dt.timedelta(days=1), EXTENSION_MONTHS) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Approval:
    """What a form or an API call gives for one party: the day it approved, who signed."""

    approved_on: Optional[dt.date]
    signed_by: str = ""


@dataclass(frozen=True)
class AgreementStatus:
    ends_on: dt.date
    deadline: dt.date  # the parties approve an extension at the latest this day
    remind_on: dt.date
    extensions_used: int
    today: dt.date

    @property
    def extensions_left(self) -> int:
        return max(MAX_EXTENSIONS - self.extensions_used, 0)

    @property
    def can_extend(self) -> bool:
        return self.extensions_left > 0 and self.today <= self.deadline

    @property
    def days_to_deadline(self) -> int:
        return (self.deadline - self.today).days

    @property
    def next_end(self) -> dt.date:
        return extended_end(self.ends_on)


def extensions_used(session: Session, programme: Programme) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(AgreementChange).where(
            AgreementChange.programme_id == programme.id, AgreementChange.kind == AgreementChangeKind.EXTENSION
        )
    ) or 0


def agreement_status(session: Session, programme: Programme, today: Optional[dt.date] = None) -> AgreementStatus:
    deadline = extension_deadline(programme.ends_on)
    return AgreementStatus(
        ends_on=programme.ends_on,
        deadline=deadline,
        remind_on=deadline - dt.timedelta(days=REMINDER_DAYS),
        extensions_used=extensions_used(session, programme),
        today=today or local_today(),
    )


def approval_field(organisation_id: int) -> str:
    """The form field of a party's approval day (errors name it)."""
    return f"approved_{organisation_id}"


def _approvals(
    programme: Programme, approvals: Mapping[int, Approval], today: dt.date, latest: Optional[dt.date] = None
) -> list[AgreementApproval]:
    """Every party's approval, checked: given, not in the future, and (for an extension) in time."""
    if not programme.parties:
        raise DomainError("Programmet har inga parter. En administratör anger parterna i programmets inställningar.")
    rows = []
    for party in sorted(programme.parties, key=lambda o: o.name):
        given = approvals.get(party.id)
        field = approval_field(party.id)
        if given is None or given.approved_on is None:
            raise DomainError("Ange dagen då %(party)s godkände ändringen skriftligen.", field=field, party=party.name)
        if given.approved_on > today:
            raise DomainError("Dagen då %(party)s godkände kan inte ligga i framtiden.", field=field, party=party.name)
        if latest is not None and given.approved_on > latest:
            raise DomainError(
                "Enligt överenskommelsen ska parterna godkänna en förlängning senast %(deadline)s, sex månader "
                "innan den upphör. %(party)s godkände %(day)s.",
                field=field, deadline=latest.isoformat(), party=party.name, day=given.approved_on.isoformat(),
            )
        rows.append(AgreementApproval(
            organisation_id=party.id, approved_on=given.approved_on, signed_by=given.signed_by.strip()[:200],
        ))
    return rows


def _reason(reason: str) -> str:
    if not reason.strip():
        raise DomainError("Ange skälet till ändringen.", field="reason")
    return reason.strip()


def record_extension(
    session: Session,
    programme: Programme,
    *,
    approvals: Mapping[int, Approval],
    reason: str,
    new_targets: Optional[Mapping[GoalKind, Optional[int]]] = None,
    by: Optional[User] = None,
    today: Optional[dt.date] = None,
) -> AgreementChange:
    """Extend the period by a year with every party's approval. The past quarters' targets are
    frozen first; goals given a new target take it, the rest keep theirs (spread over the quarters
    left). Nothing changes when anything is refused."""
    today = today or local_today()
    status = agreement_status(session, programme, today)
    if status.extensions_left == 0:
        raise Conflict("Överenskommelsen har redan förlängts två gånger (1 + 1 år) och kan inte förlängas mer.")
    rows = _approvals(programme, approvals, today, latest=status.deadline)
    reason = _reason(reason)
    changed: dict[str, list[int]] = {}
    for kind, target in (new_targets or {}).items():
        goal = programme.goal(kind)
        if target is None or goal is None or target == goal.target:
            continue
        if target <= 0:
            raise DomainError("Ett mål måste vara större än 0.", field=f"goal_{kind.value}")
        changed[kind.value] = [goal.target, target]
    freeze_past_targets(session, programme, today)
    for kind, (_old, new) in changed.items():
        goal = programme.goal(GoalKind(kind))
        assert goal is not None  # noqa: S101 (checked above)
        goal.target = new
    previous, new_end = programme.ends_on, status.next_end
    programme.ends_on = new_end
    change = AgreementChange(
        programme=programme,
        kind=AgreementChangeKind.EXTENSION,
        decided_on=max(r.approved_on for r in rows),
        summary="",  # the pages say it from the two ends, in the reader's language
        reason=reason,
        previous_ends_on=previous,
        new_ends_on=new_end,
        details={"targets": changed} if changed else {},
        recorded_by=by,
        approvals=rows,
    )
    session.add(change)
    session.flush()
    return change


def record_change(
    session: Session,
    programme: Programme,
    *,
    kind: AgreementChangeKind,
    summary: str,
    reason: str,
    approvals: Mapping[int, Approval],
    by: Optional[User] = None,
    today: Optional[dt.date] = None,
) -> AgreementChange:
    """Record a written change to the agreement (goals, budget, period or other) with every
    party's approval. An extension is recorded with `record_extension`, which also applies it."""
    if kind == AgreementChangeKind.EXTENSION:
        raise DomainError("En förlängning registreras som förlängning.", field="kind")
    if not summary.strip():
        raise DomainError("Beskriv vad som ändras.", field="summary")
    rows = _approvals(programme, approvals, today or local_today())
    change = AgreementChange(
        programme=programme, kind=kind, decided_on=max(r.approved_on for r in rows), summary=summary.strip(),
        reason=_reason(reason), recorded_by=by, approvals=rows,
    )
    session.add(change)
    session.flush()
    return change


def change_history(session: Session, programme: Programme) -> list[AgreementChange]:
    """The recorded changes, latest decided first."""
    return list(session.scalars(
        sa.select(AgreementChange).where(AgreementChange.programme_id == programme.id)
        .order_by(AgreementChange.decided_on.desc(), AgreementChange.id.desc())
    ))


@dataclass(frozen=True)
class DueReminder:
    programme: Programme
    status: AgreementStatus
    recipients: list[User]

    def dedupe_key(self, user: User) -> str:
        """One reminder per programme, deadline and person, however often the command runs."""
        return f"extension-deadline:{self.programme.id}:{self.status.deadline.isoformat()}:{user.id}"


def due_extension_reminders(session: Session, today: Optional[dt.date] = None) -> list[DueReminder]:
    """Programmes whose extension deadline is at most REMINDER_DAYS away (and not passed), that
    can still be extended: with the project leaders and steering group members to remind."""
    today = today or local_today()
    recipients = list(session.scalars(
        sa.select(User).where(User.active.is_(True), User.role.in_([Role.PROJECT_LEADER, Role.STEERING]))
        .order_by(User.id)
    ))
    due = []
    for programme in session.scalars(sa.select(Programme).where(Programme.ends_on >= today).order_by(Programme.id)):
        status = agreement_status(session, programme, today)
        if status.extensions_left and status.remind_on <= today <= status.deadline:
            due.append(DueReminder(programme, status, recipients))
    return due
