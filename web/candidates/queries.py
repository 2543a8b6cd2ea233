"""Read queries of the candidate bank: the search form's filters (the search itself is
models/operations/candidate_bank.py's, shared with the API), the officer's referral list, what a
candidate page shows, and the start-page panels. Every list starts from the viewer's scope
(web/permissions.py), so no filter value or page number can widen it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional, TypeVar

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from models import (
    Activity,
    ActivityParticipant,
    Candidate,
    Feedback,
    Offer,
    Referral,
    ReferralEvent,
    Visit,
    clock,
)
from models.candidates import NAME_COLUMNS
from models.enums import FIELD_SLUGS, LIVE_VISIT_STATUSES, WEEKDAYS, ReferralStatus, TargetGroup, VisitStatus
from models.operations.candidate_bank import SORTS, BankFilters, referred_at
from models.operations.candidates import current_positions
from models.operations.selection import partner_organisations

from .. import permissions as perm

T = TypeVar("T")
PAGE_SIZE = 25


# --- the bank's search (the query is models/operations/candidate_bank.py's) -----------------
def enum_or_none(cls: type[T], value: Any) -> Optional[T]:
    try:
        return cls(value) if value else None  # type: ignore[call-arg]
    except ValueError:
        return None


def _level(value: Any) -> Optional[int]:
    return int(value) if isinstance(value, str) and value.isdigit() and int(value) <= 6 else None


def _date(value: Any) -> Optional[dt.date]:
    try:
        return dt.date.fromisoformat(value) if value else None
    except (TypeError, ValueError):
        return None


def parse_bank_filters(data: Mapping[str, Any]) -> tuple[BankFilters, list[str]]:
    """Filters from the search form's data. Values no form could send are dropped; the field
    names of dates that could not be read are returned, to be shown as errors."""
    bad_dates = [name for name in ("referred_from", "referred_to") if data.get(name) and _date(data[name]) is None]
    return (
        BankFilters(
            q=(data.get("q") or "").strip()[:100],
            status=enum_or_none(ReferralStatus, data.get("status")),
            target_group=enum_or_none(TargetGroup, data.get("target_group")),
            interests=[s for s in data.get("interests") or [] if s in FIELD_SLUGS],
            level_min=_level(data.get("level_min")),
            level_max=_level(data.get("level_max")),
            weekdays=[d for d in data.get("weekdays") or [] if d in WEEKDAYS],
            area=(data.get("area") or "").strip()[:100],
            visited={"yes": True, "no": False}.get(data.get("visited") or ""),
            referred_from=_date(data.get("referred_from")),
            referred_to=_date(data.get("referred_to")),
            sort=data.get("sort") if data.get("sort") in SORTS else "-referred",
        ),
        bad_dates,
    )


@dataclass(frozen=True)
class VisitSummary:
    next_visit: Optional[Visit] = None
    completed: int = 0


def visit_summaries(session: Session, candidate_ids: list[int]) -> dict[int, VisitSummary]:
    """Per candidate: the next live visit and how many visits were completed."""
    if not candidate_ids:
        return {}
    completed = dict(
        session.execute(
            sa.select(Visit.candidate_id, sa.func.count())
            .where(Visit.candidate_id.in_(candidate_ids), Visit.status == VisitStatus.COMPLETED)
            .group_by(Visit.candidate_id)
        ).all()
    )
    upcoming: dict[int, Visit] = {}
    for visit in session.scalars(
        sa.select(Visit)
        .where(
            Visit.candidate_id.in_(candidate_ids), Visit.status.in_(LIVE_VISIT_STATUSES), Visit.end_at >= clock.now()
        )
        .options(joinedload(Visit.offer).joinedload(Offer.company))
        .order_by(Visit.start_at)
    ):
        upcoming.setdefault(visit.candidate_id, visit)
    return {cid: VisitSummary(upcoming.get(cid), completed.get(cid, 0)) for cid in candidate_ids}


def visible_referrals(user: Any, candidate: Candidate) -> list[Referral]:
    """The candidate's referrals the viewer may see, newest first."""
    shown = [r for r in candidate.referrals if perm.can_view_referral(user, r)]
    return sorted(shown, key=lambda r: (r.created_at, r.id), reverse=True)


