"""Test fixtures in the flaskr style: `app`, `client`, `runner`, `db`, `auth`, factories.

Each run makes its own database (SQLite file, or a uniquely named PostgreSQL database when
TEST_DB=postgresql) and drops it at the end; rows are cleared after every test.

Every test runs on a frozen clock (time-machine, see docs/libraries.md): by default the moment
in IOP_TEST_NOW, else DEFAULT_NOW. CI runs the suite again with IOP_TEST_NOW moved to other
dates, so a test that does not say which date it means must pass on any date. A test that
means a date says so with `@pytest.mark.now("2026-03-31T23:30+02:00")`, and can move time
itself with the `time_travel` fixture (`time_travel.move_to(...)`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import tempfile
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
import time_machine
from sqlalchemy.engine import make_url

from models import Base, User, make_engine
from web import create_app
from web.extensions import db as web_db

from . import factories

TEST_DB = os.environ.get("TEST_DB", "sqlite")
# An ordinary Monday morning in Stockholm; CI also runs the suite at other moments (.ci/run).
DEFAULT_NOW = "2026-12-07T10:00:00+01:00"
TEST_NOW = dt.datetime.fromisoformat(os.environ.get("IOP_TEST_NOW") or DEFAULT_NOW)
if TEST_NOW.tzinfo is None:
    raise SystemExit(f"IOP_TEST_NOW must carry its UTC offset, e.g. {DEFAULT_NOW}")
_SESSION_TRAVEL = time_machine.travel(TEST_NOW, tick=False)
PG_ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def pytest_configure(config: Any) -> None:
    # From here on (collection, session fixtures, every test) the clock stands still at TEST_NOW.
    _SESSION_TRAVEL.start()


def pytest_unconfigure(config: Any) -> None:
    _SESSION_TRAVEL.stop()


def pytest_report_header(config: Any) -> str:
    return f"database under test: {TEST_DB}; frozen clock: {TEST_NOW.isoformat()}"


@pytest.fixture(autouse=True)
def time_travel(request: pytest.FixtureRequest) -> Iterator[time_machine.Traveller]:
    """The clock of one test: TEST_NOW, or the moment the test's `now` mark names."""
    marker = request.node.get_closest_marker("now")
    moment = dt.datetime.fromisoformat(marker.args[0]) if marker else TEST_NOW
    if moment.tzinfo is None:
        raise ValueError(f"@pytest.mark.now needs a UTC offset: {marker.args[0]!r}")  # type: ignore[union-attr]
    with time_machine.travel(moment, tick=False) as traveller:
        yield traveller


def create_pg_database(prefix: str = "iop_test") -> str:
    """Create a uniquely named PostgreSQL database; return its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as exc:
        admin.dispose()
        if os.environ.get("REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL is required here but not reachable: {exc}")
        pytest.skip("PostgreSQL not reachable (set REQUIRE_POSTGRES=1 to make this a failure)")
    admin.dispose()
    return make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    name = make_url(url).database
    admin = make_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if TEST_DB == "postgresql":
        url = create_pg_database()
        yield url
        drop_pg_database(url)
    else:
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"


def test_config(database_url: str, **overrides: Any) -> dict[str, Any]:
    return {
        "TESTING": True,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-123",
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "memory",
        "SERVER_NAME": "localhost",
        # trained models go to a scratch folder, never into the checkout's instance/
        "MODEL_DIR": os.path.join(tempfile.gettempdir(), f"iop-test-models-{os.getpid()}"),
        **overrides,
    }


test_config.__test__ = False  # type: ignore[attr-defined]  # a helper, not a test


@pytest.fixture(scope="session")
def app(database_url: str) -> Iterator[Any]:
    application = create_app(test_config(database_url))
    with application.app_context():
        Base.metadata.create_all(web_db.engine)
        if web_db.engine.dialect.name == "postgresql":
            _keep_insertion_order(web_db.engine)
    yield application
    with application.app_context():
        web_db.engine.dispose()


def _keep_insertion_order(engine: sa.Engine) -> None:
    """No autovacuum on the test database's tables: the tables are emptied by DELETE after each
    test (`_clear_all`), and a vacuum would let the next test's rows fill the freed space, so
    that a query without ORDER BY no longer returned rows in the order they were written, as it
    does in a new table. The tests must not rely on that order, but this keeps a test that
    does from passing or failing by the vacuum's timing."""
    with engine.begin() as conn:
        for table in Base.metadata.sorted_tables:
            conn.execute(sa.text(f'ALTER TABLE "{table.name}" SET (autovacuum_enabled = false, '
                                 "toast.autovacuum_enabled = false)"))


def _clear_all(engine: sa.Engine) -> None:
    """Every table empty and every id sequence back at 1, as in a new database.

    The data generation stays: clearing the tables raises it (models/changes.py), so nothing
    kept for one test is served to the next. On PostgreSQL only the tables a test wrote to are
    emptied, by DELETE: a TRUNCATE of all 55 tables makes new files for each table and index
    and took 0.3–1.5 s per test, most of the PostgreSQL run."""
    tables = [t for t in reversed(Base.metadata.sorted_tables) if t.name != "data_generation"]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            probe = " UNION ALL ".join(f"SELECT '{t.name}' WHERE EXISTS (SELECT FROM \"{t.name}\")" for t in tables)
            written = set(conn.scalars(sa.text(probe)))
            for table in tables:  # children before their parents
                if table.name in written:
                    conn.execute(table.delete())
            conn.execute(sa.text("SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, 1, false) "
                                 "FROM pg_sequences WHERE last_value IS NOT NULL"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "app" in request.fixturenames:
        application = request.getfixturevalue("app")
        with application.app_context():
            _clear_all(web_db.engine)


@pytest.fixture(autouse=True)
def _rate_limits_off_after_test() -> Iterator[None]:
    """Flask-Limiter's limiter is one object per process: a test that switches limits on for
    its own app must not leave limits or counters behind for the tests after it."""
    yield
    from web.extensions import limiter

    with contextlib.suppress(Exception):  # storage not initialised: nothing to reset
        limiter.reset()
    limiter.enabled = False


@pytest.fixture
def client(app: Any) -> Any:
    return app.test_client()


@pytest.fixture
def runner(app: Any) -> Any:
    return app.test_cli_runner()


@pytest.fixture
def db(app: Any) -> Iterator[Any]:
    """A session of the test's own, apart from the requests' sessions (as another client of
    the database would be): commit to make rows visible to requests; reads after a request
    see what it committed."""
    session = app.extensions["database"].factory()
    yield session
    session.close()


@pytest.fixture
def vault(app: Any) -> Any:
    return app.extensions["pin_vault"]


@pytest.fixture
def make(db: Any) -> factories.Factory:
    return factories.Factory(db)


class AuthActions:
    def __init__(self, client: Any, make: factories.Factory):
        self._client = client
        self._make = make

    def login(self, who: User | str, password: str = factories.PASSWORD) -> User:
        """Log in as a given user, or as a new user of the given role."""
        user = who if isinstance(who, User) else self._make.user(role=who)
        self._make.session.commit()
        response = self._client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    def logout(self) -> Any:
        return self._client.post("/logout")


@pytest.fixture
def auth(client: Any, make: factories.Factory) -> AuthActions:
    return AuthActions(client, make)
