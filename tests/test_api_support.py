"""Fixtures the API tests share: the app with the API mounted, a client, and personal tokens.

Until create_app mounts the API itself, a second app (same database) is built for the API
tests, because the session's app may already have served requests and can take no more
blueprints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from models import User
from models.enums import Role
from models.operations import api_tokens
from web import create_app
from web.api import init_api
from web.extensions import db as web_db

from .conftest import test_config
from .factories import Factory

ROLES = [r.value for r in Role]


@pytest.fixture(scope="session")
def api_app(app: Any, database_url: str) -> Iterator[Any]:
    if "api" in app.extensions:
        yield app
        return
    application = create_app(test_config(database_url))
    init_api(application)
    yield application
    with application.app_context():
        web_db.engine.dispose()


@pytest.fixture
def api(api_app: Any, app: Any) -> Any:
    """A test client of the app with the API (requesting `app` keeps the per-test cleanup)."""
    return api_app.test_client()


class Tokens:
    """Makes users with personal tokens: `tokens.headers("employer")` → (user, headers)."""

    def __init__(self, make: Factory):
        self.make = make

    def issue(self, who: User | str, **kwargs: Any) -> tuple[User, str]:
        user = who if isinstance(who, User) else self.make.user(role=who)
        _row, raw = api_tokens.issue_token(self.make.session, user, name=kwargs.pop("name", "test"), **kwargs)
        self.make.session.commit()
        return user, raw

    def headers(self, who: User | str, **kwargs: Any) -> tuple[User, dict[str, str]]:
        user, raw = self.issue(who, **kwargs)
        return user, {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def tokens(make: Factory) -> Tokens:
    return Tokens(make)


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    """The response is a problem document with this status (and the request id)."""
    assert response.status_code == status, response.get_data(as_text=True)[:800]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["type"] == "about:blank"
    assert body["request_id"] == response.headers["X-Request-ID"]
    return body
