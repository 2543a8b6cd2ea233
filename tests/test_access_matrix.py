"""Every route × every role, against the expectation table in tests/access_matrix.py.

A route that has no entry fails `test_every_route_is_in_the_matrix`, so a new page cannot ship
without someone deciding who may open it."""

from __future__ import annotations

from typing import Any

import pytest
from flask import url_for

from .access_matrix import ANONYMOUS, EXPECTED, LINKS, PANELS, ROLES, Link
from .logins import log_in_as


def _roles_to_try(endpoint: str) -> list[str]:
    """Every role for a page; for a form action only the roles that must be refused (so the
    walk never changes anything)."""
    route = EXPECTED[endpoint]
    return [role for role in ROLES if route.method == "GET" or role not in route.allowed]


def _goes_to_login(response: Any) -> bool:
    return response.status_code in (301, 302, 303, 307, 308) and "/login" in response.headers.get("Location", "")


def _allowed(response: Any) -> bool:
    return 200 <= response.status_code < 300 or (300 <= response.status_code < 400 and not _goes_to_login(response))


def _refused(response: Any, role: str, path: str) -> bool:
    if path.startswith("/api/"):
        return response.status_code in (401, 403, 404)
    if role == ANONYMOUS:
        return _goes_to_login(response) or response.status_code == 401
    return response.status_code == 403


def test_every_route_is_in_the_matrix(app) -> None:
    missing = sorted(set(app.view_functions) - set(EXPECTED))
    assert not missing, f"Add these endpoints to tests/access_matrix.py (who may use them?): {missing}"
    stale = sorted(set(EXPECTED) - set(app.view_functions))
    assert not stale, f"These entries in tests/access_matrix.py are no longer routes: {stale}"


@pytest.mark.parametrize("endpoint", sorted(EXPECTED))
def test_route_access(app, make, db, vault, endpoint: str) -> None:
    """The endpoint as each role (one fresh browser each); every wrong outcome is listed."""
    assert endpoint in app.view_functions, f"{endpoint} is in the matrix but is not a route"
    route = EXPECTED[endpoint]
    wrong = []
    for role in _roles_to_try(endpoint):
        client = app.test_client()
        me = None if role == ANONYMOUS else log_in_as(client, make, vault, role)
        with app.test_request_context():
            url = url_for(endpoint, **(route.args(make, me) if route.args else {}))
        db.commit()
        response = client.open(url, method=route.method, data=route.data or {})
        outcome = f"{route.method} {url} as {role}: {response.status_code} {response.headers.get('Location', '')}"
        if role in route.allowed and not _allowed(response):
            wrong.append(f"refused but should be allowed: {outcome}")
        elif role not in route.allowed and not _refused(response, role, url):
            wrong.append(f"allowed but should be refused: {outcome}")
    assert not wrong, "\n".join(wrong)


def test_every_start_page_panel_is_in_the_matrix(app) -> None:
    from web.main.panels import _PANELS

    assert set(_PANELS) == set(PANELS), "Add each start-page panel to PANELS in tests/access_matrix.py"


@pytest.mark.parametrize("name", sorted(PANELS))
def test_start_page_panel_access(app, make, db, name: str) -> None:
    """Each panel's check, role by role (the panel's own data may still hide it)."""
    from web.main.panels import _PANELS

    panel = _PANELS[name]
    roles = [role for role in ROLES if role != ANONYMOUS]
    wrong = [role for role in roles if panel.allowed(make.user(role=role)) != (role in PANELS[name])]
    assert not wrong, f"{name}: wrong for {wrong}"


@pytest.mark.parametrize("link", LINKS, ids=lambda link: f"{link.page}->{link.target}")
def test_links_shown_only_to_the_roles_that_may_follow_them(app, make, db, vault, link: Link) -> None:
    wrong = []
    for role in sorted(EXPECTED[link.page].allowed - {ANONYMOUS}):
        client = app.test_client()
        me = log_in_as(client, make, vault, role)
        with app.test_request_context():
            url = url_for(link.page, **(link.args(make, me) if link.args else {}))
            target = url_for(link.target)
        db.commit()
        response = client.get(url)
        assert response.status_code == 200, f"{url} as {role}: {response.status_code}"
        if (f'href="{target}' in response.get_data(as_text=True)) != (role in link.allowed):
            wrong.append(role)
    assert not wrong, f"{link.page} links to {link.target} wrongly for {wrong}"
