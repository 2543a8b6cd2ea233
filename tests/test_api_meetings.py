"""Network meetings through the API: project leaders plan a meeting, invite companies, get a
proposed selection with achieved shares against the targets and save it, and mark attendance;
the outcomes are also for the steering group; the voluntary answers never appear row by row."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import OutboxMessage, clock
from models.operations import meetings as ops

from .factories import local_dt
from .test_api_support import assert_problem
from .test_meetings import facts, meeting_data

pytest_plugins = ("tests.test_api_support",)


def new_meeting(**changes):
    day = clock.local_today() + dt.timedelta(days=20)
    return {"kind": "theme", "title": "Tematräff 2", "starts_at": local_dt(day, 9).isoformat(),
            "ends_at": local_dt(day, 12).isoformat(), "capacity": 4,
            "quotas": {"city": 2, "organisation": 0, "open": 2}, **changes}


@pytest.mark.parametrize("role", ["welfare_officer", "employer", "steering", "admin"])
def test_only_project_leaders_run_meetings(api, tokens, db, role) -> None:
    meeting = ops.create_meeting(db, meeting_data())
    db.commit()
    _user, headers = tokens.headers(role)
    url = f"/api/v1/meetings/{meeting.id}"
    assert_problem(api.get("/api/v1/meetings", headers=headers), 403)
    assert_problem(api.get(url, headers=headers), 403)
    assert_problem(api.post("/api/v1/meetings", json=new_meeting(), headers=headers), 403)
    assert_problem(api.post(f"{url}/selection/proposal", json={}, headers=headers), 403)
    outcomes = api.get("/api/v1/meetings/outcomes", headers=headers)
    assert outcomes.status_code == (200 if role in ("steering", "admin") else 403)


def test_plan_invite_select_and_attend(api, tokens, db, make, time_travel) -> None:
    _leader, headers = tokens.headers("project_leader")
    refused = api.post("/api/v1/meetings", json=new_meeting(capacity=3), headers=headers)
    assert_problem(refused, 422)
    created = api.post("/api/v1/meetings", json=new_meeting(), headers=headers)
    assert created.status_code == 201, created.get_json()
    url = created.headers["Location"]
    meeting_id = created.get_json()["id"]

    company = make.company(industry="IT")
    db.commit()
    invited = api.post(f"{url}/invitations", json={"channel": "city", "company_id": company.id}, headers=headers)
    assert invited.status_code == 201, invited.get_json()
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)
                     .where(OutboxMessage.kind == "meeting_invitation")) == 1
    typed = api.post(f"{url}/invitations", json={"channel": "city", "company_name": "Vårdbolaget AB",
                                                 "org_number": facts(1).org_number, "industry": "Vård",
                                                 "size_class": "micro", "email": "info@vard.example"},
                     headers=headers)
    assert typed.status_code == 201
    meeting = db.get(ops.NetworkMeeting, meeting_id)
    for invitee in meeting.invitees:
        ops.answer_invitation(db, invitee, coming=True, representative_gender="woman")
    ops.invite(db, meeting, facts(2, industry="IT"), channel="city")
    db.commit()
    ops.answer_invitation(db, meeting.invitees[-1], coming=True)
    db.commit()

    too_many = api.post(f"{url}/selection/proposal", json={"size_class": {"micro": 0.8, "large": 0.5}},
                        headers=headers)
    assert_problem(too_many, 422)
    proposal = api.post(f"{url}/selection/proposal", json={"industry": {"IT": 0.5, "Vård": 0.5}}, headers=headers)
    body = proposal.get_json()
    assert proposal.status_code == 200, body
    assert body["per_channel"] == {"city": 2} and len(body["selected"]) == 2
    assert body["deviation"] == pytest.approx(0.0) and body["deviation"] <= body["first_come_deviation"]
    assert {row["value"] for row in body["representation"]["gender"]} >= {"woman", "man"}
    assert all(row["signed_up"] is None for row in body["representation"]["gender"] if row["value"] == "woman")

    saved = api.post(f"{url}/selection", json={"selected": body["selected"]}, headers=headers)
    assert saved.status_code == 200
    invitees = saved.get_json()["invitees"]
    assert sorted(i["seat"] for i in invitees if i["status"] == "selected") == [1, 2]
    assert all("representative_gender" not in i for i in invitees)

    time_travel.move_to(dt.datetime.fromisoformat(new_meeting()["starts_at"]) + dt.timedelta(hours=1))
    marks = [{"invitee_id": i, "attended": True} for i in body["selected"]]
    attended = api.post(f"{url}/attendance", json={"marks": marks}, headers=headers)
    assert attended.status_code == 200
    outcome = next(o for o in api.get("/api/v1/meetings/outcomes", headers=headers).get_json()
                   if o["meeting_id"] == meeting_id)
    assert (outcome["invited"], outcome["with_place"], outcome["attended"]) == (3, 2, 2)
