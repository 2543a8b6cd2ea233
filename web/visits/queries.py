"""Read-only queries behind the visit pages: the needs-action lists, a week's or a month's
visits and activities, and the list with its filters (the API's too: visit_lists). Access
scopes are applied here."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from models import Activity, Company, Offer, Referral, Visit, clock
from models.candidates import NAME_COLUMNS
from models.enums import ReferralStatus, VisitStatus
from models.operations import visit_lists
from models.operations import visits as visit_ops

from .. import permissions as perm
from ..employer.visitor import VISITOR_VIEW_LOADS

# What a calendar shows: visits that are happening or happened (not refused or withdrawn).
CALENDAR_STATUSES = (
    VisitStatus.PROPOSED, VisitStatus.ACCEPTED, VisitStatus.CONFIRMED, VisitStatus.COMPLETED, VisitStatus.NO_SHOW,
)


def _with_names(query: sa.Select[Any]) -> sa.Select[Any]:
    """With each row's participant, offer and company as far as a row of the list shows them
    (names and title): fifty rows load no personal details the list does not show, and no time
    goes to reading and decoding them (a third of the list's ORM work)."""
    return query.options(
        joinedload(Visit.candidate).load_only(*NAME_COLUMNS),
        joinedload(Visit.offer).load_only(Offer.title, Offer.company_id)
        .joinedload(Offer.company).load_only(Company.name),
    )


@dataclass
class NeedsAction:
    overdue_proposals: list[Visit] = field(default_factory=list)
    unrecorded: list[Visit] = field(default_factory=list)
    accepted_to_confirm: list[Visit] = field(default_factory=list)
    referrals_to_decide: int = 0
    proposal_cutoff: dt.date | None = None

    @property
    def total(self) -> int:
        lists = (self.overdue_proposals, self.unrecorded, self.accepted_to_confirm)
        return sum(len(items) for items in lists) + self.referrals_to_decide


def needs_action(session: Session, user: Any, now: dt.datetime, *, limit: int | None = None) -> NeedsAction:
    """Proposals unanswered after two working days, accepted visits to confirm, past visits
    still `confirmed` (outcome never recorded), and submitted referrals to decide on."""
    today = clock.local_date(now)
    cutoff = visit_ops.overdue_proposal_cutoff(today)
    scope = perm.visit_scope(user)
    overdue = _with_names(
        sa.select(Visit)
        .where(scope, Visit.status == VisitStatus.PROPOSED,
               Visit.created_at < clock.local_midnight(cutoff + dt.timedelta(days=1)))
        .order_by(Visit.created_at)
    )
    unrecorded = _with_names(
        sa.select(Visit)
        .where(scope, Visit.status == VisitStatus.CONFIRMED, Visit.end_at < now)
        .order_by(Visit.start_at)
    )
    to_confirm = _with_names(
        sa.select(Visit).where(scope, Visit.status == VisitStatus.ACCEPTED).order_by(Visit.start_at)
    )
    if limit:
        overdue, unrecorded, to_confirm = overdue.limit(limit), unrecorded.limit(limit), to_confirm.limit(limit)
    referrals = 0
    if perm.can_decide_referrals(user):
        referrals = int(
            session.scalar(
                sa.select(sa.func.count()).select_from(Referral).where(Referral.status == ReferralStatus.SUBMITTED)
            )
            or 0
        )
    return NeedsAction(
        overdue_proposals=list(session.scalars(overdue).unique()),
        unrecorded=list(session.scalars(unrecorded).unique()),
        accepted_to_confirm=list(session.scalars(to_confirm).unique()),
        referrals_to_decide=referrals,
        proposal_cutoff=cutoff,
    )


def _between(user: Any, first: dt.date, last: dt.date, *conditions: sa.ColumnElement[bool]) -> sa.Select[Any]:
    return sa.select(Visit).where(
        perm.shown_visit_scope(user), Visit.status.in_(CALENDAR_STATUSES), Visit.visit_date >= first,
        Visit.visit_date <= last, *conditions,
    )


def visits_between(
    session: Session, user: Any, first: dt.date, last: dt.date, *conditions: sa.ColumnElement[bool],
    limit: int | None = None, for_feed: bool = False,
) -> list[Visit]:
    """Visits the user may see whose local date lies in [first, last] (the first `limit` of them).

    Ordered by date, then time: the same order as by start time alone, but it keeps PostgreSQL
    from walking the index on start_at from the first visit ever to reach this week's (a LIMIT
    over a far end of that index cost 40 ms at a region's 100,000 visits).

    Each visit comes with its participant's name and its offer's title and company name, as the
    calendar and the start page show them; `for_feed`, with what a calendar feed's events are made
    of: the company's view of the visit (`VISITOR_VIEW_LOADS`; a feed's address is its only key)."""
    query = _between(user, first, last, *conditions).order_by(Visit.visit_date, Visit.start_at).limit(limit)
    query = query.options(*VISITOR_VIEW_LOADS) if for_feed else _with_names(query)
    return list(session.scalars(query).unique())


def count_visits_between(session: Session, user: Any, first: dt.date, last: dt.date) -> int:
    query = _between(user, first, last).with_only_columns(sa.func.count()).order_by(None)
    return int(session.scalar(query) or 0)


def activities_between(session: Session, user: Any, first: dt.date, last: dt.date) -> list[Activity]:
    if not perm.can_manage_activities(user):
        return []
    query = (
        sa.select(Activity)
        .where(Activity.starts_at >= clock.local_midnight(first),
               Activity.starts_at < clock.local_midnight(last + dt.timedelta(days=1)))
        .order_by(Activity.starts_at)
    )
    return list(session.scalars(query))


def by_day(
    visits: list[Visit], activities: list[Activity], first: dt.date, last: dt.date
) -> dict[dt.date, list[tuple[str, Any]]]:
    """Each day from first to last, with its ("visit", v) and ("activity", a) entries by time."""
    days: dict[dt.date, list[tuple[str, Any]]] = {}
    day = first
    while day <= last:
        days[day] = []
        day += dt.timedelta(days=1)
    for visit in visits:
        days.setdefault(visit.visit_date, []).append(("visit", visit))
    for activity in activities:
        days.setdefault(clock.local_date(activity.starts_at), []).append(("activity", activity))
    for entries in days.values():
        entries.sort(key=lambda e: e[1].start_at if e[0] == "visit" else e[1].starts_at)
    return days


def visit_list(user: Any, form_data: dict[str, Any]) -> sa.Select[Any]:
    """The visit list page: the list the API also serves (models/operations/visit_lists.py) with
    the filter form's values (status, date range, participant/company text), newest first, with
    each row's participant, offer and company."""
    status = form_data.get("status")
    filters = visit_lists.VisitFilters(
        statuses=(VisitStatus(status),) if status else (),
        date_from=form_data.get("date_from"),
        date_to=form_data.get("date_to"),
        text=form_data.get("q") or "",
    )
    return _with_names(visit_lists.visit_list(perm.shown_visit_scope(user), filters, newest_first=True))


