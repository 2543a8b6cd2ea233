"""Group activities: the four types, capacity, who may take part, bulk attendance, and the
pages project leaders use (nobody else may)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import Activity, ActivityParticipant, clock
from models.enums import ActivityType, AttendanceStatus, ReferralStatus, Role
from models.operations import activities as ops
from models.operations.errors import Conflict, DomainError
from tests.factories import local_dt

TODAY = clock.local_today()


def make_activity(db, *, days=7, capacity=3, type_=ActivityType.STADIUM_VISIT, hours=2):
    start = local_dt(TODAY + dt.timedelta(days=days), 13)
    return ops.create_activity(
        db,
        ops.ActivityData(
            type=type_, title="Visning av Olympia", starts_at=start, ends_at=start + dt.timedelta(hours=hours),
            place="Olympia, Helsingborg", capacity=capacity,
        ),
    )


def participants(db, activity):
    return db.scalars(sa.select(ActivityParticipant).where(ActivityParticipant.activity_id == activity.id)).all()


@pytest.mark.parametrize("type_", list(ActivityType))
def test_each_of_the_four_types_can_be_created(db, type_) -> None:
    activity = make_activity(db, type_=type_)
    assert activity.type == type_ and activity.id


def test_bad_activity_input_is_refused(db, make) -> None:
    start = local_dt(TODAY, 13)
    base = dict(
        type=ActivityType.WELLNESS, title="Promenadfotboll", starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    cases = [
        (dict(title="  "), "title"),
        (dict(ends_at=start), "end"),
        (dict(ends_at=start + dt.timedelta(hours=20)), "end"),
        (dict(capacity=0), "capacity"),
        (dict(responsible_id=make.user(Role.EMPLOYER).id), "responsible"),
    ]
    for change, field in cases:
        with pytest.raises(DomainError) as err:
            ops.create_activity(db, ops.ActivityData(**{**base, **change}))
        assert err.value.field == field


def test_capacity_is_enforced(db, make) -> None:
    activity = make_activity(db, capacity=2)
    ops.register_participant(db, activity, make.candidate())
    ops.register_participant(db, activity, make.candidate())
    with pytest.raises(Conflict) as err:
        ops.register_participant(db, activity, make.candidate())
    assert err.value.code == "full" and "fullsatt" in err.value.message


def test_capacity_cannot_be_lowered_below_the_registered(db, make) -> None:
    activity = make_activity(db, capacity=3)
    for _ in range(2):
        ops.register_participant(db, activity, make.candidate())
    data = ops.ActivityData(type=activity.type, title=activity.title, starts_at=activity.starts_at,
                            ends_at=activity.ends_at, capacity=1)
    with pytest.raises(Conflict) as err:
        ops.update_activity(db, activity, data)
    assert "2 deltagare är redan anmälda" in err.value.message


def test_the_same_participant_cannot_be_registered_twice(db, make) -> None:
    activity = make_activity(db)
    candidate = make.candidate()
    ops.register_participant(db, activity, candidate)
    with pytest.raises(Conflict) as err:
        ops.register_participant(db, activity, candidate)
    assert err.value.code == "duplicate"


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [({"consent": False}, "no_consent"), ({"status": ReferralStatus.CLOSED}, "no_referral"),
     ({"status": ReferralStatus.SUBMITTED}, "no_referral")],
)
def test_only_candidates_with_consent_and_a_live_referral_take_part(db, make, kwargs, code) -> None:
    activity = make_activity(db)
    with pytest.raises(DomainError) as err:
        ops.register_participant(db, activity, make.candidate(**kwargs))
    assert err.value.code == code
    assert participants(db, activity) == []


def test_attendance_is_marked_in_bulk_after_the_start(db, make) -> None:
    leader = make.user()
    activity = make_activity(db, days=0)
    a, b, c = (ops.register_participant(db, activity, make.candidate()) for _ in range(3))
    with pytest.raises(DomainError) as err:
        ops.mark_attendance(db, activity, {a.id: AttendanceStatus.ATTENDED}, by=leader,
                            now=activity.starts_at - dt.timedelta(minutes=1))
    assert err.value.code == "too_early"
    changed = ops.mark_attendance(
        db, activity,
        {a.id: AttendanceStatus.ATTENDED, b.id: AttendanceStatus.ABSENT, c.id: AttendanceStatus.REGISTERED},
        by=leader, now=activity.ends_at,
    )
    assert changed == 2
    assert [a.status, b.status, c.status] == [
        AttendanceStatus.ATTENDED, AttendanceStatus.ABSENT, AttendanceStatus.REGISTERED,
    ]
    assert a.marked_by_id == leader.id and a.marked_at == activity.ends_at
    with pytest.raises(DomainError):
        ops.mark_attendance(db, activity, {999999: AttendanceStatus.ATTENDED}, by=leader, now=activity.ends_at)


def test_a_participant_with_marked_attendance_cannot_be_unregistered(db, make) -> None:
    activity = make_activity(db, days=0)
    participant = ops.register_participant(db, activity, make.candidate())
    ops.mark_attendance(db, activity, {participant.id: AttendanceStatus.ABSENT}, by=None, now=activity.ends_at)
    with pytest.raises(Conflict):
        ops.unregister_participant(db, participant)


# --- pages ------------------------------------------------------------------------------------
def activity_form(**kw):
    day = TODAY + dt.timedelta(days=10)
    return {"type": "match_host_shadowing", "title": "Skugga matchvärdar", "day": day.isoformat(),
            "start": "17:00", "end": "21:00", "place": "Olympia", "capacity": "2", "responsible": "", "notes": "", **kw}


def test_project_leader_creates_registers_and_marks_attendance(client, auth, db, make, time_travel) -> None:
    leader = auth.login("project_leader")
    first, second, third = make.candidate(last_name="Andersson"), make.candidate(last_name="Berg"), make.candidate()
    db.commit()
    assert client.get("/aktiviteter/ny").status_code == 200
    response = client.post("/aktiviteter/ny", data=activity_form(responsible=str(leader.id)))
    assert response.status_code == 302
    activity = db.scalar(sa.select(Activity))
    assert activity.type == ActivityType.MATCH_HOST_SHADOWING
    assert (activity.capacity, activity.responsible_id) == (2, leader.id)
    page = client.get(f"/aktiviteter/{activity.id}").get_data(as_text=True)
    assert "Andersson" in page  # offered in the register list

    for candidate in (first, second):
        assert client.post(f"/aktiviteter/{activity.id}/anmal", data={"candidate": candidate.id}).status_code == 302
    full = client.post(f"/aktiviteter/{activity.id}/anmal", data={"candidate": third.id})
    assert full.status_code == 409 and "fullsatt" in full.get_data(as_text=True)

    # After the start: one form, a row per participant.
    time_travel.move_to(activity.ends_at)
    auth.login(leader)  # hours later: the idle login has ended
    db.expire_all()
    rows = {p.candidate_id: p.id for p in participants(db, activity)}
    page = client.get(f"/aktiviteter/{activity.id}").get_data(as_text=True)
    assert f'name="status-{rows[first.id]}"' in page and "Spara närvaron" in page
    response = client.post(
        f"/aktiviteter/{activity.id}/narvaro",
        data={f"status-{rows[first.id]}": "attended", f"status-{rows[second.id]}": "absent"},
    )
    assert response.status_code == 302
    db.expire_all()
    marked = {p.candidate_id: p.status for p in participants(db, activity)}
    assert marked == {first.id: AttendanceStatus.ATTENDED, second.id: AttendanceStatus.ABSENT}


def test_activity_form_errors_are_shown(client, auth, db) -> None:
    auth.login("project_leader")
    response = client.post("/aktiviteter/ny", data=activity_form(start="21:00", end="17:00"))
    assert response.status_code == 422
    assert "Sluttiden måste vara efter starttiden" in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Activity)) == 0


def test_edit_activity(client, auth, db) -> None:
    auth.login("project_leader")
    activity = make_activity(db)
    db.commit()
    assert client.get(f"/aktiviteter/{activity.id}/andra").status_code == 200
    response = client.post(f"/aktiviteter/{activity.id}/andra", data=activity_form(title="Ny rubrik", capacity="5"))
    assert response.status_code == 302
    db.expire_all()
    assert (db.get(Activity, activity.id).title, db.get(Activity, activity.id).capacity) == ("Ny rubrik", 5)


def test_activity_list_shows_upcoming_and_past(client, auth, db) -> None:
    auth.login("project_leader")
    make_activity(db, days=5)
    past = make_activity(db, days=-5)
    past.title = "Förra veckans friskvård"
    db.commit()
    upcoming = client.get("/aktiviteter").get_data(as_text=True)
    assert "Visning av Olympia" in upcoming and "Förra veckans friskvård" not in upcoming
    assert "Förra veckans friskvård" in client.get("/aktiviteter?when=past").get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.WELFARE_OFFICER, Role.STEERING, Role.ADMIN])
def test_only_project_leaders_manage_activities(client, auth, db, make, role) -> None:
    activity = make_activity(db)
    candidate = make.candidate()
    db.commit()
    auth.login(role)
    assert client.get("/aktiviteter").status_code == 403
    assert client.get(f"/aktiviteter/{activity.id}").status_code == 403
    assert client.post(f"/aktiviteter/{activity.id}/anmal", data={"candidate": candidate.id}).status_code == 403
    assert participants(db, activity) == []
