"""Ids no row can have: a number too large for an INTEGER column (PostgreSQL from 2**31, SQLite
from 2**63) in a URL or a query string is "not found", never a database error (500)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from werkzeug.routing import IntegerConverter

from models.db import MAX_ID, optional_id, parse_id
from models.enums import Role
from web import create_app

from .logins import log_in_as
from .test_api_support import Tokens

pytest_plugins = ("tests.test_api_support",)

TOO_LARGE = (str(MAX_ID + 1), "99999999999999999999")


def _rules_with_ids() -> list[Any]:
    app = create_app({"DATABASE_URL": "sqlite://", "RATELIMIT_ENABLED": False})
    rules = app.url_map.iter_rules()
    with_ids = [r for r in rules if any(isinstance(c, IntegerConverter) for c in r._converters.values())]
    return sorted(with_ids, key=lambda r: (r.rule, r.endpoint))


def _url(rule: Any, number: str) -> str:
    """The rule's path with `number` for every id and a plain word for any other part."""

    def part(match: re.Match[str]) -> str:
        return number if isinstance(rule._converters[match.group(1)], IntegerConverter) else "x"

    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", part, rule.rule)


RULES = _rules_with_ids()


@pytest.mark.parametrize("rule", RULES, ids=[f"{r.endpoint}:{r.rule}" for r in RULES])
def test_every_route_answers_404_for_an_id_too_large_for_the_database(api_app, app, make, vault, rule) -> None:
    """Each route as a role that may use it (the check that could refuse comes after the lookup
    in some views), with every method it takes."""
    client = api_app.test_client()
    headers: dict[str, str] = {}
    if rule.endpoint.startswith("api_"):
        headers = Tokens(make).headers(Role.PROJECT_LEADER)[1]
    else:
        area = rule.endpoint.split(".")[0]
        log_in_as(client, make, vault, {"admin": Role.ADMIN, "employer": Role.EMPLOYER}.get(area, Role.PROJECT_LEADER))
    answers = {
        (method, number): client.open(_url(rule, number), method=method, headers=headers, json={}).status_code
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
        for number in TOO_LARGE
    }
    assert answers == dict.fromkeys(answers, 404)


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("path", ["/uppfoljning/", "/uppfoljning/export.csv", "/uppfoljning/export.xlsx"])
def test_the_report_of_a_programme_id_too_large_is_not_found(client, make, vault, path, number) -> None:
    log_in_as(client, make, vault, Role.PROJECT_LEADER)
    assert client.get(path, query_string={"programme": number}).status_code == 404


@pytest.mark.parametrize("number", TOO_LARGE)
@pytest.mark.parametrize("path", ["/admin/logg", "/admin/logg/export.csv"])
def test_the_audit_log_filtered_by_an_account_id_too_large_finds_nothing(client, make, vault, path, number) -> None:
    admin = log_in_as(client, make, vault, Role.ADMIN)
    response = client.get(path, query_string={"actor": number})
    assert response.status_code == 200
    assert admin.email not in response.get_data(as_text=True)  # its own login is not among the events
    assert client.get(path, query_string={"actor": str(admin.id)}).get_data(as_text=True).count(admin.email) >= 1


@pytest.mark.parametrize("number", TOO_LARGE)
def test_the_audit_log_refuses_a_record_id_too_large(client, make, vault, number) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    response = client.get("/admin/logg", query_string={"target_id": number})
    assert response.status_code == 422
    assert "Ingen post har så högt id." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", 1), (str(MAX_ID), MAX_ID), (7, 7), ("0", None), (str(MAX_ID + 1), None), ("9" * 20, None), ("-1", None),
        (" 1", None), ("1_0", None), ("²", None), ("", None), (None, None), (True, None), ("1" * 5000, None),
    ],
)
def test_parse_id_takes_only_what_an_id_column_holds(text, expected) -> None:
    assert optional_id(text) == expected
    if expected is None:
        with pytest.raises(ValueError):
            parse_id(text)
