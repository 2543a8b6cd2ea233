"""The API's conventions, whatever the resource: tokens, the error format, JSON-only bodies,
paging, ETags, rate limits, CSRF and cookies, the OpenAPI document and its reference page."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
import sqlalchemy as sa

from models import ApiToken, AuditEvent, Company, clock
from web import create_app
from web.api import companies as api_companies
from web.api import init_api

from .conftest import test_config
from .factories import PASSWORD
from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support",)
ME = "/api/v1/me"


# --- authentication --------------------------------------------------------------------------
def test_a_token_acts_as_its_owner(api, tokens) -> None:
    user, headers = tokens.headers("welfare_officer")
    response = api.get(ME, headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {
        "id": user.id, "name": user.name, "email": user.email, "role": "welfare_officer",
        "organisation_id": user.organisation_id, "company_id": None,
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_without_a_token_the_answer_is_401_with_a_bearer_challenge(api) -> None:
    response = api.get(ME)
    body = assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert "Bearer" in body["detail"]


@pytest.mark.parametrize("header", ["Bearer iop_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "iop_x"])
def test_an_unknown_or_malformed_token_is_401(api, header) -> None:
    response = api.get(ME, headers={"Authorization": header})
    assert_problem(response, 401)
    assert "bearer" in response.headers["WWW-Authenticate"].lower()


def test_an_expired_token_stops_working(api, tokens, db) -> None:
    _user, headers = tokens.headers("project_leader", expires_days=1)
    assert api.get(ME, headers=headers).status_code == 200
    db.execute(sa.update(ApiToken).values(expires_at=clock.now() - dt.timedelta(seconds=1)))
    db.commit()
    response = api.get(ME, headers=headers)
    assert_problem(response, 401)
    assert re.search(r'error="?invalid_token', response.headers["WWW-Authenticate"])


def test_a_revoked_token_stops_working_at_once(api, tokens, db) -> None:
    _user, headers = tokens.headers("employer")
    assert api.get(ME, headers=headers).status_code == 200
    db.execute(sa.update(ApiToken).values(revoked_at=clock.now()))
    db.commit()
    assert_problem(api.get(ME, headers=headers), 401)


def test_a_deactivated_account_s_token_stops_working(api, tokens, db) -> None:
    user, headers = tokens.headers("steering")
    user.active = False
    db.commit()
    assert_problem(api.get(ME, headers=headers), 401)


def test_only_a_hash_of_the_token_is_stored_and_use_is_noted(api, tokens, db) -> None:
    _user, raw = tokens.issue("project_leader")
    row = db.scalars(sa.select(ApiToken)).one()
    assert row.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in (row.token_hash, row.name) and row.last_used_at is None
    api.get(ME, headers={"Authorization": f"Bearer {raw}"})
    db.expire_all()
    assert db.get(ApiToken, row.id).last_used_at is not None


def test_a_session_cookie_does_not_authenticate_api_calls(api, make) -> None:
    user = make.user("project_leader")
    make.session.commit()
    login = api.post("/login", data={"email": user.email, "password": PASSWORD})
    assert login.status_code == 302
    assert api.get("/api-nycklar").status_code == 200  # logged in for the web pages
    assert_problem(api.get(ME), 401)
    assert_problem(api.get("/api/v1/companies"), 401)


def test_with_cookie_and_token_the_token_decides_who_acts(api, make, tokens) -> None:
    leader = make.user("project_leader")
    make.session.commit()
    api.post("/login", data={"email": leader.email, "password": PASSWORD})
    officer, headers = tokens.headers("welfare_officer")
    assert api.get(ME, headers=headers).get_json()["id"] == officer.id


def test_api_calls_need_no_csrf_token(database_url, app, tokens) -> None:
    strict = create_app(test_config(database_url, WTF_CSRF_ENABLED=True))
    init_api(strict)
    _user, headers = tokens.headers("project_leader")
    body = {"name": "Utan CSRF AB", "org_number": "556036-0793", "size_class": "small", "network": "both"}
    response = strict.test_client().post("/api/v1/companies", json=body, headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    # ...while the web forms of that app still demand one.
    assert strict.test_client().post("/login", data={"email": "x@test.example", "password": "y"}).status_code == 400


# --- the error format and request rules ------------------------------------------------------
def test_unknown_api_path_is_a_problem_but_site_pages_keep_html(api, tokens) -> None:
    _user, headers = tokens.headers("project_leader")
    assert_problem(api.get("/api/v1/finns-inte", headers=headers), 404)
    page = api.get("/finns-inte")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Sidan finns inte" in page.get_data(as_text=True)


def test_wrong_method_is_405_with_allow(api, tokens) -> None:
    _user, headers = tokens.headers("project_leader")
    response = api.delete(ME, headers=headers)
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_invalid_input_is_422_with_errors_per_field(api, tokens) -> None:
    _user, headers = tokens.headers("project_leader")
    response = api.post("/api/v1/companies", json={"name": "", "size_class": "huge", "lat": 200}, headers=headers)
    body = assert_problem(response, 422)
    assert set(body["errors"]) >= {"org_number", "network", "size_class", "lat"}
    assert all(isinstance(m, list) and m for m in body["errors"].values())


def test_a_domain_rule_is_422_with_its_swedish_message_on_the_field(api, tokens, db) -> None:
    _user, headers = tokens.headers("project_leader")
    body = {"name": "Fel AB", "org_number": "556036-0794", "size_class": "small", "network": "both"}
    problem = assert_problem(api.post("/api/v1/companies", json=body, headers=headers), 422)
    assert "Organisationsnumret är inte giltigt" in problem["detail"]
    assert problem["errors"]["org_number"] == [problem["detail"]]
    assert db.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_unknown_fields_are_refused(api, tokens) -> None:
    _user, headers = tokens.headers("project_leader")
    body = {"name": "X AB", "org_number": "556036-0793", "size_class": "small", "network": "both", "admin": True}
    problem = assert_problem(api.post("/api/v1/companies", json=body, headers=headers), 422)
    assert "admin" in problem["errors"]


def test_a_body_that_is_not_json_is_415(api, tokens) -> None:
    _user, headers = tokens.headers("project_leader")
    response = api.post("/api/v1/companies", data="name=X", headers=headers,
                        content_type="application/x-www-form-urlencoded")
    assert_problem(response, 415)


def test_malformed_json_is_400(api, tokens) -> None:
    _user, headers = tokens.headers("project_leader")
    response = api.post("/api/v1/companies", data="{not json", headers=headers, content_type="application/json")
    assert_problem(response, 400)


def test_json_nested_thousands_deep_or_with_a_huge_number_is_400_not_500(api, tokens) -> None:
    """An outside tester got 500s: a 6 KB body of nested arrays (RecursionError in the parser)
    and an id of 5,001 digits (Python's limit on converting long integer strings)."""
    _user, headers = tokens.headers("project_leader")
    for body in ("[" * 3000 + "]" * 3000, '{"candidate_id": ' + "1" * 5001 + "}"):
        response = api.post("/api/v1/visits", data=body, headers=headers, content_type="application/json")
        assert assert_problem(response, 400)["detail"] == "Invalid JSON body."


def test_a_too_large_body_is_413(api, tokens) -> None:
    _user, headers = tokens.headers("project_leader")
    huge = {"name": "X", "notes": "x" * 300_000}
    assert_problem(api.post("/api/v1/companies", json=huge, headers=headers), 413)


def test_every_response_carries_the_request_id(api, tokens) -> None:
    _user, headers = tokens.headers("project_leader")
    ok = api.get(ME, headers={**headers, "X-Request-ID": "abc12345def"})
    assert ok.headers["X-Request-ID"] == "abc12345def"
    refused = api.get(ME, headers={"X-Request-ID": "zzz98765yyy"})
    assert refused.headers["X-Request-ID"] == "zzz98765yyy" == refused.get_json()["request_id"]


def test_a_refused_call_is_audited_and_an_allowed_change_too(api, tokens, db) -> None:
    user, headers = tokens.headers("steering")
    assert_problem(api.post("/api/v1/companies", json={}, headers=headers), 403)
    leader, leader_headers = tokens.headers("project_leader")
    body = {"name": "Loggat AB", "org_number": "556036-0793", "size_class": "small", "network": "both"}
    assert api.post("/api/v1/companies", json=body, headers=leader_headers).status_code == 201
    events = {e.action: e for e in db.scalars(sa.select(AuditEvent))}
    assert events["access_denied"].actor_id == user.id and events["access_denied"].success is False
    created = events["company_created"]
    assert created.actor_id == leader.id and created.details["via"] == "api"
    assert created.details["token_id"] is not None


# --- paging ----------------------------------------------------------------------------------
def test_lists_page_with_an_absolute_next_link_and_a_link_header(api, tokens, make) -> None:
    _user, headers = tokens.headers("project_leader")
    for n in range(5):
        make.company(name=f"Sidföretag {n} AB")
    make.session.commit()
    first = api.get("/api/v1/companies?per_page=2&network=hif_sponsor", headers=headers)
    body = first.get_json()
    assert body["total"] == 5 and body["page"] == 1 and len(body["items"]) == 2
    assert body["next"].startswith("http://localhost/api/v1/companies?")
    assert "page=2" in body["next"] and "network=hif_sponsor" in body["next"]
    assert f'<{body["next"]}>; rel="next"' in first.headers["Link"]
    names = [c["name"] for c in body["items"]]
    while body["next"]:
        body = api.get(body["next"], headers=headers).get_json()
        names += [c["name"] for c in body["items"]]
    assert names == [f"Sidföretag {n} AB" for n in range(5)]
    assert body["page"] == 3 and body["next"] is None


@pytest.mark.parametrize("query", ["per_page=101", "per_page=0", "page=0", "page=x"])
def test_paging_arguments_out_of_range_are_422(api, tokens, query) -> None:
    _user, headers = tokens.headers("project_leader")
    assert_problem(api.get(f"/api/v1/companies?{query}", headers=headers), 422)


def test_a_page_past_the_end_is_empty(api, tokens, make) -> None:
    _user, headers = tokens.headers("project_leader")
    make.company()
    make.session.commit()
    body = api.get("/api/v1/companies?page=9", headers=headers).get_json()
    assert body["items"] == [] and body["total"] == 1 and body["next"] is None


# --- ETags and lost updates ------------------------------------------------------------------
def test_updates_need_if_match_and_a_stale_one_is_refused(api, tokens, make, db) -> None:
    _user, headers = tokens.headers("project_leader")
    company = make.company(name="Före AB")
    make.session.commit()
    url = f"/api/v1/companies/{company.id}"
    etag = api.get(url, headers=headers).headers["ETag"]
    assert_problem(api.patch(url, json={"name": "Utan villkor AB"}, headers=headers), 428)

    first = api.patch(url, json={"name": "Först AB"}, headers={**headers, "If-Match": etag})
    assert first.status_code == 200 and first.get_json()["name"] == "Först AB"
    assert first.headers["ETag"] != etag
    # A second client still holding the old ETag loses nothing silently: 412.
    assert_problem(api.patch(url, json={"name": "Sen AB"}, headers={**headers, "If-Match": etag}), 412)
    db.expire_all()
    assert db.get(Company, company.id).name == "Först AB"
    again = api.patch(url, json={"city": "Helsingborg"}, headers={**headers, "If-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.get_json()["name"] == "Först AB"


def test_an_update_that_loses_a_race_after_its_if_match_passed_is_412(api, tokens, make, db, monkeypatch) -> None:
    """The ETag was current when checked, but someone else wrote before us: the precondition
    failed after all (412), as with a stale ETag."""
    _user, headers = tokens.headers("project_leader")
    company = make.company(name="Före AB")
    make.session.commit()
    url = f"/api/v1/companies/{company.id}"
    etag = api.get(url, headers=headers).headers["ETag"]
    update = api_companies.company_ops.update_company

    def someone_else_writes_first(session, target, data):  # type: ignore[no-untyped-def]
        db.execute(sa.update(Company).where(Company.id == target.id).values(version=Company.version + 1))
        db.commit()
        return update(session, target, data)

    monkeypatch.setattr(api_companies.company_ops, "update_company", someone_else_writes_first)
    assert_problem(api.patch(url, json={"name": "Sen AB"}, headers={**headers, "If-Match": etag}), 412)
    db.expire_all()
    assert db.get(Company, company.id).name == "Före AB"


def test_if_none_match_gives_304_until_the_row_changes(api, tokens, make) -> None:
    _user, headers = tokens.headers("project_leader")
    company = make.company()
    make.session.commit()
    url = f"/api/v1/companies/{company.id}"
    etag = api.get(url, headers=headers).headers["ETag"]
    cached = api.get(url, headers={**headers, "If-None-Match": etag})
    assert cached.status_code == 304 and cached.get_data() == b""
    api.patch(url, json={"city": "Höganäs"}, headers={**headers, "If-Match": etag})
    assert api.get(url, headers={**headers, "If-None-Match": etag}).status_code == 200


# --- rate limit ------------------------------------------------------------------------------
def test_each_token_has_its_own_rate_limit(database_url, app, tokens) -> None:
    limited = create_app(test_config(database_url, RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute",
                                     RATELIMIT_STORAGE_URI="memory://"))
    init_api(limited)
    client = limited.test_client()
    _a, first = tokens.headers("project_leader")
    _b, second = tokens.headers("project_leader")
    assert [client.get(ME, headers=first).status_code for _ in range(3)] == [200, 200, 200]
    refused = client.get(ME, headers=first)
    assert_problem(refused, 429)
    assert client.get(ME, headers=second).status_code == 200
    assert client.get("/api/v1/companies", headers=first).status_code == 429  # one budget for the whole API


def test_the_tokens_of_one_account_share_its_rate_limit(database_url, app, tokens) -> None:
    limited = create_app(test_config(database_url, RATELIMIT_ENABLED=True, API_RATE_LIMIT="3 per minute",
                                     API_ACCOUNT_RATE_LIMIT="4 per minute", RATELIMIT_STORAGE_URI="memory://"))
    client = limited.test_client()
    user, first = tokens.headers("project_leader")
    _same, second = tokens.headers(user)
    _other, someone_else = tokens.headers("project_leader")
    assert [client.get(ME, headers=h).status_code for h in (first, first, first, second)] == [200] * 4
    # The second token's second call, but the account's fifth: refused, as a problem document.
    problem = assert_problem(client.get(ME, headers=second), 429)
    assert "4 per 1 minute" in problem["detail"]
    assert client.get(ME, headers=someone_else).status_code == 200


# --- the OpenAPI document and the reference page ---------------------------------------------
def test_the_openapi_document_describes_the_api(api) -> None:
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"] == "3.0.3" and spec["info"]["version"] == "v1"
    scheme = spec["components"]["securitySchemes"]["bearerAuth"]
    assert scheme["type"] == "http" and scheme["scheme"] == "bearer"
    assert spec["security"] == [{"bearerAuth": []}]
    for path in ("/api/v1/candidates", "/api/v1/companies", "/api/v1/offers/{offer_id}",
                 "/api/v1/visits/{visit_id}/transitions", "/api/v1/activities/{activity_id}/attendance",
                 "/api/v1/offers/{offer_id}/recommendations", "/api/v1/candidates/{candidate_id}/recommendations",
                 "/api/v1/programmes/{programme_id}/report"):
        assert path in spec["paths"]
    problem = spec["components"]["responses"]["NOT_FOUND"]["content"]
    assert problem == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    patch = spec["paths"]["/api/v1/companies/{company_id}"]["patch"]
    assert {"412", "428"} <= set(patch["responses"]) and any(
        p == {"$ref": "#/components/parameters/IF_MATCH"} for p in patch["parameters"]
    )


def test_the_reference_page_lists_paths_parameters_and_schemas(api) -> None:
    response = api.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<h1>API-referens" in html
    assert "GET /api/v1/offers" in html and "POST /api/v1/visits/{visit_id}/transitions" in html
    assert 'id="schema-Company"' in html and "per_page" in html
    assert "<script" not in html and "cdn" not in html.lower()
    assert 'scope="col"' in html and "<caption>" in html


def test_the_spec_can_be_printed_from_the_command_line(api_app) -> None:
    result = api_app.test_cli_runner().invoke(args=["openapi", "print"])
    assert result.exit_code == 0 and '"/api/v1/offers"' in result.output


def _ids(spec: dict[str, Any]) -> list[str]:
    return [f"{m.upper()} {p}" for p, item in spec["paths"].items() for m in item if m != "parameters"]


def test_every_operation_documents_401_and_a_problem_default(api) -> None:
    spec = api.get("/api/v1/openapi.json").get_json()
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method == "parameters":
                continue
            assert "401" in op["responses"] and "default" in op["responses"], f"{method} {path}"
            assert op.get("summary"), f"{method} {path} has no summary"
    assert len(_ids(spec)) >= 12


def test_every_schema_in_the_reference_has_a_name_of_its_own(database_url) -> None:
    """Two schema classes with one name make apispec rename one behind our back (a client
    generated from the document would get `Meeting1`): building the document warns of none."""
    import warnings

    from web import create_app

    from .conftest import test_config

    with warnings.catch_warnings():
        warnings.filterwarnings("error", message="Multiple schemas resolved to the name")
        app = create_app(test_config(database_url))
        with app.test_request_context():
            spec = app.extensions["api"].spec.to_dict()
    assert spec["components"]["schemas"] and not any(name[-1:].isdigit() for name in spec["components"]["schemas"])
