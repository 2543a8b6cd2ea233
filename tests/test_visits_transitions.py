"""The visit status machine: every allowed move writes a history row, every other move is
refused with a clear message (409), and corrections are a separate, recorded action."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Visit, VisitEvent, clock
from models.enums import DeclineReason, Party, VisitStatus
from models.operations import visits as ops
from models.operations.errors import Conflict, DomainError, NotAllowed

S = VisitStatus
ALLOWED = {(a, b) for a, targets in ops.ALLOWED_TRANSITIONS.items() for b in targets}
DISALLOWED = sorted(
    (pair for pair in itertools.product(S, S) if pair not in ALLOWED), key=lambda p: (p[0].value, p[1].value)
)
PARTY_FOR = {S.ACCEPTED: Party.EMPLOYER, S.DECLINED: Party.EMPLOYER, S.CANCELLED: Party.PROJECT_LEADER}


def past_visit(make, status):
    """A visit that has already taken place (so completion is possible), in `status`."""
    return make.visit(day=clock.local_today() - dt.timedelta(days=2), status=status)


def test_the_machine_is_exactly_the_one_in_the_issue() -> None:
    assert {
        S.PROPOSED: {S.ACCEPTED, S.DECLINED, S.CANCELLED},
        S.ACCEPTED: {S.CONFIRMED, S.CANCELLED},
        S.CONFIRMED: {S.COMPLETED, S.NO_SHOW, S.CANCELLED},
    } == ops.ALLOWED_TRANSITIONS


@pytest.mark.parametrize(("current", "to"), sorted(ALLOWED, key=lambda p: (p[0].value, p[1].value)))
def test_every_allowed_transition_writes_history(db, make, current, to) -> None:
    visit = past_visit(make, current)
    user = make.user()
    version = visit.version
    party = PARTY_FOR.get(to, Party.PROJECT_LEADER)
    event = ops.transition(db, visit, to, by=user, party=party, reason="Av skäl", expected_version=version)
    db.commit()
    assert visit.status == to and visit.version == version + 1
    assert (event.from_status, event.to_status, event.by_id, event.reason) == (current, to, user.id, "Av skäl")
    assert [e.to_status for e in visit.events][-1] == to


@pytest.mark.parametrize(("current", "to"), DISALLOWED, ids=[f"{a.value}->{b.value}" for a, b in DISALLOWED])
def test_every_disallowed_transition_is_refused_and_changes_nothing(db, make, current, to) -> None:
    visit = past_visit(make, current)
    db.commit()
    with pytest.raises(Conflict) as err:
        ops.transition(db, visit, to, by=None, party=Party.PROJECT_LEADER, reason="x")
    assert err.value.status == 409 and err.value.code == "transition"
    assert "kan inte bli" in err.value.message
    db.rollback()
    db.expire_all()
    assert db.get(Visit, visit.id).status == current
    assert db.scalar(sa.select(sa.func.count()).select_from(VisitEvent).where(VisitEvent.visit_id == visit.id)) == 1


def test_final_states_point_to_the_correction(db, make) -> None:
    visit = past_visit(make, S.COMPLETED)
    with pytest.raises(Conflict) as err:
        ops.transition(db, visit, S.NO_SHOW, by=None, party=Party.PROJECT_LEADER)
    assert "Rätta utfall" in err.value.message


@pytest.mark.parametrize(
    ("to", "party"),
    [(S.CONFIRMED, Party.EMPLOYER), (S.CONFIRMED, Party.PARTICIPANT), (S.ACCEPTED, Party.PARTICIPANT)],
)
def test_a_party_cannot_make_another_partys_move(db, make, to, party) -> None:
    visit = past_visit(make, S.ACCEPTED if to == S.CONFIRMED else S.PROPOSED)
    with pytest.raises(NotAllowed):
        ops.transition(db, visit, to, by=None, party=party)


@pytest.mark.parametrize("party", [Party.PARTICIPANT, Party.EMPLOYER, Party.PROJECT_LEADER])
def test_cancel_records_who_and_why(db, make, party) -> None:
    visit = past_visit(make, S.ACCEPTED)
    with pytest.raises(DomainError) as err:
        ops.transition(db, visit, S.CANCELLED, by=None, party=party, reason="  ")
    assert err.value.field == "reason"
    ops.transition(db, visit, S.CANCELLED, by=None, party=party, reason="Förhinder")
    assert (visit.cancelled_by, visit.status_reason) == (party, "Förhinder")
    assert visit.ics_sequence == 0  # no calendar entry was ever sent for an accepted visit


def test_cancelling_a_confirmed_visit_bumps_the_calendar_sequence(db, make) -> None:
    visit = past_visit(make, S.CONFIRMED)
    ops.transition(db, visit, S.CANCELLED, by=None, party=Party.EMPLOYER, reason="Stängt")
    assert visit.ics_sequence == 1


def test_decline_keeps_the_reason(db, make) -> None:
    visit = past_visit(make, S.PROPOSED)
    ops.transition(db, visit, S.DECLINED, by=None, party=Party.EMPLOYER, decline_reason=DeclineReason.NO_CAPACITY)
    assert visit.decline_reason == DeclineReason.NO_CAPACITY


def test_completion_defaults_to_the_planned_times_and_is_in_the_history(db, make) -> None:
    visit = past_visit(make, S.CONFIRMED)
    event = ops.transition(db, visit, S.COMPLETED, by=None, party=Party.PROJECT_LEADER)
    assert (visit.actual_start, visit.actual_end) == (visit.start_at, visit.end_at)
    assert (event.actual_start, event.actual_end) == (visit.start_at, visit.end_at)
    assert ops.counts_toward_goal(visit)


@pytest.mark.parametrize(("hours", "counts"), [(3.5, False), (4, True), (8, True), (8.25, False)])
def test_any_real_duration_is_recorded_but_only_4_to_8_hours_count(db, make, hours, counts) -> None:
    visit = past_visit(make, S.CONFIRMED)
    ops.transition(
        db, visit, S.COMPLETED, by=None, party=Party.PROJECT_LEADER,
        actual_start=visit.start_at, actual_end=visit.start_at + dt.timedelta(hours=hours),
    )
    assert visit.status == S.COMPLETED
    assert ops.counts_toward_goal(visit) is counts


def test_outcome_cannot_be_recorded_before_the_visit(db, make) -> None:
    visit = make.visit(day=clock.local_today() + dt.timedelta(days=5), status=S.CONFIRMED)
    for to in (S.COMPLETED, S.NO_SHOW):
        with pytest.raises(DomainError) as err:
            ops.transition(db, visit, to, by=None, party=Party.PROJECT_LEADER)
        assert err.value.code == "too_early"


def test_impossible_actual_times_are_refused(db, make) -> None:
    visit = past_visit(make, S.CONFIRMED)
    with pytest.raises(DomainError) as err:
        ops.transition(db, visit, S.COMPLETED, by=None, party=Party.PROJECT_LEADER,
                       actual_start=visit.end_at, actual_end=visit.start_at)
    assert err.value.field == "actual_end"


def test_stale_expected_version_is_refused(db, make) -> None:
    visit = past_visit(make, S.PROPOSED)
    with pytest.raises(Conflict) as err:
        ops.transition(db, visit, S.ACCEPTED, by=None, party=Party.EMPLOYER, expected_version=visit.version - 1)
    assert err.value.code == "stale"
    assert visit.status == S.PROPOSED


def test_a_change_committed_by_someone_else_meanwhile_is_a_stale_conflict(app, db, make) -> None:
    """Two sessions load the same proposal; the employer accepts in one, the project leader
    cancels in the other: the second write is refused, not silently applied over the first."""
    visit = past_visit(make, S.PROPOSED)
    db.commit()
    other: Session = app.extensions["database"].factory()
    try:
        mine = other.get(Visit, visit.id)
        assert mine.status == S.PROPOSED
        ops.transition(db, visit, S.ACCEPTED, by=None, party=Party.EMPLOYER)
        db.commit()
        with pytest.raises(Conflict) as err:
            ops.transition(other, mine, S.CANCELLED, by=None, party=Party.PROJECT_LEADER, reason="Dubbel")
        assert err.value.code == "stale"
        other.rollback()
    finally:
        other.close()
    db.expire_all()
    assert db.get(Visit, visit.id).status == S.ACCEPTED


@pytest.mark.parametrize(("current", "to"), [(S.COMPLETED, S.NO_SHOW), (S.NO_SHOW, S.COMPLETED)])
def test_corrections_between_completed_and_no_show(db, make, current, to) -> None:
    visit = past_visit(make, current)
    if current == S.COMPLETED:
        visit.actual_start, visit.actual_end = visit.start_at, visit.end_at
    with pytest.raises(DomainError) as err:
        ops.correct_outcome(db, visit, to, by=None, reason="")
    assert err.value.field == "reason"
    event = ops.correct_outcome(db, visit, to, by=None, reason="Fel registrerat")
    assert visit.status == to
    assert event.reason == "Rättelse: Fel registrerat"
    assert (event.from_status, event.to_status, event.by_party) == (current, to, Party.PROJECT_LEADER)
    assert (visit.actual_start is None) == (to == S.NO_SHOW)


@pytest.mark.parametrize("current", [S.PROPOSED, S.ACCEPTED, S.CONFIRMED, S.DECLINED, S.CANCELLED])
def test_only_outcomes_can_be_corrected(db, make, current) -> None:
    visit = past_visit(make, current)
    with pytest.raises(Conflict):
        ops.correct_outcome(db, visit, S.COMPLETED, by=None, reason="x")
    with pytest.raises(Conflict):
        ops.correct_outcome(db, visit, S.NO_SHOW, by=None, reason="x")


def test_reschedule_rules(db, make) -> None:
    from tests.factories import local_dt
    from tests.test_visits_booking import workday

    visit = make.visit(day=workday(), status=S.ACCEPTED)
    new_start = local_dt(workday(20), 10)
    with pytest.raises(DomainError) as err:
        ops.reschedule(db, visit, new_start, new_start + dt.timedelta(hours=2), by=None)
    assert err.value.code == "duration"
    event = ops.reschedule(db, visit, new_start, new_start + dt.timedelta(hours=5), by=None)
    assert (event.from_status, event.to_status) == (S.ACCEPTED, S.ACCEPTED)
    assert visit.visit_date == workday(20) and visit.ics_sequence == 0
    cancelled = make.visit(day=workday(), status=S.CANCELLED)
    with pytest.raises(Conflict):
        ops.reschedule(db, cancelled, new_start, new_start + dt.timedelta(hours=5), by=None)
