"""Visits through the API, for every role: who sees which visits and how much of them, proposing
(with the supervisor's email), and moving a visit through its statuses (409 when not allowed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from models import AuditEvent, OutboxMessage, Visit, clock
from models.enums import VisitStatus
from models.operations.visits import is_working_day
from web.api import visits as api_visits

from .factories import local_dt
from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support",)


def working_day(after_days: int = 21) -> dt.date:
    day = clock.local_today() + dt.timedelta(days=after_days)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


class World:
    """Two welfare units with a candidate each, two companies with an offer each, and a
    proposed visit per candidate: unit A's candidate at company A, unit B's at company B."""

    def __init__(self, make: Any, tokens: Any):
        self.make, self.tokens = make, tokens
        self.officer_a = make.user("welfare_officer")
        self.officer_b = make.user("welfare_officer")
        self.candidate_a = make.candidate(referred_by=self.officer_a, first_name="Amina", last_name="Hemlig")
        self.candidate_b = make.candidate(referred_by=self.officer_b, first_name="Bertil")
        self.offer_a = make.offer(title="Kök")
        self.offer_b = make.offer(title="Lager")
        self.employer_a = make.user("employer", company=self.offer_a.company)
        self.visit_a = make.visit(self.candidate_a, self.offer_a, day=working_day(14))
        # strictly after visit A (two "working days ahead" can land on the same day after a weekend)
        day_b = working_day((self.visit_a.visit_date - clock.local_today()).days + 1)
        self.visit_b = make.visit(self.candidate_b, self.offer_b, day=day_b)
        make.session.commit()

    def headers(self, who: Any) -> dict[str, str]:
        user = {"officer_a": self.officer_a, "employer_a": self.employer_a}.get(who, who)
        return self.tokens.headers(user)[1]


@pytest.fixture
def world(make, tokens) -> World:
    return World(make, tokens)


# --- seeing visits ---------------------------------------------------------------------------
def test_a_project_leader_sees_every_visit_with_its_history(api, world) -> None:
    body = api.get("/api/v1/visits", headers=world.headers("project_leader")).get_json()
    assert [v["id"] for v in body["items"]] == [world.visit_a.id, world.visit_b.id]
    first = body["items"][0]
    assert first["candidate_id"] == world.candidate_a.id and first["supervisor_email"]
    assert first["events"][0]["to_status"] == "proposed"
    assert first["start_at"].endswith("+00:00")  # ISO 8601 with a time zone
    single = api.get(f"/api/v1/visits/{world.visit_b.id}", headers=world.headers("project_leader"))
    assert single.status_code == 200 and single.get_json()["candidate_id"] == world.candidate_b.id


def test_an_officer_sees_only_the_own_unit_s_clients_visits(api, world) -> None:
    headers = world.headers("officer_a")
    body = api.get("/api/v1/visits", headers=headers).get_json()
    assert [v["id"] for v in body["items"]] == [world.visit_a.id]
    assert api.get(f"/api/v1/visits/{world.visit_a.id}", headers=headers).status_code == 200
    assert_problem(api.get(f"/api/v1/visits/{world.visit_b.id}", headers=headers), 404)


def test_an_employer_sees_only_the_minimal_visitor_view(api, world) -> None:
    headers = world.headers("employer_a")
    body = api.get("/api/v1/visits", headers=headers).get_json()
    assert [v["id"] for v in body["items"]] == [world.visit_a.id]
    visit = body["items"][0]
    assert visit["visitor"]["first_name"] == "Amina" and visit["visitor"]["available"] is True
    text = str(visit)
    for secret in ("Hemlig", "candidate_id", "target_group", "events", world.candidate_a.pin_masked):
        assert secret not in text
    single = api.get(f"/api/v1/visits/{world.visit_a.id}", headers=headers).get_json()
    assert single["visitor"]["first_name"] == "Amina" and "candidate_id" not in single
    assert_problem(api.get(f"/api/v1/visits/{world.visit_b.id}", headers=headers), 404)


def test_after_a_consent_withdrawal_the_employer_no_longer_sees_the_visitor(api, world, make) -> None:
    for consent in world.candidate_a.consents:
        consent.withdrawn_at = clock.now()
    make.session.commit()
    headers = world.headers("employer_a")
    assert api.get("/api/v1/visits", headers=headers).get_json()["items"] == []
    assert_problem(api.get(f"/api/v1/visits/{world.visit_a.id}", headers=headers), 410)


@pytest.mark.parametrize("role", ["steering", "admin"])
def test_steering_and_admins_may_not_see_visits(api, world, role) -> None:
    headers = world.headers(role)
    assert_problem(api.get("/api/v1/visits", headers=headers), 403)
    assert_problem(api.get(f"/api/v1/visits/{world.visit_a.id}", headers=headers), 403)
    assert_problem(api.post(f"/api/v1/visits/{world.visit_a.id}/transitions", json={"to": "accepted"},
                            headers=headers), 403)


def test_visit_filters(api, world) -> None:
    headers = world.headers("project_leader")
    by_offer = api.get(f"/api/v1/visits?offer_id={world.offer_b.id}", headers=headers).get_json()
    assert [v["id"] for v in by_offer["items"]] == [world.visit_b.id]
    day = world.visit_b.visit_date.isoformat()
    assert [v["id"] for v in api.get(f"/api/v1/visits?date_from={day}", headers=headers).get_json()["items"]] == [
        world.visit_b.id
    ]
    assert api.get("/api/v1/visits?status=completed&status=cancelled", headers=headers).get_json()["total"] == 0
    assert_problem(api.get("/api/v1/visits?status=lost", headers=headers), 422)


# --- proposing -------------------------------------------------------------------------------
def _proposal(world: World, day: dt.date, **changes: Any) -> dict[str, Any]:
    return {
        "offer_id": world.offer_b.id, "candidate_id": world.candidate_a.id,
        "start_at": local_dt(day, 9).isoformat(), "end_at": local_dt(day, 15).isoformat(), **changes,
    }


def test_a_project_leader_proposes_a_visit_and_the_supervisor_is_emailed(api, world, db) -> None:
    day = working_day(30)
    response = api.post("/api/v1/visits", json=_proposal(world, day), headers=world.headers("project_leader"))
    assert response.status_code == 201, response.get_json()
    visit = response.get_json()
    assert visit["status"] == "proposed" and visit["visit_date"] == day.isoformat()
    assert response.headers["Location"].endswith(f"/api/v1/visits/{visit['id']}")
    mail = db.scalars(sa.select(OutboxMessage)).one()
    assert mail.to_addr == world.offer_b.supervisor_email and "/svar/" in mail.body_text
    audit = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "visit_proposed")).one()
    assert audit.details["via"] == "api" and audit.target_id == visit["id"]


def test_booking_rules_come_back_on_the_api_s_field_names(api, world, db) -> None:
    headers = world.headers("project_leader")
    day = working_day(30)
    backwards = _proposal(world, day, end_at=local_dt(day, 8).isoformat())
    assert "end_at" in assert_problem(api.post("/api/v1/visits", json=backwards, headers=headers), 422)["errors"]
    past = working_day(-400)
    problem = assert_problem(api.post("/api/v1/visits", json=_proposal(world, past), headers=headers), 422)
    assert "start_at" in problem["errors"]
    short = _proposal(world, day, end_at=(local_dt(day, 13) - dt.timedelta(minutes=1)).isoformat())
    problem = assert_problem(api.post("/api/v1/visits", json=short, headers=headers), 422)
    assert "(nu 3 h 59 min)" in problem["errors"]["end_at"][0]  # it said "nu 3.98333 h"
    naive = _proposal(world, day, start_at=f"{day}T09:00:00")
    assert "start_at" in assert_problem(api.post("/api/v1/visits", json=naive, headers=headers), 422)["errors"]
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_an_overlapping_proposal_is_a_conflict(api, world) -> None:
    headers = world.headers("project_leader")
    day = world.visit_a.visit_date
    clash = _proposal(world, day)
    assert_problem(api.post("/api/v1/visits", json=clash, headers=headers), 409)


def test_unknown_offer_or_candidate_is_422_on_the_field(api, world) -> None:
    headers = world.headers("project_leader")
    body = _proposal(world, working_day(30), offer_id=999999, candidate_id=999998)
    problem = assert_problem(api.post("/api/v1/visits", json=body, headers=headers), 422)
    assert problem["errors"] == {"offer_id": ["No such offer."]}


@pytest.mark.parametrize("who", ["officer_a", "employer_a", "steering", "admin"])
def test_only_project_leaders_propose_visits(api, world, who) -> None:
    body = _proposal(world, working_day(30))
    assert_problem(api.post("/api/v1/visits", json=body, headers=world.headers(who)), 403)


# --- moving through the statuses -------------------------------------------------------------
def _move(api: Any, world: World, visit: Visit, who: Any, **body: Any) -> Any:
    return api.post(f"/api/v1/visits/{visit.id}/transitions", json=body, headers=world.headers(who))


def test_the_employer_accepts_and_the_project_leader_confirms_and_completes(api, world, db, make) -> None:
    accepted = _move(api, world, world.visit_a, "employer_a", to="accepted", reason="Välkommen!")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert "visitor" in accepted.get_json()
    confirmed = _move(api, world, world.visit_a, "project_leader", to="confirmed")
    assert confirmed.get_json()["status"] == "confirmed"
    assert [e["to_status"] for e in confirmed.get_json()["events"]] == ["proposed", "accepted", "confirmed"]
    # Completing is refused before the visit has taken place...
    assert_problem(_move(api, world, world.visit_a, "project_leader", to="completed"), 422)
    # ...and allowed after it, with the actual times.
    past = working_day(-3)
    world.visit_a.start_at, world.visit_a.end_at = local_dt(past, 9), local_dt(past, 15)
    make.session.commit()
    done = _move(api, world, world.visit_a, "project_leader", to="completed",
                 actual_start=local_dt(past, 9).isoformat(), actual_end=local_dt(past, 14).isoformat())
    assert done.status_code == 200, done.get_json()
    db.expire_all()
    stored = db.get(Visit, world.visit_a.id)
    assert stored.status == VisitStatus.COMPLETED and stored.actual_hours == 5


def test_a_transition_the_status_does_not_allow_is_409(api, world, db) -> None:
    problem = assert_problem(_move(api, world, world.visit_a, "project_leader", to="completed"), 409)
    assert "föreslaget" in problem["detail"]
    db.expire_all()
    assert db.get(Visit, world.visit_a.id).status == VisitStatus.PROPOSED


def test_a_transition_that_loses_a_race_is_409_without_if_match(api, world, db, monkeypatch) -> None:
    """Someone else moves the visit between our read and our write: a conflict (409), not a
    failed precondition (412), since the request set none."""
    load = api_visits._load

    def load_then_someone_else_writes(visit_id: int) -> Visit:
        visit = load(visit_id)
        db.execute(sa.update(Visit).where(Visit.id == visit_id).values(version=Visit.version + 1))
        db.commit()
        return visit

    monkeypatch.setattr(api_visits, "_load", load_then_someone_else_writes)
    problem = assert_problem(_move(api, world, world.visit_a, "employer_a", to="accepted"), 409)
    assert "Någon annan har ändrat besöket" in problem["detail"]
    db.expire_all()
    assert db.get(Visit, world.visit_a.id).status == VisitStatus.PROPOSED
    documented = api.get("/api/v1/openapi.json").get_json()["paths"]["/api/v1/visits/{visit_id}/transitions"]["post"]
    assert "409" in documented["responses"] and "412" not in documented["responses"]


def test_an_employer_may_not_confirm_and_may_not_touch_another_company_s_visit(api, world) -> None:
    assert _move(api, world, world.visit_a, "employer_a", to="accepted").status_code == 200
    assert_problem(_move(api, world, world.visit_a, "employer_a", to="confirmed"), 403)
    assert_problem(_move(api, world, world.visit_b, "employer_a", to="accepted"), 404)


def test_a_company_answers_a_proposal_and_does_nothing_else_to_a_visit(api, world, db, make) -> None:
    """A company's token may accept or decline; cancelling, and recording that the visit took
    place or that the visitor did not come, are the project leader's (an outcome decides whether
    the person counts towards the goal). Each is refused with 403 and changes nothing."""
    assert_problem(_move(api, world, world.visit_a, "employer_a", to="cancelled", reason="Vi hinner inte"), 403)
    past = working_day(-3)
    world.visit_a.status = VisitStatus.CONFIRMED
    world.visit_a.start_at, world.visit_a.end_at, world.visit_a.visit_date = local_dt(past, 9), local_dt(past, 15), past
    make.session.commit()
    assert_problem(_move(api, world, world.visit_a, "employer_a", to="completed",
                         actual_start=local_dt(past, 9).isoformat(), actual_end=local_dt(past, 15).isoformat()), 403)
    assert_problem(_move(api, world, world.visit_a, "employer_a", to="no_show"), 403)
    assert_problem(_move(api, world, world.visit_a, "employer_a", to="cancelled", reason="Sjuk"), 403)
    db.expire_all()
    stored = db.get(Visit, world.visit_a.id)
    assert stored.status == VisitStatus.CONFIRMED and stored.actual_start is None and stored.cancelled_by is None
    assert _move(api, world, world.visit_a, "project_leader", to="no_show").status_code == 200


def test_a_client_whose_referral_is_an_unsent_draft_is_nobody_to_the_project_leader(
    api, app, client, auth, world, make, db
) -> None:
    """An outside tester found an unsent draft's client named (with birth date) in the booking
    form by `?candidate=<id>`, and told apart from a missing id by the API's answers. A draft is
    still the officer's: booking, registering and the form answer as for an id that does not exist."""
    from models.enums import ActivityType, ReferralStatus
    from models.operations import activities as activity_ops

    draft = make.candidate(referred_by=world.officer_a, first_name="Dora", last_name="Utkastsson",
                           status=ReferralStatus.DRAFT)
    start = local_dt(working_day(20), 17)
    activity = activity_ops.create_activity(db, activity_ops.ActivityData(
        type=ActivityType.STADIUM_VISIT, title="Arenabesök", starts_at=start, ends_at=start + dt.timedelta(hours=2)))
    db.commit()
    headers = world.headers("project_leader")
    day = working_day(30)
    for candidate_id in (draft.id, 999_999):
        problem = assert_problem(api.post("/api/v1/visits", json=_proposal(world, day, candidate_id=candidate_id),
                                          headers=headers), 422)
        assert problem["errors"] == {"candidate_id": ["No such candidate."]}
        registered = api.post(f"/api/v1/activities/{activity.id}/participants",
                              json={"candidate_id": candidate_id}, headers=headers)
        assert assert_problem(registered, 422)["errors"] == {"candidate_id": ["No such candidate."]}
    auth.login("project_leader")
    form = client.get(f"/besok/nytt?candidate={draft.id}").get_data(as_text=True)
    assert "Utkastsson" not in form and "Dora" not in form
    assert db.scalar(sa.select(sa.func.count()).select_from(Visit).where(Visit.candidate_id == draft.id)) == 0


