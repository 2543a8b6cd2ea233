"""The hardened web surface: session timeouts, login throttling per address, the upload limit,
security headers on every page for every role, and identity numbers unreadable at rest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from models import Candidate, LoginSession, clock
from models.enums import Role

from .conftest import TEST_DB
from .logins import log_in_as, rate_limited_app

ROLES = [None, *(r.value for r in Role)]  # None: not logged in


def _age_session(db, user, **ages: dt.timedelta) -> None:
    row = db.scalars(sa.select(LoginSession).where(LoginSession.user_id == user.id)).one()
    for column, age in ages.items():
        setattr(row, column, clock.now() - age)
    db.commit()


def _logged_out(response) -> bool:
    return response.status_code == 302 and "/login" in response.headers["Location"]


def test_idle_session_ends_after_the_idle_timeout(client, auth, db) -> None:
    user = auth.login(Role.PROJECT_LEADER)
    _age_session(db, user, last_seen_at=dt.timedelta(minutes=29))
    assert client.get("/account/password").status_code == 200  # still within 30 minutes
    _age_session(db, user, last_seen_at=dt.timedelta(minutes=31))
    assert _logged_out(client.get("/account/password"))
    _age_session(db, user, last_seen_at=dt.timedelta(seconds=1))
    assert _logged_out(client.get("/account/password"))  # the cookie's login is gone for good


def test_session_ends_after_the_absolute_timeout_even_when_active(client, auth, db) -> None:
    user = auth.login(Role.WELFARE_OFFICER)
    _age_session(db, user, created_at=dt.timedelta(hours=9, minutes=59), last_seen_at=dt.timedelta(seconds=5))
    assert client.get("/account/password").status_code == 200
    _age_session(db, user, created_at=dt.timedelta(hours=10, minutes=1), last_seen_at=dt.timedelta(seconds=5))
    assert _logged_out(client.get("/account/password"))


def test_login_is_throttled_per_address(database_url, make, db) -> None:
    """Many accounts guessed from one address: the 21st try within five minutes is refused."""
    with rate_limited_app(database_url) as app:
        client = app.test_client()
        codes = [
            client.post("/login", data={"email": f"guess{i}@test.example", "password": "wrong-password-1"}).status_code
            for i in range(21)
        ]
        other_address = client.post(
            "/login", data={"email": "guess@test.example", "password": "wrong-password-1"},
            environ_base={"REMOTE_ADDR": "10.1.2.3"},
        )
    assert codes[:20] == [401] * 20
    assert codes[20] == 429
    assert other_address.status_code == 401


def test_too_large_a_request_gets_the_413_page(client) -> None:
    too_big = "x" * (5 * 1024 * 1024 + 1)
    response = client.post("/login", data={"email": "a@test.example", "password": too_big})
    assert response.status_code == 413
    assert "Filen är för stor" in response.get_data(as_text=True)


def _directives(csp: str) -> dict[str, set[str]]:
    parts = (d.split() for d in csp.split(";") if d.strip())
    return {p[0]: set(p[1:]) for p in parts}


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_page_has_the_security_headers_for_every_role(app, client, make, db, vault, role) -> None:
    """Every GET route without URL parameters, as each role: a CSP that allows no inline or
    foreign script on every response (the app's full policy on every HTML page), and
    `no-store` whenever someone is logged in (case data must not stay in a shared browser)."""
    make.programme()  # so that the report pages show a report, not an empty state
    db.commit()
    if role is not None:
        log_in_as(client, make, vault, role)
    paths = sorted(
        rule.rule for rule in app.url_map.iter_rules() if "GET" in rule.methods and not rule.arguments
    )
    assert "/" in paths and "/admin/konton" in paths
    for path in paths:
        response = client.get(path)
        assert response.status_code < 500, path
        policy = _directives(response.headers.get("Content-Security-Policy", ""))
        scripts = policy.get("script-src", policy.get("default-src"))
        assert scripts in ({"'self'"}, {"'none'"}), (path, policy)
        assert response.headers["X-Content-Type-Options"] == "nosniff", path
        assert response.headers["X-Frame-Options"] == "DENY", path
        if response.mimetype == "text/html":
            assert policy["default-src"] == {"'self'"} and policy["frame-ancestors"] == {"'none'"}, path
            assert not any("unsafe" in v for values in policy.values() for v in values), path
        if role is not None:
            assert "no-store" in response.headers.get("Cache-Control", ""), path


def test_identity_numbers_are_not_readable_in_the_database(app, make, db, vault) -> None:
    candidates = [make.candidate(vault=vault) for _ in range(3)]
    db.commit()
    numbers = [vault.decrypt(c.pin_encrypted) for c in candidates]
    if TEST_DB == "postgresql":
        # Everything the database holds for the table, as text.
        stored = "\n".join(db.scalars(sa.text("SELECT candidate::text FROM candidate")))
    else:
        db.execute(sa.text("PRAGMA wal_checkpoint(FULL)"))
        path = Path(make_url(app.config["DATABASE_URL"]).database)
        stored = "".join(
            p.read_bytes().decode("latin-1") for p in (path, path.with_name(path.name + "-wal")) if p.exists()
        )
    for candidate, number in zip(candidates, numbers, strict=True):
        assert candidate.pin_masked in stored  # the row is there, masked
        assert number not in stored and f"{number[:8]}-{number[8:]}" not in stored and number[2:] not in stored
    assert db.get(Candidate, candidates[0].id).pin_hash != numbers[0]


@pytest.mark.parametrize("proxies, expected", [(0, "127.0.0.1"), (1, "203.0.113.7")])
def test_the_users_address_behind_a_trusted_proxy(database_url, db, proxies, expected) -> None:
    """Behind a load balancer (TRUSTED_PROXIES=1) the audit log and the rate limits see the
    user's address from X-Forwarded-For; without it a client cannot forge its address."""
    from models import AuditEvent
    from web import create_app

    from .conftest import test_config

    app = create_app(test_config(database_url, TRUSTED_PROXIES=proxies))
    client = app.test_client()
    response = client.post("/login", data={"email": "nobody@test.example", "password": "wrong-password-1"},
                           headers={"X-Forwarded-For": "203.0.113.7"}, environ_base={"REMOTE_ADDR": "127.0.0.1"})
    assert response.status_code == 401
    event = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "login_failed")).one()
    assert event.ip == expected
