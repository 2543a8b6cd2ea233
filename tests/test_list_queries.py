"""The list queries of models/operations serve the pages and the JSON API alike: for the same
filters, a page and the API show the same rows, role by role, each within the role's scope."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import url_for

from models import Activity, clock
from models.enums import ActivityType, ReferralStatus, VisitStatus

from .factories import Factory

pytest_plugins = ("tests.test_api_support",)


def _on_page(app: Any, client: Any, path: str, params: dict[str, Any], link: tuple[str, str]) -> list[int]:
    """The ids in the page's links to the endpoint `link` names (with its id argument), in order."""
    html = client.get(path, query_string=params).get_data(as_text=True)
    endpoint, arg = link
    with app.test_request_context():
        pattern = re.escape(url_for(endpoint, **{arg: 987654321})).replace("987654321", r"(\d+)") + '"'
    return [int(found) for found in re.findall(pattern, html)]


def _api_items(api: Any, path: str, headers: dict[str, str], params: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.get(path, headers=headers, query_string={**params, "per_page": 100})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_json()["items"]


def _in_api(api: Any, path: str, headers: dict[str, str], params: dict[str, Any]) -> list[int]:
    return [item["id"] for item in _api_items(api, path, headers, params)]


def _named(filters: dict[str, Any]) -> str:
    return ",".join(f"{k}={v}" for k, v in filters.items()) or "none"


# --- visits ----------------------------------------------------------------------------------
class VisitWorld:
    """Two units' clients visiting two companies, past and coming, in five statuses; one client
    has no consent covering companies (the company may not see that visit)."""

    def __init__(self, make: Factory):
        today = clock.local_today()
        self.officer_a = make.user("welfare_officer")
        officer_b = make.user("welfare_officer")
        amina = make.candidate(referred_by=self.officer_a, first_name="Amina")
        adam = make.candidate(referred_by=self.officer_a, first_name="Adam")
        hidden = make.candidate(referred_by=self.officer_a, first_name="Hedda", consent=False)
        bertil = make.candidate(referred_by=officer_b, first_name="Bertil")
        kitchen, store = make.offer(title="Kök"), make.offer(title="Lager")
        self.employer_x = make.user("employer", company=kitchen.company)
        self.amina = amina
        self.visits = {
            "amina-kitchen": make.visit(amina, kitchen, day=today + dt.timedelta(days=14)),
            "adam-store": make.visit(adam, store, day=today + dt.timedelta(days=21), status=VisitStatus.ACCEPTED),
            "bertil-kitchen": make.visit(bertil, kitchen, day=today - dt.timedelta(days=10),
                                         status=VisitStatus.COMPLETED, actual_hours=6),
            "amina-store": make.visit(amina, store, day=today - dt.timedelta(days=5), status=VisitStatus.CANCELLED),
            "bertil-store": make.visit(bertil, store, day=today + dt.timedelta(days=7), status=VisitStatus.CONFIRMED),
            "hedda-kitchen": make.visit(hidden, kitchen, day=today + dt.timedelta(days=3)),
        }
        make.session.commit()

    def ids(self, *names: str) -> set[int]:
        return {self.visits[name].id for name in names}


@pytest.fixture
def visit_world(make) -> VisitWorld:
    return VisitWorld(make)


def _day(days: int) -> str:
    return (clock.local_today() + dt.timedelta(days=days)).isoformat()


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"status": "proposed"},
        {"date_from": _day(0), "date_to": _day(30)},
        {"status": "completed", "date_to": _day(0)},
        {"date_from": _day(8)},
    ],
    ids=_named,
)
def test_the_visit_list_page_and_the_api_give_a_project_leader_the_same_visits(
    app, api, client, auth, tokens, visit_world, filters: dict[str, str]
) -> None:
    leader = auth.login("project_leader")
    on_page = _on_page(app, client, "/besok", filters, ("visits.show", "visit_id"))
    in_api = _in_api(api, "/api/v1/visits", tokens.headers(leader)[1], filters)
    assert on_page == list(reversed(in_api))  # the page shows the newest first, the API the soonest
    assert on_page, "the filters should leave some visits"


def test_the_employer_portal_and_the_api_give_a_company_the_same_visits(
    app, api, client, auth, tokens, visit_world
) -> None:
    employer = auth.login(visit_world.employer_x)
    on_page = set(_on_page(app, client, "/foretaget/besok", {}, ("employer.visit", "visit_id")))
    in_api = set(_in_api(api, "/api/v1/visits", tokens.headers(employer)[1], {}))
    assert on_page == in_api == visit_world.ids("amina-kitchen", "bertil-kitchen")


def test_the_candidate_page_and_the_api_give_an_officer_the_same_visits_of_a_client(
    app, api, client, auth, tokens, visit_world
) -> None:
    officer = auth.login(visit_world.officer_a)
    html = client.get(f"/kandidater/{visit_world.amina.id}").get_data(as_text=True)
    items = _api_items(api, "/api/v1/visits", tokens.headers(officer)[1], {"candidate_id": visit_world.amina.id})
    assert {v["id"] for v in items} == visit_world.ids("amina-kitchen", "amina-store")
    titles = {visit_world.visits[name].offer.title for name in ("amina-kitchen", "amina-store")}
    assert all(f"<td>{title}</td>" in html for title in titles)


