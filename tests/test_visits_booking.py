"""Booking rules: each bad input is refused with a message saying what to do, and nothing is
saved; a good booking becomes a proposal with its first history row."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import Visit, VisitEvent, clock
from models.enums import CompanyStatus, ReferralStatus, VisitStatus
from models.operations import visits as ops
from models.operations.errors import Conflict, DomainError
from tests.factories import local_dt


def workday(days_ahead: int = 14) -> dt.date:
    """A Monday–Friday that is not a Swedish public holiday, about `days_ahead` from today."""
    day = clock.local_today() + dt.timedelta(days=days_ahead)
    while not ops.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def next_holiday_on_weekday() -> dt.date:
    day = clock.local_today() + dt.timedelta(days=2)
    while not (ops.swedish_holiday(day) and day.weekday() < 5):
        day += dt.timedelta(days=1)
    return day


def book(db, make, *, offer=None, candidate=None, day=None, start=9, hours=6.0, **kw):
    offer = offer or make.offer()
    candidate = candidate or make.candidate()
    day = day or workday()
    start_at = local_dt(day, start)
    return ops.book_visit(db, offer, candidate, start_at, start_at + dt.timedelta(hours=hours), by=make.user(), **kw)


def count_visits(db) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(Visit))


def test_a_good_booking_is_a_proposal_with_history(db, make) -> None:
    offer = make.offer()
    visit = book(db, make, offer=offer)
    db.commit()
    assert visit.status == VisitStatus.PROPOSED
    assert visit.visit_date == workday()
    assert visit.supervisor_email == offer.supervisor_email
    events = db.scalars(sa.select(VisitEvent).where(VisitEvent.visit_id == visit.id)).all()
    assert [(e.from_status, e.to_status) for e in events] == [(None, VisitStatus.PROPOSED)]


def test_visit_date_is_the_stockholm_date(db, make) -> None:
    offer = make.offer(window_start=dt.time(0, 0), window_end=dt.time(23, 59))
    day = workday()
    # 00:30 in Stockholm is still the previous day in UTC.
    visit = book(db, make, offer=offer, day=day, start=0, hours=4)
    assert visit.start_at.astimezone(dt.UTC).date() == day - dt.timedelta(days=1)
    assert visit.visit_date == day


@pytest.mark.parametrize(
    ("hours", "field"),
    [(3.5, "end"), (8.5, "end"), (3.99, "end")],
)
def test_duration_outside_4_to_8_hours_is_refused(db, make, hours, field) -> None:
    with pytest.raises(DomainError) as err:
        book(db, make, start=8, hours=hours)
    assert err.value.field == field
    assert "mellan 4 och 8 timmar" in err.value.message


@pytest.mark.parametrize("hours", [4, 8])
def test_exactly_4_and_8_hours_are_allowed(db, make, hours) -> None:
    assert book(db, make, start=8, hours=hours).status == VisitStatus.PROPOSED


def test_outside_the_offers_time_window_is_refused(db, make) -> None:
    offer = make.offer(window_start=dt.time(9, 0), window_end=dt.time(15, 0))
    with pytest.raises(DomainError) as err:
        book(db, make, offer=offer, start=8, hours=5)
    assert "mellan 09:00 och 15:00" in err.value.message
    with pytest.raises(DomainError):
        book(db, make, offer=offer, start=11, hours=5)


def test_outside_the_offers_weekdays_is_refused(db, make) -> None:
    offer = make.offer(weekdays=["tue", "thu"])
    day = workday()
    while day.weekday() in (1, 3):
        day += dt.timedelta(days=1)
    with pytest.raises(DomainError) as err:
        book(db, make, offer=offer, day=day)
    assert err.value.code == "weekday"
    assert "tis, tor" in err.value.message


def test_in_the_past_is_refused(db, make) -> None:
    day = clock.local_today() - dt.timedelta(days=7)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    with pytest.raises(DomainError) as err:
        book(db, make, day=day)
    assert err.value.code == "past"


def test_paused_offer_and_inactive_company_are_refused(db, make) -> None:
    with pytest.raises(DomainError) as err:
        book(db, make, offer=make.offer(active=False))
    assert "pausat" in err.value.message
    for status in (CompanyStatus.PAUSED, CompanyStatus.LEFT, CompanyStatus.PROSPECT):
        with pytest.raises(DomainError) as err:
            book(db, make, offer=make.offer(make.company(status=status)))
        assert "inte aktivt" in err.value.message


def test_candidate_without_consent_is_refused(db, make) -> None:
    with pytest.raises(DomainError) as err:
        book(db, make, candidate=make.candidate(consent=False))
    assert err.value.code == "no_consent"


def test_withdrawn_consent_is_refused(db, make) -> None:
    candidate = make.candidate()
    candidate.consents[0].withdrawn_at = clock.now()
    db.flush()
    with pytest.raises(DomainError) as err:
        book(db, make, candidate=candidate)
    assert err.value.code == "no_consent"


@pytest.mark.parametrize(
    "status", [ReferralStatus.CLOSED, ReferralStatus.RETURNED, ReferralStatus.DRAFT, ReferralStatus.SUBMITTED]
)
def test_candidate_without_live_referral_is_refused(db, make, status) -> None:
    with pytest.raises(DomainError) as err:
        book(db, make, candidate=make.candidate(status=status))
    assert err.value.code == "no_referral"


@pytest.mark.parametrize("status", [ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE])
def test_accepted_or_active_referral_may_be_booked(db, make, status) -> None:
    assert book(db, make, candidate=make.candidate(status=status)).status == VisitStatus.PROPOSED


def test_public_holiday_is_refused_unless_allowed(db, make) -> None:
    day = next_holiday_on_weekday()
    offer = make.offer(weekdays=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    with pytest.raises(DomainError) as err:
        book(db, make, offer=offer, day=day)
    assert err.value.code == "holiday"
    assert ops.swedish_holiday(day) in err.value.message
    assert book(db, make, offer=offer, day=day, allow_holiday=True).visit_date == day


def test_overlapping_visit_for_the_same_participant_is_refused(db, make) -> None:
    candidate = make.candidate()
    day = workday()
    book(db, make, candidate=candidate, day=day, start=8, hours=5)
    with pytest.raises(Conflict) as err:
        book(db, make, candidate=candidate, day=day, start=12, hours=4)
    assert err.value.code == "overlap"
    assert "redan ett besök den tiden" in err.value.message


def test_the_database_refuses_an_overlap_even_without_the_python_check(db, make) -> None:
    """Two live visits inserted directly: the constraint/trigger stops the second."""
    candidate = make.candidate()
    day = workday()
    make.visit(candidate, day=day, start_hour=9, hours=6)
    db.commit()
    with pytest.raises(sa.exc.IntegrityError) as err:
        make.visit(candidate, day=day, start_hour=10, hours=4)
    assert "ex_visit_no_overlap" in str(err.value)
    db.rollback()


def test_back_to_back_visits_and_cancelled_ones_do_not_overlap(db, make) -> None:
    candidate = make.candidate()
    day = workday()
    offer = make.offer(window_start=dt.time(6), window_end=dt.time(22), capacity_per_day=3)
    book(db, make, candidate=candidate, offer=offer, day=day, start=8, hours=4)
    book(db, make, candidate=candidate, offer=offer, day=day, start=12, hours=4)
    make.visit(candidate, day=day, start_hour=16, hours=4, status=VisitStatus.CANCELLED)
    assert count_visits(db) == 3


def test_capacity_per_day_counts_live_and_completed_visits(db, make) -> None:
    offer = make.offer(capacity_per_day=2, capacity_per_quarter=10)
    day = workday()
    make.visit(offer=offer, day=day, status=VisitStatus.CONFIRMED)
    make.visit(offer=offer, day=day, status=VisitStatus.DECLINED)
    make.visit(offer=offer, day=day, status=VisitStatus.CANCELLED)
    book(db, make, offer=offer, day=day)
    with pytest.raises(Conflict) as err:
        book(db, make, offer=offer, day=day)
    assert err.value.code == "full"
    assert "fullbokat" in err.value.message


def test_capacity_per_quarter(db, make) -> None:
    offer = make.offer(capacity_per_day=1, capacity_per_quarter=2)
    q_start, q_end = clock.quarter_bounds(clock.local_today() + dt.timedelta(days=100))  # wholly in the future
    days = [q_start + dt.timedelta(days=i) for i in range((q_end - q_start).days)]
    days = [d for d in days if ops.is_working_day(d)]
    make.visit(offer=offer, day=days[-1], status=VisitStatus.CONFIRMED)
    make.visit(offer=offer, day=days[-2], status=VisitStatus.PROPOSED)
    with pytest.raises(Conflict) as err:
        book(db, make, offer=offer, day=days[0])
    assert err.value.code == "full"
    assert "kvartal" in err.value.message
    next_quarter_day = q_end
    while not ops.is_working_day(next_quarter_day):
        next_quarter_day += dt.timedelta(days=1)
    assert book(db, make, offer=offer, day=next_quarter_day).status == VisitStatus.PROPOSED


def test_supervisor_defaults_to_the_offer_and_can_be_overridden(db, make) -> None:
    visit = book(db, make, supervisor_name="Ada Handledare", supervisor_email="Ada@Foretag.Example")
    assert (visit.supervisor_name, visit.supervisor_email) == ("Ada Handledare", "ada@foretag.example")
    with pytest.raises(DomainError) as err:
        book(db, make, supervisor_email="inte-en-adress")
    assert err.value.field == "supervisor_email"


def test_a_refused_booking_saves_nothing(db, make) -> None:
    offer = make.offer(capacity_per_day=1)
    day = workday()
    book(db, make, offer=offer, day=day)
    db.commit()
    with pytest.raises(Conflict):
        book(db, make, offer=offer, day=day)
    db.rollback()
    assert count_visits(db) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(VisitEvent)) == 1


def test_overdue_cutoff_skips_weekends_and_holidays() -> None:
    wednesday = dt.date(2026, 11, 25)
    assert ops.overdue_proposal_cutoff(wednesday) == dt.date(2026, 11, 23)  # Mon: Tue+Wed passed
    monday = dt.date(2026, 11, 30)
    assert ops.overdue_proposal_cutoff(monday) == dt.date(2026, 11, 26)  # Thu: Fri+Mon passed
    # Easter 2026: Good Friday 3 April and Easter Monday 6 April are holidays.
    tuesday_after_easter = dt.date(2026, 4, 7)
    assert ops.overdue_proposal_cutoff(tuesday_after_easter) == dt.date(2026, 4, 1)  # Thu 2 + Tue 7


def test_quarter_bounds() -> None:
    assert clock.quarter_bounds(dt.date(2026, 2, 14)) == (dt.date(2026, 1, 1), dt.date(2026, 4, 1))
    assert clock.quarter_bounds(dt.date(2026, 12, 31)) == (dt.date(2026, 10, 1), dt.date(2027, 1, 1))
