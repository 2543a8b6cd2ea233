"""Group activities through the API: project leaders plan them, register participants within the
capacity and mark attendance; every other role is refused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from models import Activity, ActivityParticipant, clock
from models.enums import ActivityType, AttendanceStatus

from .factories import local_dt
from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support",)


def new_activity(days: int = 10, **changes: Any) -> dict[str, Any]:
    day = clock.local_today() + dt.timedelta(days=days)
    return {
        "type": "stadium_visit", "title": "Arenabesök på Olympia", "starts_at": local_dt(day, 13).isoformat(),
        "ends_at": local_dt(day, 15).isoformat(), "place": "Olympia", "capacity": 2, **changes,
    }


@pytest.fixture
def activity(make) -> Activity:
    start = clock.now() + dt.timedelta(days=5)
    row = Activity(type=ActivityType.WELLNESS, title="Promenad", starts_at=start, ends_at=start + dt.timedelta(hours=2),
                   capacity=1)
    make.session.add(row)
    make.session.commit()
    return row


@pytest.mark.parametrize("role", ["welfare_officer", "employer", "steering", "admin"])
def test_only_project_leaders_use_activities(api, tokens, activity, role) -> None:
    _user, headers = tokens.headers(role)
    url = f"/api/v1/activities/{activity.id}"
    assert_problem(api.get("/api/v1/activities", headers=headers), 403)
    assert_problem(api.get(url, headers=headers), 403)
    assert_problem(api.post("/api/v1/activities", json=new_activity(), headers=headers), 403)
    assert_problem(api.patch(url, json={"title": "X"}, headers={**headers, "If-Match": "*"}), 403)
    assert_problem(api.post(f"{url}/participants", json={"candidate_id": 1}, headers=headers), 403)
    assert_problem(api.post(f"{url}/attendance", json={"marks": []}, headers=headers), 403)
    assert_problem(api.delete(f"{url}/participants/1", headers=headers), 403)


def test_a_project_leader_plans_an_activity_and_changes_it_with_if_match(api, tokens, db) -> None:
    leader, headers = tokens.headers("project_leader")
    created = api.post("/api/v1/activities", json=new_activity(responsible_id=leader.id), headers=headers)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["participants"] == [] and body["responsible_id"] == leader.id
    url = f"/api/v1/activities/{body['id']}"
    assert_problem(api.patch(url, json={"capacity": 30}, headers=headers), 428)
    etag = api.get(url, headers=headers).headers["ETag"]
    changed = api.patch(url, json={"capacity": 30}, headers={**headers, "If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["capacity"] == 30
    assert changed.get_json()["title"] == "Arenabesök på Olympia"
    assert_problem(api.patch(url, json={"capacity": 3}, headers={**headers, "If-Match": etag}), 412)
    assert db.get(Activity, body["id"]).capacity == 30


def test_activity_rules_are_422_on_the_api_s_fields(api, tokens) -> None:
    _user, headers = tokens.headers("project_leader")
    backwards = new_activity(ends_at=new_activity()["starts_at"])
    assert "ends_at" in assert_problem(api.post("/api/v1/activities", json=backwards, headers=headers), 422)["errors"]
    officer, _h = tokens.headers("welfare_officer")
    not_leader = new_activity(responsible_id=officer.id)
    problem = assert_problem(api.post("/api/v1/activities", json=not_leader, headers=headers), 422)
    assert "responsible_id" in problem["errors"]


def test_lists_upcoming_and_past(api, tokens, activity, make) -> None:
    start = clock.now() - dt.timedelta(days=3)
    make.session.add(Activity(type=ActivityType.ASSOCIATION_ACTIVITY, title="Förr", starts_at=start,
                              ends_at=start + dt.timedelta(hours=1)))
    make.session.commit()
    _user, headers = tokens.headers("project_leader")
    assert [a["title"] for a in api.get("/api/v1/activities", headers=headers).get_json()["items"]] == ["Promenad"]
    past = api.get("/api/v1/activities?when=past", headers=headers).get_json()
    assert [a["title"] for a in past["items"]] == ["Förr"]
    assert api.get("/api/v1/activities?type=stadium_visit", headers=headers).get_json()["total"] == 0


def test_registration_within_the_capacity_and_unregistering(api, tokens, activity, make, db) -> None:
    _user, headers = tokens.headers("project_leader")
    first, second = make.candidate(), make.candidate()
    make.session.commit()
    url = f"/api/v1/activities/{activity.id}/participants"
    registered = api.post(url, json={"candidate_id": first.id}, headers=headers)
    assert registered.status_code == 201
    assert [p["candidate_id"] for p in registered.get_json()["participants"]] == [first.id]
    assert_problem(api.post(url, json={"candidate_id": first.id}, headers=headers), 409)
    full = assert_problem(api.post(url, json={"candidate_id": second.id}, headers=headers), 409)
    assert "fullsatt" in full["detail"]
    assert assert_problem(api.post(url, json={"candidate_id": 999999}, headers=headers), 422)["errors"] == {
        "candidate_id": ["No such candidate."]
    }
    participant_id = registered.get_json()["participants"][0]["id"]
    assert api.delete(f"{url}/{participant_id}", headers=headers).status_code == 204
    assert db.scalar(sa.select(sa.func.count()).select_from(ActivityParticipant)) == 0
    assert_problem(api.delete(f"{url}/{participant_id}", headers=headers), 404)


def test_a_candidate_without_consent_cannot_be_registered(api, tokens, activity, make) -> None:
    _user, headers = tokens.headers("project_leader")
    candidate = make.candidate(consent=False)
    make.session.commit()
    url = f"/api/v1/activities/{activity.id}/participants"
    assert "candidate_id" in assert_problem(api.post(url, json={"candidate_id": candidate.id}, headers=headers),
                                            422)["errors"]


def test_attendance_is_marked_after_the_start(api, tokens, activity, make, db) -> None:
    _user, headers = tokens.headers("project_leader")
    candidate = make.candidate()
    make.session.commit()
    participants = api.post(f"/api/v1/activities/{activity.id}/participants", json={"candidate_id": candidate.id},
                            headers=headers).get_json()["participants"]
    marks = {"marks": [{"participant_id": participants[0]["id"], "status": "attended"}]}
    url = f"/api/v1/activities/{activity.id}/attendance"
    assert_problem(api.post(url, json=marks, headers=headers), 422)  # not started yet
    stored = make.session.get(Activity, activity.id)
    stored.starts_at = clock.now() - dt.timedelta(hours=1)
    make.session.commit()
    marked = api.post(url, json=marks, headers=headers)
    assert marked.status_code == 200 and marked.get_json()["participants"][0]["status"] == "attended"
    db.expire_all()
    assert db.scalars(sa.select(ActivityParticipant)).one().status == AttendanceStatus.ATTENDED
    unknown = {"marks": [{"participant_id": 999, "status": "absent"}]}
    assert_problem(api.post(url, json=unknown, headers=headers), 422)
    # Marked participants are not simply unregistered.
    assert_problem(api.delete(f"/api/v1/activities/{activity.id}/participants/{participants[0]['id']}",
                              headers=headers), 409)
