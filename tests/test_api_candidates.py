"""The candidate bank through the API: officers refer (draft without consent) and see their own
unit's clients, project leaders see the bank; employers, steering and admins are refused; the
identity number is never shown in full; edits need If-Match."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import sqlalchemy as sa

from models import AuditEvent, Candidate, Referral, clock
from models.enums import ReferralStatus

from .factories import personnummer
from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support",)

PIN = personnummer(dt.date(1991, 4, 12), 345)


def referral_body(**changes: Any) -> dict[str, Any]:
    return {
        "first_name": "Amina", "last_name": "Testsson", "pin": PIN, "target_group": "newcomer",
        "swedish_level": 2, "languages": ["ar", "en"], "interests": ["hospitality", "sales"],
        "weekdays": ["mon", "wed"], "reason": "Vill pröva restaurangyrket",
        "consent": {"given_on": clock.local_today().isoformat(), "method": "written"}, **changes,
    }


class World:
    def __init__(self, make: Any, tokens: Any, vault: Any):
        self.tokens = tokens
        self.officer_a = make.user("welfare_officer")
        self.officer_b = make.user("welfare_officer")
        self.candidate_a = make.candidate(referred_by=self.officer_a, first_name="Anna", last_name="Ek", vault=vault)
        self.candidate_b = make.candidate(referred_by=self.officer_b, first_name="Bodil", vault=vault)
        self.draft = make.candidate(referred_by=self.officer_a, first_name="Dora", status=ReferralStatus.DRAFT,
                                    consent=False, vault=vault)
        make.session.commit()

    def headers(self, who: Any) -> dict[str, str]:
        user = {"officer_a": self.officer_a, "officer_b": self.officer_b}.get(who, who)
        return self.tokens.headers(user)[1]


@pytest.fixture
def world(make, tokens, vault) -> World:
    return World(make, tokens, vault)


# --- who may use the bank --------------------------------------------------------------------
@pytest.mark.parametrize("role", ["employer", "steering", "admin", "selection_partner"])
def test_employers_steering_and_admins_are_refused_everywhere(api, world, role) -> None:
    headers = {**world.headers(role), "If-Match": "*"}
    url = f"/api/v1/candidates/{world.candidate_a.id}"
    assert_problem(api.get("/api/v1/candidates", headers=headers), 403)
    assert_problem(api.get(url, headers=headers), 403)
    assert_problem(api.post("/api/v1/candidates", json=referral_body(), headers=headers), 403)
    assert_problem(api.patch(url, json={"area": "Norr"}, headers=headers), 403)


def test_a_project_leader_sees_the_bank_but_not_unsent_drafts(api, world) -> None:
    headers = world.headers("project_leader")
    names = {c["first_name"] for c in api.get("/api/v1/candidates", headers=headers).get_json()["items"]}
    assert names == {"Anna", "Bodil"}
    assert_problem(api.get(f"/api/v1/candidates/{world.draft.id}", headers=headers), 404)


def test_an_officer_sees_the_own_unit_s_clients_only(api, world) -> None:
    headers = world.headers("officer_a")
    names = {c["first_name"] for c in api.get("/api/v1/candidates", headers=headers).get_json()["items"]}
    assert names == {"Anna", "Dora"}
    assert api.get(f"/api/v1/candidates/{world.draft.id}", headers=headers).status_code == 200
    assert_problem(api.get(f"/api/v1/candidates/{world.candidate_b.id}", headers=headers), 404)


def test_a_candidate_shows_a_masked_number_and_reading_is_logged(api, world, db, vault) -> None:
    headers = world.headers("officer_a")
    response = api.get(f"/api/v1/candidates/{world.candidate_a.id}", headers=headers)
    body = response.get_json()
    full = vault.decrypt(db.get(Candidate, world.candidate_a.id).pin_encrypted)
    assert body["pin_masked"].endswith("-XXXX") and full not in response.get_data(as_text=True)
    assert body["consent"]["method"] == "written" and body["referrals"][0]["status"] == "active"
    assert response.headers["ETag"]
    event = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "candidate_viewed")).one()
    assert event.target_id == world.candidate_a.id and event.details["via"] == "api"


def test_the_bank_search_filters(api, world, make) -> None:
    make.candidate(referred_by=world.officer_a, first_name="Erik", interests=["it"], swedish_level=6)
    make.session.commit()
    headers = world.headers("officer_a")
    found = api.get("/api/v1/candidates?interests=it&level_min=5", headers=headers).get_json()
    assert [c["first_name"] for c in found["items"]] == ["Erik"]
    drafts = api.get("/api/v1/candidates?status=draft", headers=headers).get_json()
    assert [c["first_name"] for c in drafts["items"]] == ["Dora"]
    assert api.get("/api/v1/candidates?q=Anna", headers=headers).get_json()["total"] == 1
    assert_problem(api.get("/api/v1/candidates?sort=random", headers=headers), 422)


# --- referring -------------------------------------------------------------------------------
def test_an_officer_refers_a_client_with_consent(api, world, db) -> None:
    response = api.post("/api/v1/candidates", json=referral_body(), headers=world.headers("officer_a"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["first_name"] == "Amina" and body["pin_masked"] == f"{PIN[:8]}-XXXX"
    assert [r["status"] for r in body["referrals"]] == ["submitted"]
    assert response.headers["Location"].endswith(f"/api/v1/candidates/{body['id']}")
    referral = db.scalars(sa.select(Referral).where(Referral.candidate_id == body["id"])).one()
    assert referral.referred_by_id == world.officer_a.id and referral.unit_id == world.officer_a.organisation_id


def test_an_officer_tells_whether_the_client_receives_economic_assistance(api, world, db) -> None:
    response = api.post("/api/v1/candidates", json=referral_body(economic_assistance=True),
                        headers=world.headers("officer_a"))
    assert response.status_code == 201, response.get_json()
    assert [r["economic_assistance"] for r in response.get_json()["referrals"]] == [True]
    assert db.scalars(sa.select(Referral).where(Referral.candidate_id == response.get_json()["id"])).one(
    ).economic_assistance is True


def test_without_consent_the_referral_stays_a_draft(api, world) -> None:
    body = referral_body(consent=None)
    response = api.post("/api/v1/candidates", json=body, headers=world.headers("officer_a"))
    assert response.status_code == 201
    assert response.get_json()["consent"] is None
    assert [r["status"] for r in response.get_json()["referrals"]] == ["draft"]


def test_project_leaders_do_not_refer(api, world) -> None:
    assert_problem(api.post("/api/v1/candidates", json=referral_body(), headers=world.headers("project_leader")), 403)


def test_referral_rules_come_back_per_field(api, world, db) -> None:
    headers = world.headers("officer_a")
    body = referral_body(pin="19910412-0000", first_name="R2D2")
    problem = assert_problem(api.post("/api/v1/candidates", json=body, headers=headers), 422)
    assert set(problem["errors"]) == {"pin", "first_name"}
    assert "personnummer" in problem["errors"]["pin"][0]
    typed = assert_problem(api.post("/api/v1/candidates", json=referral_body(swedish_level=9), headers=headers), 422)
    assert "swedish_level" in typed["errors"]
    assert db.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 3


def test_consent_problems_are_named_under_consent(api, world) -> None:
    future = (clock.local_today() + dt.timedelta(days=3)).isoformat()
    body = referral_body(consent={"given_on": future, "method": "written"})
    problem = assert_problem(api.post("/api/v1/candidates", json=body, headers=world.headers("officer_a")), 422)
    assert list(problem["errors"]) == ["consent.given_on"]


def test_a_person_already_in_the_bank_is_a_conflict(api, world, db, vault) -> None:
    headers = world.headers("officer_b")
    assert api.post("/api/v1/candidates", json=referral_body(), headers=headers).status_code == 201
    again = api.post("/api/v1/candidates", json=referral_body(), headers=world.headers("officer_a"))
    problem = assert_problem(again, 409)
    assert "finns redan" in problem["detail"]
    attached = api.post("/api/v1/candidates", json=referral_body(attach=True), headers=world.headers("officer_a"))
    assert attached.status_code == 201
    assert db.scalar(sa.select(sa.func.count()).select_from(Candidate).where(Candidate.first_name == "Amina")) == 1


# --- editing ---------------------------------------------------------------------------------
@pytest.mark.parametrize("who", ["officer_a", "project_leader"])
def test_a_candidate_is_edited_with_if_match(api, world, db, who) -> None:
    headers = world.headers(who)
    url = f"/api/v1/candidates/{world.candidate_a.id}"
    assert_problem(api.patch(url, json={"area": "Norr"}, headers=headers), 428)
    etag = api.get(url, headers=headers).headers["ETag"]
    changed = api.patch(url, json={"area": "Norr", "swedish_level": 4}, headers={**headers, "If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    assert changed.get_json()["area"] == "Norr" and changed.get_json()["first_name"] == "Anna"
    assert_problem(api.patch(url, json={"area": "Söder"}, headers={**headers, "If-Match": etag}), 412)
    db.expire_all()
    assert db.get(Candidate, world.candidate_a.id).swedish_level == 4


def test_an_officer_may_not_edit_another_unit_s_client(api, world) -> None:
    url = f"/api/v1/candidates/{world.candidate_b.id}"
    assert_problem(api.patch(url, json={"area": "Norr"}, headers={**world.headers("officer_a"), "If-Match": "*"}), 404)


def test_an_edit_breaking_a_rule_saves_nothing(api, world, db) -> None:
    headers = world.headers("officer_a")
    url = f"/api/v1/candidates/{world.candidate_a.id}"
    etag = api.get(url, headers=headers).headers["ETag"]
    bad = api.patch(url, json={"interests": [], "area": "Norr"}, headers={**headers, "If-Match": etag})
    assert "interests" in assert_problem(bad, 422)["errors"]
    db.expire_all()
    assert db.get(Candidate, world.candidate_a.id).area == "Centrum"


def test_what_the_workplace_is_told_is_set_apart_from_the_internal_notes(api, world, db) -> None:
    """`adjustments` and `to_workplace` are written for the company; `needs_other` stays internal.
    A change of anything else keeps all three as they are."""
    headers = world.headers("officer_a")
    body = referral_body(pin=personnummer(dt.date(1992, 6, 1), 77), adjustments=["breaks", "interpreter"],
                         to_workplace="Vill gärna prova kassan", needs_other="Intern anteckning")
    created = api.post("/api/v1/candidates", json=body, headers=headers)
    assert created.status_code == 201, created.get_json()
    shown = created.get_json()
    assert shown["adjustments"] == ["interpreter", "breaks"] and shown["to_workplace"] == "Vill gärna prova kassan"
    assert shown["needs_other"] == "Intern anteckning"
    url = created.headers["Location"]
    etag = api.get(url, headers=headers).headers["ETag"]
    changed = api.patch(url, json={"area": "Norr"}, headers={**headers, "If-Match": etag})
    assert changed.status_code == 200, changed.get_json()
    candidate = db.get(Candidate, shown["id"])
    assert (candidate.adjustments, candidate.to_workplace, candidate.needs_other) == (
        ["interpreter", "breaks"], "Vill gärna prova kassan", "Intern anteckning"
    )
    bad = api.post("/api/v1/candidates", json=referral_body(adjustments=["therapy"]), headers=headers)
    assert "adjustments.0" in assert_problem(bad, 422)["errors"]
