"""#23 item 2 and #24 section 2: a participant's weekdays and times of day decide whether they can
take part on a day — in the recommendation list for a day, the quarterly planner and booking
(the form and the API); booking outside them needs a written reason, kept on the visit. Travel
time between the participant and the workplace is a reason in the lists and a cap in the planner.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from typing import Any

import pytest
import sqlalchemy as sa

from models import AuditEvent, Candidate, Visit, clock
from models.enums import WEEKDAYS, Role, TargetGroup
from models.operations import availability
from models.operations import matching as ops
from models.operations.companies import Quarter
from models.operations.visits import is_working_day

from .factories import local_dt
from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support",)

HERE = (56.05, 12.70)
KM_NORTH = 1 / 111.2  # degrees of latitude per km


def _monday_and_thursday() -> tuple[dt.date, dt.date]:
    """A Monday at least two weeks ahead whose Thursday is a working day too (any today)."""
    day = clock.local_today() + dt.timedelta(days=14)
    day += dt.timedelta(days=(7 - day.weekday()) % 7)
    while not (is_working_day(day) and is_working_day(day + dt.timedelta(days=3))):
        day += dt.timedelta(days=7)
    return day, day + dt.timedelta(days=3)


MONDAY, THURSDAY = _monday_and_thursday()


@pytest.fixture
def scene(db, make) -> dict[str, Any]:
    """An offer open Mondays and Thursdays 08–17 (six-hour visits), a participant who can come
    Tuesday–Thursday, one who can come "torsdagar och fredagar", one who can come any weekday."""
    offer = make.offer(weekdays=["mon", "thu"], lat=HERE[0], lon=HERE[1], capacity_per_quarter=10)
    people = {
        "tue_thu": make.candidate(first_name="Tilda", weekdays=["tue", "wed", "thu"]),
        "thu_fri": make.candidate(first_name="Fredrik", weekdays=["thu", "fri"]),
        "any": make.candidate(first_name="Alla", weekdays=["mon", "tue", "wed", "thu", "fri"]),
    }
    db.commit()
    return {"offer": offer, **people}


def _book_form(candidate: Candidate, offer: Any, day: dt.date, start: str = "08:00", end: str = "14:00",
               **extra: Any) -> dict[str, Any]:
    return {"candidate": candidate.id, "offer": offer.id, "day": day.isoformat(), "start": start, "end": end, **extra}


# --- the rule ----------------------------------------------------------------------------------
def test_the_sql_and_the_bit_rule_agree_on_every_combination(db) -> None:
    """`available_sql` (the lists) and `fits` (booking, planner) are the same rule."""
    masks = [[], ["mon"], ["tue", "wed", "thu"], ["thu", "fri"], list(WEEKDAYS)]
    times = [list(c) for n in range(4) for c in itertools.combinations(("morning", "midday", "afternoon"), n)]
    people = []
    for n, (days, parts) in enumerate(itertools.product(masks, times)):
        people.append(Candidate(first_name=f"P{n}", last_name="Regel", target_group=TargetGroup.OTHER,
                                swedish_level=3, weekdays=days, times_of_day=parts))
    db.add_all(people)
    db.flush()
    spans = [(dt.time(7), dt.time(11)), (dt.time(8), dt.time(14)), (dt.time(9), dt.time(15)),
             (dt.time(12), dt.time(16)), (dt.time(14), dt.time(18))]
    for day, (start, end) in itertools.product([MONDAY + dt.timedelta(days=d) for d in range(7)], spans):
        in_sql = set(db.scalars(sa.select(Candidate.id).where(availability.available_sql(day, start, end))))
        in_python = {p.id for p in people if availability.is_available(p, day, start, end)}
        assert in_sql == in_python, (day, start, end)


def test_parts_of_the_day_a_visit_takes() -> None:
    needed = availability.times_needed
    assert needed(dt.time(8), dt.time(12)) == 0b001  # förmiddag
    assert needed(dt.time(8), dt.time(14)) == 0b011  # förmiddag, mitt på dagen
    assert needed(dt.time(11), dt.time(15)) == 0b111
    assert needed(dt.time(9), dt.time(15)) == 0b111
    assert needed(dt.time(14), dt.time(18)) == 0b100  # eftermiddag


# --- booking: the form ---------------------------------------------------------------------------
def test_monday_booking_of_a_tuesday_to_thursday_participant_is_refused_without_a_reason(
        client, auth, db, scene) -> None:
    auth.login(Role.PROJECT_LEADER)
    tilda, offer = scene["tue_thu"], scene["offer"]
    form = client.get(f"/besok/nytt?candidate={tilda.id}&offer={offer.id}").get_data(as_text=True)
    assert "Deltagaren kan: tisdagar, onsdagar, torsdagar; alla tider" in form  # said before booking

    refused = client.post("/besok/nytt", data=_book_form(tilda, offer, MONDAY))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "Tilda kan bara tisdagar, onsdagar, torsdagar; alla tider" in page
    assert "Boka ändå utanför deltagarens tillgänglighet" in page  # the override is offered
    assert db.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0

    ticked_without_reason = client.post(
        "/besok/nytt", data=_book_form(tilda, offer, MONDAY, outside_availability="y", availability_reason="  "))
    assert ticked_without_reason.status_code == 422
    assert "Skriv varför besöket bokas utanför deltagarens tillgänglighet" in ticked_without_reason.get_data(
        as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(Visit)) == 0

    reason = "Tilda har bytt SFI-pass den veckan och kan komma på måndagen."
    booked = client.post("/besok/nytt", data=_book_form(tilda, offer, MONDAY, outside_availability="y",
                                                        availability_reason=reason))
    assert booked.status_code == 302
    visit = db.scalars(sa.select(Visit)).one()
    assert visit.visit_date == MONDAY and visit.availability_override == reason
    assert reason in visit.events[0].reason  # the history says why
    audit = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "visit_proposed")).one()
    assert audit.details["outside_availability"] is True
    shown = client.get(f"/besok/{visit.id}").get_data(as_text=True)
    assert "Bokat utanför deltagarens tillgänglighet" in shown and reason in shown


def test_a_day_the_participant_can_come_needs_no_reason(client, auth, db, scene) -> None:
    auth.login(Role.PROJECT_LEADER)
    response = client.post("/besok/nytt", data=_book_form(scene["tue_thu"], scene["offer"], THURSDAY))
    assert response.status_code == 302
    visit = db.scalars(sa.select(Visit)).one()
    assert visit.availability_override == "" and visit.events[0].reason == ""


def test_times_of_day_count_too(client, auth, db, make, scene) -> None:
    """Förmiddag and mitt på dagen: 08–14 fits, 09–15 reaches into the afternoon."""
    mornings = make.candidate(first_name="Maja", weekdays=["mon"], times_of_day=["morning", "midday"])
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    late = client.post("/besok/nytt", data=_book_form(mornings, scene["offer"], MONDAY, "09:00", "15:00"))
    assert late.status_code == 422
    assert "Maja kan bara måndagar; förmiddag, mitt på dagen" in late.get_data(as_text=True)
    early = client.post("/besok/nytt", data=_book_form(mornings, scene["offer"], MONDAY, "08:00", "14:00"))
    assert early.status_code == 302


def test_a_new_time_outside_the_availability_needs_a_reason_too(client, auth, db, make, scene) -> None:
    visit = make.visit(scene["tue_thu"], scene["offer"], day=THURSDAY)
    db.commit()
    auth.login(Role.PROJECT_LEADER)
    moved = {"version": visit.version, "day": MONDAY.isoformat(), "start": "08:00", "end": "14:00"}
    assert client.post(f"/besok/{visit.id}/ny-tid", data=moved).status_code == 422
    reason = "Överenskommet med Tilda i telefon."
    ok = client.post(f"/besok/{visit.id}/ny-tid",
                     data={**moved, "outside_availability": "y", "availability_reason": reason})
    assert ok.status_code == 302
    db.refresh(visit)
    assert visit.visit_date == MONDAY and visit.availability_override == reason
    assert reason in visit.events[-1].reason


# --- booking: the API -------------------------------------------------------------------------------
def test_the_api_refuses_too_and_takes_the_reason_as_a_field(api, tokens, db, scene) -> None:
    _user, headers = tokens.headers("project_leader")
    body = {"offer_id": scene["offer"].id, "candidate_id": scene["thu_fri"].id,
            "start_at": local_dt(MONDAY, 8).isoformat(), "end_at": local_dt(MONDAY, 14).isoformat()}
    problem = assert_problem(api.post("/api/v1/visits", json=body, headers=headers), 422)
    assert "torsdagar, fredagar" in problem["errors"]["start_at"][0]
    empty = assert_problem(api.post("/api/v1/visits", json={**body, "availability_override": ""}, headers=headers),
                           422)
    assert "availability_override" in empty["errors"]

    reason = "Fredrik har själv bett om måndagen."
    response = api.post("/api/v1/visits", json={**body, "availability_override": reason}, headers=headers)
    assert response.status_code == 201, response.get_json()
    visit = response.get_json()
    assert visit["availability_override"] == reason and reason in visit["events"][0]["reason"]


# --- the recommendation list for a day ----------------------------------------------------------------
def _listed(client: Any, offer: Any, day: dt.date) -> str:
    return client.get(f"/matchning/erbjudanden/{offer.id}/rekommendationer?day={day.isoformat()}").get_data(
        as_text=True)


def test_the_list_for_a_monday_leaves_out_those_who_cannot_come_on_mondays(client, auth, db, scene) -> None:
    auth.login(Role.PROJECT_LEADER)
    monday = _listed(client, scene["offer"], MONDAY)
    assert "Alla" in monday and "Tilda" not in monday and "Fredrik" not in monday
    thursday = _listed(client, scene["offer"], THURSDAY)
    assert "Alla" in thursday and "Tilda" in thursday and "Fredrik" in thursday


def test_the_list_of_offers_for_a_day_keeps_to_the_participant_s_days(db, make, scene) -> None:
    tilda = scene["tue_thu"]
    monday = ops.recommend_for_candidate(db, tilda, day=MONDAY)
    assert monday.items == [] and str(monday.empty).startswith("Tilda kan bara tisdagar, onsdagar, torsdagar")
    assert [i.id for i in ops.recommend_for_candidate(db, tilda, day=THURSDAY).items] == [scene["offer"].id]


# --- the quarterly planner --------------------------------------------------------------------------------
def _next_quarter() -> Quarter:
    return Quarter.of(clock.local_today()).next()


def test_the_planner_never_proposes_a_day_the_person_cannot_come(client, auth, db, make, scene) -> None:
    never = make.candidate(first_name="Vera", weekdays=["tue", "wed"])  # the offer takes Mondays and Thursdays
    db.commit()
    plan = ops.plan_quarter(db, _next_quarter(), fair=False)
    rows = {row.candidate_id: row for row in plan.rows}
    assert never.id not in rows and never.id not in plan.alternatives.get(scene["offer"].id, [])
    for key in ("tue_thu", "thu_fri"):
        row = rows[scene[key].id]
        assert row.day is not None and WEEKDAYS[row.day.weekday()] == "thu"
    for row in plan.rows:
        person = db.get(Candidate, row.candidate_id)
        assert row.day is not None and availability.is_available(
            person, row.day, *ops.usual_times(scene["offer"].window_start, scene["offer"].window_end,
                                              scene["offer"].hours))

    auth.login(Role.PROJECT_LEADER)
    page = client.get(f"/matchning/kvartalsplan?kvartal={_next_quarter().code}&rattvis=nej").get_data(as_text=True)
    assert "Tilda" in page and "Vera" not in page
    planned_days = {dt.date.fromisoformat(d) for d in re.findall(r'name="rows-\d+-day"[^>]*value="([\d-]+)"', page)}
    assert planned_days and all(WEEKDAYS[d.weekday()] in ("mon", "thu") for d in planned_days)


# --- travel -------------------------------------------------------------------------------------------------
def test_the_list_says_how_long_the_trip_takes(client, auth, db, make) -> None:
    offer = make.offer(lat=HERE[0] + 3.2 * KM_NORTH, lon=HERE[1], min_swedish_level=0, languages=["en"])
    make.candidate(first_name="Resa", lat=HERE[0], lon=HERE[1], languages=["sv"])
    db.commit()
    user = auth.login(Role.PROJECT_LEADER)
    day = THURSDAY
    # 3.2 km: 10 minutes to the stop and waiting, then 18 km/h door to door: about 20 minutes.
    assert "ca 20 min med buss (3,2 km)" in _listed(client, offer, day)
    user.locale = "en"
    db.commit()
    assert "about 20 min by bus" in _listed(client, offer, day)


def test_the_planner_caps_the_travel_time(client, auth, db, make) -> None:
    offer = make.offer(lat=HERE[0], lon=HERE[1], capacity_per_quarter=10)
    near = make.candidate(first_name="Nära", lat=HERE[0] + 2 * KM_NORTH, lon=HERE[1])
    far = make.candidate(first_name="Långtbort", lat=HERE[0] + 40 * KM_NORTH, lon=HERE[1])  # about 145 min
    nowhere = make.candidate(first_name="Okänd", lat=None, lon=None)  # unknown is not far
    db.commit()
    uncapped = {row.candidate_id for row in ops.plan_quarter(db, _next_quarter(), fair=False).rows}
    assert {near.id, far.id, nowhere.id} <= uncapped
    capped = ops.plan_quarter(db, _next_quarter(), fair=False, max_travel_minutes=60)
    assert {row.candidate_id for row in capped.rows} == {near.id, nowhere.id}
    assert far.id not in capped.alternatives.get(offer.id, [])

    auth.login(Role.PROJECT_LEADER)
    page = client.get(f"/matchning/kvartalsplan?kvartal={_next_quarter().code}&rattvis=nej&restid=60").get_data(
        as_text=True)
    assert "Nära" in page and "Långtbort" not in page
