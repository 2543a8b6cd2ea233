"""Recommendations through the API: project leaders get the same ranked lists as on the offer
and candidate pages, each logged as shown; every other role is refused."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from models import Exposure, clock
from models.enums import ReferralStatus

from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support",)


@pytest.fixture
def pool(make):
    offer = make.offer(field="hospitality", min_swedish_level=1)
    keen = make.candidate(first_name="Kocken", interests=["hospitality"], swedish_level=4)
    other = make.candidate(first_name="Kodaren", interests=["it"], swedish_level=4)
    make.session.commit()
    return offer, keen, other


def test_candidates_for_an_offer_best_first_and_logged(api, tokens, pool, db) -> None:
    offer, keen, other = pool
    leader, headers = tokens.headers("project_leader")
    response = api.get(f"/api/v1/offers/{offer.id}/recommendations?limit=5", headers=headers)
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert [i["candidate_id"] for i in body["items"]] == [keen.id, other.id]
    assert body["items"][0]["score"] >= body["items"][1]["score"] and body["items"][0]["reasons"]
    assert body["items"][0]["first_name"] == "Kocken" and body["day"] and body["ranked"] == 2
    exposure = db.get(Exposure, body["exposure_id"])
    assert exposure.user_id == leader.id and exposure.context == "offer" and exposure.context_id == offer.id
    assert [entry[0] for entry in exposure.ranked] == [keen.id, other.id]


def test_the_limit_is_kept_and_bounded(api, tokens, pool) -> None:
    offer, _keen, _other = pool
    _user, headers = tokens.headers("project_leader")
    assert len(api.get(f"/api/v1/offers/{offer.id}/recommendations?limit=1", headers=headers).get_json()["items"]) == 1
    assert "limit" in assert_problem(api.get(f"/api/v1/offers/{offer.id}/recommendations?limit=500",
                                             headers=headers), 422)["errors"]


def test_offers_for_a_candidate(api, tokens, pool, make, db) -> None:
    offer, keen, _other = pool
    make.offer(field="it", title="IT-support")
    make.session.commit()
    _user, headers = tokens.headers("project_leader")
    body = api.get(f"/api/v1/candidates/{keen.id}/recommendations", headers=headers).get_json()
    assert body["items"][0]["offer_id"] == offer.id and body["items"][0]["company_name"]
    assert body["items"][0]["places_left"] is not None
    assert db.get(Exposure, body["exposure_id"]).context == "candidate"


def test_a_candidate_without_consent_is_not_recommended(api, tokens, pool, make) -> None:
    offer, keen, other = pool
    for consent in other.consents:
        consent.withdrawn_at = clock.now()
    make.session.commit()
    _user, headers = tokens.headers("project_leader")
    body = api.get(f"/api/v1/offers/{offer.id}/recommendations", headers=headers).get_json()
    assert [i["candidate_id"] for i in body["items"]] == [keen.id]
    refused = api.get(f"/api/v1/candidates/{other.id}/recommendations", headers=headers).get_json()
    assert refused["items"] == [] and refused["empty"] and refused["problems"]


def test_unknown_and_unseen_targets_are_404(api, tokens, make, db) -> None:
    draft = make.candidate(status=ReferralStatus.DRAFT, consent=False)
    make.session.commit()
    _user, headers = tokens.headers("project_leader")
    assert_problem(api.get("/api/v1/offers/999999/recommendations", headers=headers), 404)
    assert_problem(api.get(f"/api/v1/candidates/{draft.id}/recommendations", headers=headers), 404)
    assert db.scalar(sa.select(sa.func.count()).select_from(Exposure)) == 0


@pytest.mark.parametrize("role", ["welfare_officer", "employer", "steering", "admin"])
def test_only_project_leaders_get_recommendations(api, tokens, pool, role, db) -> None:
    offer, keen, _other = pool
    _user, headers = tokens.headers(role)
    assert_problem(api.get(f"/api/v1/offers/{offer.id}/recommendations", headers=headers), 403)
    assert_problem(api.get(f"/api/v1/candidates/{keen.id}/recommendations", headers=headers), 403)
    assert db.scalar(sa.select(sa.func.count()).select_from(Exposure)) == 0


def test_reasons_and_considerations_apart_and_documented(api, tokens, pool) -> None:
    """#23: a shortcoming is a consideration, never a reason, in the API as on the pages."""
    offer, keen, other = pool
    _, headers = tokens.headers("project_leader")
    body = api.get(f"/api/v1/offers/{offer.id}/recommendations", headers=headers).get_json()
    cook = next(i for i in body["items"] if i["candidate_id"] == keen.id)
    coder = next(i for i in body["items"] if i["candidate_id"] == other.id)
    assert "Intresse: Hotell, restaurang, storhushåll" in cook["reasons"]
    assert "Inget uttalat intresse för Hotell, restaurang, storhushåll" in coder["considerations"]
    assert not any(r.startswith("Inget") for r in coder["reasons"])

    schemas = api.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    for name in ("CandidateRecommendation", "OfferRecommendation"):
        assert {"reasons", "considerations"} <= set(schemas[name]["required"]), name
        assert "Att tänka på" in schemas[name]["properties"]["considerations"]["description"]
