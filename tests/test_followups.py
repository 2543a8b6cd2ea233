"""The officer's 3- and 6-month follow-up of their own clients, and its aggregate in the report."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from models import FollowUp
from models.clock import local_today
from models.enums import FollowUpResult, Role, VisitStatus
from models.operations.followups import add_months
from models.operations.reports import quarterly_report

TODAY = local_today()  # the date the app counts by (Stockholm)
FIRST = add_months(TODAY, -7)  # the first visit was seven months ago: both follow-ups are due


@pytest.fixture
def clients(make, db):
    officer = make.user(Role.WELFARE_OFFICER)
    mine = make.candidate(referred_by=officer, first_name="Amina", last_name="Uppföljsson")
    make.visit(mine, day=FIRST, status=VisitStatus.COMPLETED, actual_hours=6)
    make.visit(mine, day=add_months(TODAY, -2), status=VisitStatus.COMPLETED, actual_hours=5)
    recent = make.candidate(referred_by=officer, first_name="Bo", last_name="Nyligen")
    make.visit(recent, day=TODAY - dt.timedelta(days=20), status=VisitStatus.COMPLETED, actual_hours=6)
    waiting = make.candidate(referred_by=officer, first_name="Cleo", last_name="Utanbesök")
    make.visit(waiting, day=TODAY - dt.timedelta(days=200), status=VisitStatus.NO_SHOW)
    theirs = make.candidate(first_name="Dan", last_name="Annanenhet")
    make.visit(theirs, day=FIRST, status=VisitStatus.COMPLETED, actual_hours=6)
    db.commit()
    return {"officer": officer, "mine": mine, "recent": recent, "waiting": waiting, "theirs": theirs}


def test_officer_sees_own_clients_with_a_completed_visit(client, auth, clients) -> None:
    auth.login(clients["officer"])
    html = client.get("/uppfoljning-klienter/").get_data(as_text=True)
    assert "Amina Uppföljsson" in html and "Bo Nyligen" in html
    assert "Cleo Utanbesök" not in html  # only a no-show: nothing to follow up
    assert "Dan Annanenhet" not in html  # another unit's client
    assert f"/uppfoljning-klienter/{clients['mine'].id}/3" in html
    assert f"Från {add_months(TODAY - dt.timedelta(days=20), 3).isoformat()}" in html
    start = client.get("/").get_data(as_text=True)
    assert "2 uppföljningar efter 3 eller 6 månader är dags att registrera." in start


def test_recording_and_correcting_a_follow_up(client, auth, db, clients) -> None:
    auth.login(clients["officer"])
    url = f"/uppfoljning-klienter/{clients['mine'].id}/3"
    assert client.get(url).status_code == 200
    response = client.post(url, data={"result": "internship", "recorded_on": TODAY.isoformat()})
    assert response.status_code == 302
    row = db.scalars(sa.select(FollowUp)).one()
    assert (row.months, row.result, row.recorded_by_id) == (3, FollowUpResult.INTERNSHIP, clients["officer"].id)
    client.post(url, data={"result": "job", "recorded_on": TODAY.isoformat()})
    db.expire_all()
    assert db.scalars(sa.select(FollowUp)).one().result == FollowUpResult.JOB
    assert "Arbete" in client.get("/uppfoljning-klienter/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("who", "months", "data", "status", "message"),
    [
        ("recent", 3, {"result": "job"}, 422, "görs från och med"),
        ("mine", 3, {"result": "job", "future": True}, 422, "kan inte ligga i framtiden"),
        ("mine", 6, {"result": ""}, 422, "Välj hur det har gått för klienten."),
        ("mine", 6, {"result": "millionaire"}, 422, "Välj hur det har gått för klienten."),
    ],
)
def test_bad_follow_ups_are_refused_with_a_clear_message(client, auth, db, clients, who, months, data, status, message):
    auth.login(clients["officer"])
    day = TODAY + dt.timedelta(days=1) if data.pop("future", False) else TODAY
    response = client.post(f"/uppfoljning-klienter/{clients[who].id}/{months}", data=data | {"recorded_on": day})
    assert response.status_code == status and message in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(FollowUp)) == 0


def test_only_the_clients_own_officers_record(client, auth, make, db, clients) -> None:
    auth.login(clients["officer"])
    assert client.get(f"/uppfoljning-klienter/{clients['theirs'].id}/3").status_code == 403
    assert client.get(f"/uppfoljning-klienter/{clients['mine'].id}/4").status_code == 404
    assert client.get(f"/uppfoljning-klienter/{clients['waiting'].id}/3").status_code == 404
    auth.logout()
    for role in ("project_leader", "steering", "employer", "admin"):
        auth.login(role)
        assert client.get("/uppfoljning-klienter/").status_code == 403, role
        auth.logout()


def test_outcomes_reach_the_report_in_aggregate(client, auth, db, make, clients) -> None:
    programme = make.programme(starts_on=add_months(TODAY, -12), ends_on=add_months(TODAY, 12))
    db.commit()
    auth.login(clients["officer"])
    client.post(f"/uppfoljning-klienter/{clients['mine'].id}/3", data={"result": "studies", "recorded_on": TODAY})
    client.post(f"/uppfoljning-klienter/{clients['mine'].id}/6", data={"result": "job", "recorded_on": TODAY})
    report = quarterly_report(db, programme)
    assert report.follow_ups[3]["studies"] == 1 and report.follow_ups[6]["job"] == 1
    assert report.to_dict()["follow_ups"]["6"]["job"] == "x"