@pytest.mark.parametrize(
    "who, expected",
    [
        ("project_leader", ("amina-kitchen", "adam-store", "bertil-kitchen", "amina-store", "bertil-store",
                            "hedda-kitchen")),
        ("officer_a", ("amina-kitchen", "adam-store", "amina-store", "hedda-kitchen")),
        ("employer_x", ("amina-kitchen", "bertil-kitchen")),
    ],
)
def test_each_role_s_visit_list_is_its_scope(
    app, api, tokens, visit_world, who: str, expected: tuple[str, ...]
) -> None:
    """The shared query within each role's scope, as the API serves it: a project leader all
    visits, an officer the own unit's clients', an employer the own company's shown visitors."""
    user = getattr(visit_world, who, who)
    items = _api_items(api, "/api/v1/visits", tokens.headers(user)[1], {})
    assert {v["id"] for v in items} == visit_world.ids(*expected)


# --- group activities ------------------------------------------------------------------------
@pytest.fixture
def activities(make) -> None:
    now = clock.now()
    # Two pairs start at the same moment: both sides break the tie the same way (by id).
    for days, kind, title in [
        (5, ActivityType.WELLNESS, "Promenad"), (5, ActivityType.STADIUM_VISIT, "Olympia"),
        (12, ActivityType.WELLNESS, "Yoga"), (-3, ActivityType.ASSOCIATION_ACTIVITY, "Förening"),
        (-3, ActivityType.WELLNESS, "Simning"), (-20, ActivityType.STADIUM_VISIT, "Match"),
    ]:
        start = now + dt.timedelta(days=days)
        make.session.add(Activity(type=kind, title=title, starts_at=start, ends_at=start + dt.timedelta(hours=2)))
    make.session.commit()


@pytest.mark.parametrize(
    "filters",
    [{}, {"when": "past"}, {"type": "wellness"}, {"type": "stadium_visit", "when": "past"}],
    ids=_named,
)
def test_the_activity_page_and_the_api_give_the_same_activities(
    app, api, client, auth, tokens, activities, filters: dict[str, str]
) -> None:
    leader = auth.login("project_leader")
    on_page = _on_page(app, client, "/aktiviteter", filters, ("activities.show", "activity_id"))
    assert on_page == _in_api(api, "/api/v1/activities", tokens.headers(leader)[1], filters) and on_page


# --- the candidate bank ----------------------------------------------------------------------
class BankWorld:
    """Two units' clients in several referral statuses, levels and interests; one has visited
    a workplace, one is still a draft (its officer's work, not yet the project leader's)."""

    def __init__(self, make: Factory):
        self.officer_a = make.user("welfare_officer")
        officer_b = make.user("welfare_officer")
        rows = [
            (self.officer_a, "Ali", "Berg", ReferralStatus.SUBMITTED, 2, ["it"]),
            (self.officer_a, "Alma", "Alm", ReferralStatus.ACTIVE, 5, ["hospitality"]),
            (self.officer_a, "Dana", "Dahl", ReferralStatus.DRAFT, 4, ["it"]),
            (officer_b, "Alinda", "Cedar", ReferralStatus.ACTIVE, 3, ["it", "sales"]),
            (officer_b, "Erik", "Ek", ReferralStatus.RETURNED, 1, ["crafts"]),
        ]
        self.candidates = [
            make.candidate(referred_by=officer, first_name=first, last_name=last, status=status,
                           swedish_level=level, interests=interests)
            for officer, first, last, status, level, interests in rows
        ]
        make.visit(self.candidates[1], status=VisitStatus.COMPLETED, actual_hours=6,
                   day=clock.local_today() - dt.timedelta(days=7))
        make.session.commit()


@pytest.fixture
def bank_world(make) -> BankWorld:
    return BankWorld(make)


@pytest.mark.parametrize("who", ["project_leader", "officer_a"])
@pytest.mark.parametrize(
    "on_page, in_api",
    [
        ({}, {}),
        ({"q": "ali"}, {"q": "ali"}),
        ({"status": "active"}, {"status": "active"}),
        ({"sort": "name"}, {"sort": "name"}),
        ({"sort": "-level", "level_min": "2"}, {"sort": "-level", "level_min": 2}),
        ({"interests": "it"}, {"interests": "it"}),
        ({"visited": "yes"}, {"visited": "true"}),
        ({"visited": "no", "sort": "referred"}, {"visited": "false", "sort": "referred"}),
    ],
    ids=_named,
)
def test_the_bank_page_and_the_api_give_the_same_candidates(
    app, api, client, auth, tokens, bank_world, who: str, on_page: dict[str, str], in_api: dict[str, Any]
) -> None:
    """A project leader searches every unit's submitted clients, an officer the own unit's
    (drafts included): the page and the API agree row for row, in order."""
    user = auth.login(getattr(bank_world, who, who))
    page_ids = _on_page(app, client, "/kandidater/", on_page, ("candidates.candidate", "candidate_id"))
    assert page_ids == _in_api(api, "/api/v1/candidates", tokens.headers(user)[1], in_api) and page_ids


@pytest.mark.parametrize(
    "who, expected",
    [("project_leader", ["Ali", "Alma", "Alinda", "Erik"]), ("officer_a", ["Ali", "Alma", "Dana"])],
)
def test_each_role_s_bank_is_its_scope(api, tokens, bank_world, who: str, expected: list[str]) -> None:
    user = getattr(bank_world, who, who)
    items = _api_items(api, "/api/v1/candidates", tokens.headers(user)[1], {"sort": "name"})
    assert sorted(c["first_name"] for c in items) == sorted(expected)
