"""Logging in through the real pages, with the second factor where the account has one.

Admins must have TOTP enrolled to use the admin area, so tests that act as an admin use
`log_in_as(..., "admin")`, which enrols one first."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Optional

import pyotp

from models import User
from models.enums import Role
from web import create_app
from web.extensions import limiter

from .conftest import test_config
from .factories import PASSWORD, Factory


def enrol_totp(session: Any, user: User, vault: Any) -> pyotp.TOTP:
    """Give the user a second factor (as if enrolled on the page); returns their 'phone app'."""
    secret = pyotp.random_base32()
    user.totp_secret = vault.encrypt(secret)
    user.totp_last_step = None
    session.commit()
    return pyotp.TOTP(secret)


def log_in(client: Any, user: User, totp: Optional[pyotp.TOTP] = None, password: str = PASSWORD) -> Any:
    """Password, then (when `totp` is given) the current code; returns the last response."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    if totp is not None:
        assert response.headers["Location"].endswith("/login/kod")
        response = client.post("/login/kod", data={"code": totp.now()})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def log_in_as(client: Any, make: Factory, vault: Any, role: Role | str, **kw: Any) -> User:
    """A new user of `role`, logged in; an admin gets a second factor first."""
    user = make.user(role=role, **kw)
    make.session.commit()
    totp = enrol_totp(make.session, user, vault) if Role(role) == Role.ADMIN else None
    log_in(client, user, totp)
    return user



@contextlib.contextmanager
def rate_limited_app(database_url: str) -> Iterator[Any]:
    """An app with the login limits switched on. Flask-Limiter's one `limiter` is shared by every
    app in the process: once an app with limits is made, its limits and counters apply to the
    suite's app too. So afterwards the limits are switched off and the counters cleared again."""
    app = create_app(test_config(database_url, RATELIMIT_ENABLED=True))
    try:
        yield app
    finally:
        limiter.reset()
        limiter.enabled = False
