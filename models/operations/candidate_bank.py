"""The candidate bank's search: one query for the bank page and the JSON API.

The caller passes who is looking as a BankScope, two SQL conditions from web/permissions.py
(the candidates they may see, and which of their referrals), so that no filter value or page
number can widen it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from .. import clock
from ..candidates import Candidate, Referral
from ..enums import ReferralStatus, TargetGroup, VisitStatus
from ..visits import Visit

SORTS = ("-referred", "referred", "name", "-level")


@dataclass(frozen=True)
class BankScope:
    candidates: sa.ColumnElement[bool]  # on Candidate: whom the viewer may see
    referrals: sa.ColumnElement[bool]  # on Referral: which referrals the viewer may see


@dataclass
class BankFilters:
    q: str = ""
    status: Optional[ReferralStatus] = None  # of the latest referral the viewer may see
    target_group: Optional[TargetGroup] = None
    interests: list[str] = field(default_factory=list)
    level_min: Optional[int] = None
    level_max: Optional[int] = None
    weekdays: list[str] = field(default_factory=list)
    area: str = ""
    visited: Optional[bool] = None
    referred_from: Optional[dt.date] = None
    referred_to: Optional[dt.date] = None
    sort: str = "-referred"


def _contains(column: Any, text: str) -> sa.ColumnElement[bool]:
    # lower() folds å, ä and ö too, on SQLite as well (models/db.py).
    return sa.func.lower(column).contains(text.lower(), autoescape=True)


def referred_at() -> Any:
    """When a referral was made: sent to the project leader, or saved as a draft."""
    return sa.func.coalesce(Referral.submitted_at, Referral.created_at)


def _latest_referral(scope: BankScope, column: Any) -> Any:
    """The viewer's latest visible referral of the row's candidate: its status or date."""
    return (
        sa.select(column)
        .where(Referral.candidate_id == Candidate.id, scope.referrals)
        .order_by(Referral.created_at.desc(), Referral.id.desc())
        .limit(1)
        .correlate(Candidate)
        .scalar_subquery()
    )


def bank_query(scope: BankScope, f: BankFilters) -> sa.Select[Any]:
    """The candidates within `scope` (with a referral the viewer may see, not anonymised) that
    pass the filters, in the chosen order."""
    visible_referral = sa.exists().where(Referral.candidate_id == Candidate.id, scope.referrals)
    stmt = (
        sa.select(Candidate)
        .where(scope.candidates, visible_referral, Candidate.anonymised_at.is_(None))
        # both the page and the API show each candidate's referrals and consent
        .options(selectinload(Candidate.referrals), selectinload(Candidate.consents))
    )
    for word in f.q.split()[:5]:
        stmt = stmt.where(sa.or_(_contains(Candidate.first_name, word), _contains(Candidate.last_name, word)))
    if f.status:
        stmt = stmt.where(_latest_referral(scope, Referral.status) == f.status)
    if f.target_group:
        stmt = stmt.where(Candidate.target_group == f.target_group)
    if f.interests:
        stmt = stmt.where(Candidate.interests.has_any(f.interests))
    if f.level_min is not None:
        stmt = stmt.where(Candidate.swedish_level >= f.level_min)
    if f.level_max is not None:
        stmt = stmt.where(Candidate.swedish_level <= f.level_max)
    if f.weekdays:
        stmt = stmt.where(Candidate.weekdays.has_any(f.weekdays))
    if f.area:
        digits = f.area.replace(" ", "")
        matches = [_contains(Candidate.area, f.area)]
        if digits.isdigit():  # postcodes are stored as "252 21"
            matches.append(Candidate.postcode.startswith(f"{digits[:3]} {digits[3:]}".strip()))
        stmt = stmt.where(sa.or_(*matches))
    if f.visited is not None:
        visited = sa.exists().where(Visit.candidate_id == Candidate.id, Visit.status == VisitStatus.COMPLETED)
        stmt = stmt.where(visited if f.visited else ~visited)
    if f.referred_from or f.referred_to:
        in_range = [Referral.candidate_id == Candidate.id, scope.referrals]
        if f.referred_from:
            in_range.append(referred_at() >= clock.local_midnight(f.referred_from))
        if f.referred_to:
            in_range.append(referred_at() < clock.local_midnight(f.referred_to + dt.timedelta(days=1)))
        stmt = stmt.where(sa.exists().where(*in_range))
    latest_at = _latest_referral(scope, referred_at())
    order = {
        "-referred": [latest_at.desc()],
        "referred": [latest_at.asc()],
        "name": [Candidate.last_name, Candidate.first_name],
        "-level": [Candidate.swedish_level.desc(), Candidate.last_name],
    }[f.sort]
    return stmt.order_by(*order, Candidate.id)
