"""The 3- and 6-month follow-up: the welfare officer records the client's situation (job,
studies, internship, other effort, no change) that long after their first completed visit, and
alongside it self-sufficiency: no longer on ekonomiskt bistånd (issue #21 §5)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, load_only

from ..accounts import User
from ..candidates import NAME_COLUMNS, Candidate
from ..companies import Company, Offer
from ..enums import FollowUpResult, VisitStatus
from ..followup import FollowUp
from ..visits import Visit
from .errors import DomainError

MONTHS = (3, 6)
# The results that happen at a workplace, which a follow-up may name the company of.
PLACED_RESULTS = (FollowUpResult.JOB, FollowUpResult.INTERNSHIP)


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (the month's last day when it is shorter)."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_visits() -> sa.Subquery:
    """SQL (candidate_id, first_visit): each candidate's first completed workplace visit date."""
    return (
        sa.select(Visit.candidate_id, sa.func.min(Visit.visit_date).label("first_visit"))
        # The column equals the latest event's status (see models/operations/reports.py).
        .where(Visit.status == VisitStatus.COMPLETED)
        .group_by(Visit.candidate_id)
        .subquery("first_completed")
    )


def first_visit_date(session: Session, candidate: Candidate) -> Optional[dt.date]:
    first = first_visits()
    return session.scalar(sa.select(first.c.first_visit).where(first.c.candidate_id == candidate.id))


def visited_companies(session: Session, candidate: Candidate) -> list[Company]:
    """The companies where the candidate completed a workplace visit, by name."""
    return list(session.scalars(
        sa.select(Company).where(Company.id.in_(
            sa.select(Offer.company_id).join(Visit, Visit.offer_id == Offer.id)
            .where(Visit.candidate_id == candidate.id, Visit.status == VisitStatus.COMPLETED)
        )).order_by(Company.name)
    ))


def record_follow_up(
    session: Session,
    candidate: Candidate,
    months: int,
    result: FollowUpResult | str | None,
    *,
    by: User,
    recorded_on: Optional[dt.date],
    today: dt.date,
    self_sufficient: Optional[bool] = None,
    company_id: Optional[int] = None,
) -> FollowUp:
    """Record (or correct) the situation `months` after the first completed visit. For a client
    who received ekonomiskt bistånd at referral, whether they are self-sufficient now must be told;
    for a job or an internship, at which of the companies the client visited (it counts for that
    company's commitment, models/operations/commitments.py). Other results keep no company."""
    if months not in MONTHS:
        raise DomainError("Uppföljning görs efter 3 eller 6 månader.", field="months")
    try:
        outcome = FollowUpResult(result)
    except ValueError:
        raise DomainError("Välj hur det har gått för klienten.", field="result") from None
    first = first_visit_date(session, candidate)
    if first is None:
        raise DomainError("Klienten har inget genomfört besök att följa upp.")
    if recorded_on is None:
        raise DomainError("Ange datumet för uppföljningen.", field="recorded_on")
    if recorded_on > today:
        raise DomainError("Datumet kan inte ligga i framtiden.", field="recorded_on")
    if self_sufficient is None and received_assistance(candidate):
        raise DomainError(
            "Klienten hade ekonomiskt bistånd vid remissen: ange om hen är självförsörjande nu.",
            field="self_sufficient",
        )
    due = add_months(first, months)
    if recorded_on < due:
        raise DomainError(
            "Uppföljningen efter %(months)s månader görs från och med %(due)s "
            "(%(months)s månader efter första besöket %(first)s).",
            field="recorded_on",
            months=months,
            due=due.isoformat(),
            first=first.isoformat(),
        )
    if outcome not in PLACED_RESULTS:
        company_id = None
    elif company_id is not None and company_id not in {c.id for c in visited_companies(session, candidate)}:
        raise DomainError("Välj ett av företagen som klienten har besökt.", field="company_id")
    row = session.scalar(sa.select(FollowUp).where(FollowUp.candidate_id == candidate.id, FollowUp.months == months))
    if row is None:
        row = FollowUp(candidate_id=candidate.id, months=months)
        session.add(row)
    row.result, row.recorded_on, row.recorded_by_id = outcome, recorded_on, by.id
    row.self_sufficient = self_sufficient
    row.company_id = company_id
    session.flush()
    return row


def received_assistance(candidate: Candidate) -> bool:
    """The client's latest referral says they received ekonomiskt bistånd."""
    told = [r for r in candidate.referrals if r.economic_assistance is not None]
    return bool(told) and bool(told[-1].economic_assistance)


@dataclass
class FollowUpRow:
    candidate: Candidate
    first_visit: dt.date
    recorded: dict[int, Optional[FollowUp]]

    def due(self, months: int) -> dt.date:
        return add_months(self.first_visit, months)

    def waiting(self, today: dt.date) -> list[int]:
        """The follow-ups (months) that are due by `today` and not recorded."""
        return [m for m in MONTHS if self.recorded[m] is None and self.due(m) <= today]


def follow_up_list(session: Session, scope: sa.ColumnElement[bool]) -> list[FollowUpRow]:
    """Candidates within `scope` (a candidate_scope condition) with a completed visit, oldest
    first visit first, with what has been recorded for them. A candidate is loaded with their
    name only: the list shows no more of them."""
    first = first_visits()
    rows = session.execute(
        sa.select(Candidate, first.c.first_visit)
        .join(first, first.c.candidate_id == Candidate.id)
        .where(scope, Candidate.anonymised_at.is_(None))
        .options(load_only(*NAME_COLUMNS))
        .order_by(first.c.first_visit, Candidate.id)
    ).all()
    ids = [candidate.id for candidate, _ in rows]
    recorded: dict[tuple[int, int], FollowUp] = {
        (f.candidate_id, f.months): f
        for f in session.scalars(sa.select(FollowUp).where(FollowUp.candidate_id.in_(ids)))
    } if ids else {}
    return [
        FollowUpRow(candidate, first_visit, {m: recorded.get((candidate.id, m)) for m in MONTHS})
        for candidate, first_visit in rows
    ]


def count_waiting(session: Session, scope: sa.ColumnElement[bool], today: dt.date) -> int:
    """How many follow-ups within `scope` are due by `today` and not recorded (the start page)."""
    return sum(len(row.waiting(today)) for row in follow_up_list(session, scope))
