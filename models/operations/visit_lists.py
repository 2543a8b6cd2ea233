"""The list of visits with its filters: one query for the visit list page and the JSON API.

The caller passes the viewer's scope, an SQL condition on Visit (web/permissions.py's
`shown_visit_scope`), so that no filter can widen what the viewer may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa

from ..candidates import Candidate
from ..companies import Company, Offer
from ..enums import VisitStatus
from ..visits import Visit


@dataclass(frozen=True)
class VisitFilters:
    statuses: tuple[VisitStatus, ...] = ()  # any of these
    offer_id: Optional[int] = None
    candidate_id: Optional[int] = None
    date_from: Optional[dt.date] = None  # local dates, inclusive
    date_to: Optional[dt.date] = None
    text: str = ""  # in the participant's name, the company's name or the offer's title


def visit_list(scope: sa.ColumnElement[bool], filters: VisitFilters, *, newest_first: bool = False) -> sa.Select[Any]:
    """The visits within `scope` that pass `filters`, by start (soonest or newest first).

    Candidate, offer and company are joined only to search their text; otherwise the rows come
    straight off the index on (start_at, id) and only a count reads every visit."""
    query = sa.select(Visit).where(scope)
    if filters.statuses:
        query = query.where(Visit.status.in_(filters.statuses))
    if filters.offer_id is not None:
        query = query.where(Visit.offer_id == filters.offer_id)
    if filters.candidate_id is not None:
        query = query.where(Visit.candidate_id == filters.candidate_id)
    if filters.date_from:
        query = query.where(Visit.visit_date >= filters.date_from)
    if filters.date_to:
        query = query.where(Visit.visit_date <= filters.date_to)
    text = filters.text.strip()
    if text:
        like = f"%{text.lower()}%"
        query = query.join(Visit.candidate).join(Visit.offer).join(Offer.company).where(
            sa.or_(
                sa.func.lower(Candidate.first_name + " " + Candidate.last_name).like(like),
                sa.func.lower(Company.name).like(like),
                sa.func.lower(Offer.title).like(like),
            )
        )
    if newest_first:
        return query.order_by(Visit.start_at.desc(), Visit.id.desc())
    return query.order_by(Visit.start_at, Visit.id)
