"""Companies, offers and the programme report through the API, for every role: what each may
see and do, and that refusals are 403 for a role and 404 for what may not be seen."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from models import Company, Offer
from models.enums import VisitStatus

from .test_api_support import ROLES, assert_problem

pytest_plugins = ("tests.test_api_support",)
NEW_COMPANY = {"name": "Nytt Bageri AB", "org_number": "556036-0793", "size_class": "small", "network": "th_network"}
NEW_OFFER = {
    "title": "Bagare för en dag", "field": "hospitality", "window_start": "07:00:00", "window_end": "15:00:00",
    "hours": 6, "supervisor_name": "Berit Bagare", "supervisor_email": "berit@bageri.example",
}


class World:
    """Two companies with an offer each; the employer works at the first."""

    def __init__(self, make: Any, tokens: Any):
        self.company = make.company(name="Egna AB")
        self.other_company = make.company(name="Andra AB")
        self.offer = make.offer(self.company, title="Eget erbjudande")
        self.other_offer = make.offer(self.other_company, title="Annat erbjudande")
        self.employer = make.user("employer", company=self.company)
        make.session.commit()
        self.tokens = tokens

    def headers(self, role: str) -> dict[str, str]:
        who = self.employer if role == "employer" else role
        return self.tokens.headers(who)[1]


@pytest.fixture
def world(make, tokens) -> World:
    return World(make, tokens)


# --- who may use companies and offers at all -------------------------------------------------
@pytest.mark.parametrize("role", ["welfare_officer", "steering"])
@pytest.mark.parametrize(
    ("method", "url"),
    [("get", "/api/v1/companies"), ("get", "/api/v1/companies/{company}"), ("post", "/api/v1/companies"),
     ("patch", "/api/v1/companies/{company}"), ("get", "/api/v1/offers"), ("get", "/api/v1/offers/{offer}"),
     ("post", "/api/v1/offers"), ("patch", "/api/v1/offers/{offer}")],
)
def test_officers_and_steering_may_not_use_companies_or_offers(api, world, role, method, url) -> None:
    target = url.format(company=world.company.id, offer=world.offer.id)
    response = getattr(api, method)(target, json={}, headers={**world.headers(role), "If-Match": "*"})
    assert_problem(response, 403)


# --- companies -------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "names"), [
    ("project_leader", ["Andra AB", "Egna AB"]), ("admin", ["Andra AB", "Egna AB"]), ("employer", ["Egna AB"]),
])
def test_company_list_shows_what_the_role_may_see(api, world, role, names) -> None:
    body = api.get("/api/v1/companies", headers=world.headers(role)).get_json()
    assert [c["name"] for c in body["items"]] == names and body["total"] == len(names)


def test_an_employer_sees_its_own_company_but_not_the_notes(api, world, make) -> None:
    world.company.notes = "Intern anteckning"
    make.session.commit()
    own = api.get(f"/api/v1/companies/{world.company.id}", headers=world.headers("employer"))
    assert own.status_code == 200 and own.get_json()["name"] == "Egna AB" and "notes" not in own.get_json()
    leader = api.get(f"/api/v1/companies/{world.company.id}", headers=world.headers("project_leader"))
    assert leader.get_json()["notes"] == "Intern anteckning"


def test_another_company_is_404_for_an_employer_and_unknown_ids_too(api, world) -> None:
    headers = world.headers("employer")
    assert_problem(api.get(f"/api/v1/companies/{world.other_company.id}", headers=headers), 404)
    assert_problem(api.get("/api/v1/companies/999999", headers=world.headers("project_leader")), 404)


@pytest.mark.parametrize("role", ["project_leader", "admin"])
def test_network_managers_register_and_change_companies(api, world, db, role) -> None:
    headers = world.headers(role)
    created = api.post("/api/v1/companies", json=NEW_COMPANY, headers=headers)
    assert created.status_code == 201, created.get_json()
    company = created.get_json()
    assert company["status"] == "prospect" and created.headers["Location"].endswith(f"/companies/{company['id']}")
    etag = api.get(f"/api/v1/companies/{company['id']}", headers=headers).headers["ETag"]
    changed = api.patch(f"/api/v1/companies/{company['id']}", json={"status": "active", "postcode": "25221"},
                        headers={**headers, "If-Match": etag})
    assert changed.status_code == 200 and changed.get_json()["postcode"] == "252 21"
    assert db.get(Company, company["id"]).status.value == "active"


def test_an_employer_may_not_register_or_change_companies(api, world) -> None:
    headers = world.headers("employer")
    assert_problem(api.post("/api/v1/companies", json=NEW_COMPANY, headers=headers), 403)
    url = f"/api/v1/companies/{world.company.id}"
    assert_problem(api.patch(url, json={"name": "Mitt AB"}, headers={**headers, "If-Match": "*"}), 403)


def test_a_duplicate_org_number_is_422_on_that_field(api, world) -> None:
    headers = world.headers("project_leader")
    body = {**NEW_COMPANY, "org_number": world.company.org_number}
    problem = assert_problem(api.post("/api/v1/companies", json=body, headers=headers), 422)
    assert "org_number" in problem["errors"]


def test_company_filters(api, world) -> None:
    headers = world.headers("project_leader")
    assert [c["name"] for c in api.get("/api/v1/companies?q=egna", headers=headers).get_json()["items"]] == ["Egna AB"]
    digits = world.other_company.org_number.replace("-", "")
    by_number = api.get(f"/api/v1/companies?q={digits}", headers=headers).get_json()["items"]
    assert [c["name"] for c in by_number] == ["Andra AB"]
    assert api.get("/api/v1/companies?status=left", headers=headers).get_json()["total"] == 0


# --- offers ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "titles"), [
    ("project_leader", ["Annat erbjudande", "Eget erbjudande"]), ("admin", ["Annat erbjudande", "Eget erbjudande"]),
    ("employer", ["Eget erbjudande"]),
])
def test_offer_list_shows_what_the_role_may_see(api, world, role, titles) -> None:
    body = api.get("/api/v1/offers", headers=world.headers(role)).get_json()
    assert [o["title"] for o in body["items"]] == titles


def test_offer_filters(api, world, make) -> None:
    make.offer(world.company, title="IT-jobb", field="it", active=False)
    make.session.commit()
    headers = world.headers("project_leader")
    it = api.get("/api/v1/offers?field=it&field=sales", headers=headers).get_json()["items"]
    assert [o["title"] for o in it] == ["IT-jobb"]
    active = api.get(f"/api/v1/offers?active=true&company_id={world.company.id}", headers=headers).get_json()
    assert [o["title"] for o in active["items"]] == ["Eget erbjudande"]


def test_an_employer_gets_its_own_offer_and_404_for_another_company_s(api, world) -> None:
    headers = world.headers("employer")
    own = api.get(f"/api/v1/offers/{world.offer.id}", headers=headers)
    assert own.status_code == 200 and own.get_json()["title"] == "Eget erbjudande" and own.headers["ETag"]
    assert_problem(api.get(f"/api/v1/offers/{world.other_offer.id}", headers=headers), 404)
    patch = api.patch(f"/api/v1/offers/{world.other_offer.id}", json={"title": "Kapad"},
                      headers={**headers, "If-Match": "*"})
    assert_problem(patch, 404)


def test_an_employer_adds_an_offer_to_its_own_company_only(api, world, db) -> None:
    headers = world.headers("employer")
    created = api.post("/api/v1/offers", json=NEW_OFFER, headers=headers)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["company_id"] == world.company.id
    foreign = api.post("/api/v1/offers", json={**NEW_OFFER, "company_id": world.other_company.id}, headers=headers)
    assert assert_problem(foreign, 422)["errors"] == {"company_id": ["No such company."]}
    others = sa.select(sa.func.count()).select_from(Offer).where(Offer.company_id == world.other_company.id)
    assert db.scalar(others) == 1


@pytest.mark.parametrize("role", ["project_leader", "admin"])
def test_network_managers_add_offers_to_any_company(api, world, role) -> None:
    headers = world.headers(role)
    assert_problem(api.post("/api/v1/offers", json=NEW_OFFER, headers=headers), 422)  # which company?
    created = api.post("/api/v1/offers", json={**NEW_OFFER, "company_id": world.other_company.id}, headers=headers)
    assert created.status_code == 201 and created.get_json()["company_id"] == world.other_company.id


def test_offer_rules_come_back_as_422_on_the_field(api, world) -> None:
    headers = world.headers("employer")
    problem = assert_problem(api.post("/api/v1/offers", json={**NEW_OFFER, "hours": 9}, headers=headers), 422)
    assert "4–8 timmar" in problem["errors"]["hours"][0]
    window = {**NEW_OFFER, "window_start": "10:00:00", "window_end": "12:00:00"}
    assert "window_end" in assert_problem(api.post("/api/v1/offers", json=window, headers=headers), 422)["errors"]


@pytest.mark.parametrize("role", ["project_leader", "admin", "employer"])
def test_an_offer_is_paused_with_if_match(api, world, db, role) -> None:
    headers = world.headers(role)
    url = f"/api/v1/offers/{world.offer.id}"
    etag = api.get(url, headers=headers).headers["ETag"]
    paused = api.patch(url, json={"active": False}, headers={**headers, "If-Match": etag})
    assert paused.status_code == 200 and paused.get_json()["active"] is False
    assert paused.get_json()["title"] == "Eget erbjudande"  # the rest is kept
    db.expire_all()
    assert db.get(Offer, world.offer.id).active is False
    assert_problem(api.patch(url, json={"active": True}, headers={**headers, "If-Match": etag}), 412)


# --- the programme report --------------------------------------------------------------------
@pytest.fixture
def programme_with_a_visit(make) -> Any:
    programme = make.programme(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2027, 12, 31))
    visit = make.visit(day=dt.date(2025, 2, 12), status=VisitStatus.COMPLETED, actual_hours=5)
    visit.events[-1].to_status = VisitStatus.COMPLETED
    make.session.commit()
    return programme


@pytest.mark.parametrize("role", ["steering", "project_leader", "admin"])
def test_the_quarterly_report_as_json(api, tokens, programme_with_a_visit, role) -> None:
    _user, headers = tokens.headers(role)
    response = api.get(f"/api/v1/programmes/{programme_with_a_visit.id}/report", headers=headers)
    assert response.status_code == 200, response.get_json()
    report = response.get_json()
    quarters = {q["quarter"]: q for q in report["quarters"]}
    assert list(quarters)[:2] == ["2025-Q1", "2025-Q2"] and len(quarters) == 12
    assert quarters["2025-Q1"]["new_persons"] == 1 and quarters["2025-Q1"]["visits_completed"] == 1
    assert quarters["2025-Q2"]["cumulative_persons"] == 1 and quarters["2025-Q2"]["new_persons"] == 0
    assert quarters["2027-Q4"]["target_to_date"] == 350
    assert report["programme"]["id"] == programme_with_a_visit.id and report["totals"]["persons"] == 1
    # The questionnaire method's figures per questionnaire: nothing sent yet, so no response rate.
    response_figures = report["totals"]["survey_response"]["workplace_participant"]
    assert response_figures["invitations_sent"] == 0 and response_figures["response_rate"] is None
    assert set(report["totals"]["survey_pairs_by_target_group"]) >= {"workplace_participant"}
    assert response.headers["ETag"]
    listed = api.get("/api/v1/programmes", headers=headers).get_json()
    assert [p["name"] for p in listed["items"]] == ["Testprogram"]


@pytest.mark.parametrize("role", ["welfare_officer", "employer"])
def test_the_report_is_refused_to_officers_and_employers(api, tokens, programme_with_a_visit, role) -> None:
    _user, headers = tokens.headers(role)
    assert_problem(api.get(f"/api/v1/programmes/{programme_with_a_visit.id}/report", headers=headers), 403)
    assert_problem(api.get("/api/v1/programmes", headers=headers), 403)


def test_programmes_are_listed_and_an_unknown_one_is_404(api, tokens, programme_with_a_visit) -> None:
    _user, headers = tokens.headers("steering")
    listed = api.get("/api/v1/programmes", headers=headers).get_json()
    assert [p["id"] for p in listed["items"]] == [programme_with_a_visit.id]
    assert_problem(api.get("/api/v1/programmes/99999/report", headers=headers), 404)


# --- me, for every role ----------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_role_may_ask_who_it_is(api, tokens, role) -> None:
    _user, headers = tokens.headers(role)
    assert api.get("/api/v1/me", headers=headers).get_json()["role"] == role