# --- the officer's referral list -------------------------------------------------------------
def referrals_query(user: Any, status: Optional[ReferralStatus]) -> sa.Select[Any]:
    stmt = (
        sa.select(Referral)
        .join(Referral.candidate)
        .where(perm.referral_scope(user), Candidate.anonymised_at.is_(None))
        .options(joinedload(Referral.candidate), joinedload(Referral.referred_by))
        .order_by(Referral.created_at.desc(), Referral.id.desc())
    )
    return stmt.where(Referral.status == status) if status else stmt


def upcoming_live_visits(session: Session, candidate_id: int) -> list[Visit]:
    """The participant's booked visits that have not begun (what closing a referral may cancel)."""
    return list(session.scalars(
        sa.select(Visit).where(
            Visit.candidate_id == candidate_id, Visit.status.in_(LIVE_VISIT_STATUSES), Visit.start_at > clock.now()
        ).order_by(Visit.start_at)
    ))


# --- a candidate page ------------------------------------------------------------------------
@dataclass
class CandidatePage:
    referrals: list[Referral]
    upcoming: list[Visit]
    past: list[Visit]
    feedback: dict[int, Feedback]
    activities: list[ActivityParticipant]
    # AF's and AMF's current positions per referral (organisation id → position), and the partners
    positions: dict[int, dict[int, Any]]
    partners: list[Any]


def candidate_page(session: Session, user: Any, candidate: Candidate) -> CandidatePage:
    visits = list(
        session.scalars(
            sa.select(Visit)
            .where(Visit.candidate_id == candidate.id)
            .options(joinedload(Visit.offer).joinedload(Offer.company))
            .order_by(Visit.start_at.desc())
        )
    )
    now = clock.now()
    upcoming = [v for v in reversed(visits) if v.is_live and v.end_at >= now]
    past = [v for v in visits if v not in upcoming]
    feedback = {
        f.visit_id: f
        for f in session.scalars(sa.select(Feedback).where(Feedback.visit_id.in_([v.id for v in visits])))
    } if visits else {}
    activities = list(
        session.scalars(
            sa.select(ActivityParticipant)
            .join(ActivityParticipant.activity)
            .where(ActivityParticipant.candidate_id == candidate.id)
            .options(joinedload(ActivityParticipant.activity))
            .order_by(Activity.starts_at.desc())
        )
    )
    referrals = visible_referrals(user, candidate)
    positions = {r.id: {p.organisation_id: p for p in current_positions(r)} for r in referrals}
    return CandidatePage(referrals, upcoming, past, feedback, activities, positions,
                         partner_organisations(session))


# --- start-page panels -----------------------------------------------------------------------
def _with_candidate_name() -> Any:
    """A referral's participant as far as the start page's panels show them: the name. They list
    people by name only, so they read no identity number, contact details or needs."""
    return joinedload(Referral.candidate).load_only(*NAME_COLUMNS)


def officer_panel(session: Session, user: Any) -> dict[str, Any]:
    """The officer's unit: referrals per status, and the latest returned ones."""
    counts = dict(
        session.execute(
            sa.select(Referral.status, sa.func.count()).where(perm.referral_scope(user)).group_by(Referral.status)
        ).all()
    )
    returned_at = (
        sa.select(sa.func.max(ReferralEvent.at))
        .where(ReferralEvent.referral_id == Referral.id, ReferralEvent.to_status == ReferralStatus.RETURNED)
        .correlate(Referral)
        .scalar_subquery()
    )
    returned = list(
        session.scalars(
            sa.select(Referral)
            .where(perm.referral_scope(user), Referral.status == ReferralStatus.RETURNED)
            .options(_with_candidate_name())
            .order_by(returned_at.desc(), Referral.id.desc())
            .limit(5)
        )
    )
    return {"counts": [(s, counts.get(s, 0)) for s in ReferralStatus], "returned": returned}


def project_leader_panel(session: Session, user: Any, limit: int = 10) -> dict[str, Any]:
    """Submitted referrals waiting for a decision, oldest first."""
    waiting = sa.select(Referral).where(perm.referral_scope(user), Referral.status == ReferralStatus.SUBMITTED)
    total = session.scalar(sa.select(sa.func.count()).select_from(waiting.subquery())) or 0
    referrals = list(
        session.scalars(
            waiting.options(_with_candidate_name(), joinedload(Referral.unit))
            .order_by(referred_at(), Referral.id)
            .limit(limit)
        )
    )
    return {"referrals": referrals, "total": total}