def test_an_officer_may_follow_but_not_move_a_visit(api, world) -> None:
    assert_problem(_move(api, world, world.visit_a, "officer_a", to="cancelled", reason="Sjuk"), 403)
    assert_problem(_move(api, world, world.visit_b, "officer_a", to="cancelled", reason="Sjuk"), 404)


def test_declining_needs_no_reason_but_cancelling_does(api, world) -> None:
    problem = assert_problem(_move(api, world, world.visit_b, "project_leader", to="cancelled"), 422)
    assert "reason" in problem["errors"]
    declined = _move(api, world, world.visit_a, "employer_a", to="declined", decline_reason="date_unsuitable")
    assert declined.status_code == 200 and declined.get_json()["status"] == "declined"


def test_a_transition_body_is_validated(api, world) -> None:
    assert "to" in assert_problem(_move(api, world, world.visit_a, "project_leader"), 422)["errors"]
    bad = _move(api, world, world.visit_a, "project_leader", to="teleported", decline_reason="bored")
    assert set(assert_problem(bad, 422)["errors"]) == {"to", "decline_reason"}


def test_an_employer_s_visit_list_is_flat_and_loads_only_the_visitor_view(api, app, world, make, db) -> None:
    """The API's visit list for a company's token sends as many statements for 25 visits as for
    5 (no query per visit for the visitor's availability or person), and reads nothing of the
    people beyond what the visitor view shows."""
    from .test_query_counts import NEVER_OUTSIDE, candidate_columns_read, counting

    headers = world.headers("employer_a")

    def listed() -> tuple[int, list[str]]:
        api.get("/api/v1/visits?per_page=50", headers=headers)
        with counting(app) as statements:
            body = api.get("/api/v1/visits?per_page=50", headers=headers).get_json()
        return len(body["items"]), statements

    for i in range(4):
        make.visit(make.candidate(first_name=f"Gäst{i}"), world.offer_a, day=working_day(20 + i))
    db.commit()
    few, few_statements = listed()
    for i in range(4, 24):
        make.visit(make.candidate(first_name=f"Gäst{i}"), world.offer_a, day=working_day(20 + i))
    db.commit()
    many, many_statements = listed()
    assert (few, many) == (5, 25)
    assert len(many_statements) == len(few_statements)
    assert candidate_columns_read(many_statements, NEVER_OUTSIDE) == []


def test_an_employer_s_visit_loads_only_the_visitor_view(api, app, world, make, db) -> None:
    """One visit through the API for a company's token reads nothing of the person beyond what
    the visitor view shows; a project leader's token gets the whole visit."""
    from .test_query_counts import NEVER_OUTSIDE, candidate_columns_read, counting

    visit = make.visit(make.candidate(first_name="Gästen", email="gasten@exempel.example"), world.offer_a,
                       day=working_day(20))
    db.commit()
    path = f"/api/v1/visits/{visit.id}"
    with counting(app) as statements:
        answer = api.get(path, headers=world.headers("employer_a"))
    assert answer.status_code == 200 and answer.get_json()["visitor"]["first_name"] == "Gästen"
    assert candidate_columns_read(statements, NEVER_OUTSIDE) == []
    answer = api.get(path, headers=world.headers("project_leader"))
    assert answer.status_code == 200 and answer.get_json()["candidate_id"] == visit.candidate_id
