"""The app factory, configuration, health check, error pages and the layer boundaries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from web import create_app
from web.config import ConfigError, check_production_safety, from_env

from .conftest import test_config

ROOT = Path(__file__).resolve().parent.parent


def test_factory_applies_overrides(app: Flask) -> None:
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret-key-that-is-long-enough-123"


def test_defaults_are_for_the_demo() -> None:
    config = from_env({})
    assert config["APP_ENV"] == "development"
    assert config["DATABASE_URL"].startswith("sqlite:///")
    assert config["DATABASE_URL"].endswith("instance/iop.sqlite")
    assert config["MAIL_BACKEND"] == "console"
    assert config["SESSION_COOKIE_HTTPONLY"] and config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_production_refuses_the_demo_secret_key() -> None:
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"APP_ENV": "production", "DATABASE_URL": "postgresql+psycopg://x@127.0.0.1/x"})


def test_production_refuses_demo_identity_keys_and_sqlite() -> None:
    env = {"APP_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql+psycopg://x@h/x"}
    with pytest.raises(ConfigError, match="PIN_ENCRYPTION_KEYS"):
        create_app(from_env(env))
    env.update(PIN_ENCRYPTION_KEYS="A" * 43 + "=", PIN_HASH_KEY="h" * 40, DATABASE_URL="sqlite:///x.db")
    with pytest.raises(ConfigError, match="PostgreSQL"):
        create_app(from_env(env))


PRODUCTION_ENV = {
    "APP_ENV": "production", "SECRET_KEY": "x" * 40, "DATABASE_URL": "postgresql+psycopg://x@h/x",
    "PIN_ENCRYPTION_KEYS": "A" * 43 + "=", "PIN_HASH_KEY": "h" * 40,
    "PUBLIC_BASE_URL": "https://jobbskuggning.example",
}


@pytest.mark.parametrize("base", [None, "http://jobbskuggning.example", ""], ids=["unset", "http", "empty"])
def test_production_requires_the_public_https_address_every_mail_is_built_on(base) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "PUBLIC_BASE_URL"}
    if base is not None:
        env["PUBLIC_BASE_URL"] = base
    env["RATELIMIT_STORAGE_URI"] = "redis://redis.internal:6379/0"
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        check_production_safety(from_env(env))


@pytest.mark.parametrize("storage", [None, "", "memory://"], ids=["unset", "empty", "memory"])
def test_production_refuses_rate_limits_counted_in_memory(storage) -> None:
    env = PRODUCTION_ENV if storage is None else {**PRODUCTION_ENV, "RATELIMIT_STORAGE_URI": storage}
    with pytest.raises(ConfigError, match="RATELIMIT_STORAGE_URI to Redis"):
        create_app(from_env(env))


@pytest.mark.parametrize("storage", ["redis://redis.internal:6379/0", "rediss://:secret@redis.internal:6380/1"])
def test_production_accepts_rate_limits_in_redis(storage) -> None:
    # The check alone: an app made here would point the process's one limiter at that Redis.
    check_production_safety(from_env({**PRODUCTION_ENV, "RATELIMIT_STORAGE_URI": storage}))


def test_production_sets_secure_cookies_from_env() -> None:
    config = from_env({"APP_ENV": "production"})
    assert config["SESSION_COOKIE_SECURE"] is True
    assert config["MAIL_BACKEND"] == "smtp"


def test_healthz_ok(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


def test_healthz_reports_unreachable_database(tmp_path: Path) -> None:
    # A SQLite file in a directory that does not exist cannot be opened.
    broken = create_app(test_config(f"sqlite:///{tmp_path}/missing/dir/x.sqlite"))
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "db": "error"}


def test_unknown_url_gets_404_page_in_layout(client) -> None:
    response = client.get("/finns-inte")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Sidan finns inte" in html
    assert '<html lang="sv">' in html and 'id="main"' in html


def test_every_response_has_request_id_and_security_headers(client) -> None:
    response = client.get("/login")
    assert len(response.headers["X-Request-ID"]) >= 8
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_database_error_rolls_back_and_shows_500_with_request_id(database_url, caplog) -> None:
    from models import Organisation
    from models.enums import OrganisationKind
    from web.extensions import db

    app = create_app(test_config(database_url))

    @app.route("/boom")
    def boom():  # type: ignore[no-untyped-def]
        db.session.add(Organisation(name="Halvsparad", short_name="HS", kind=OrganisationKind.CLUB))
        db.session.flush()
        db.session.execute(__import__("sqlalchemy").text("SELECT * FROM no_such_table"))
        return "unreachable"

    response = app.test_client().get("/boom", headers={"X-Request-ID": "abc12345def"})
    assert response.status_code == 500
    assert "abc12345def" in response.get_data(as_text=True)
    assert any("abc12345def" in r.getMessage() for r in caplog.records)
    with app.app_context():
        import sqlalchemy as sa

        assert db.session.scalar(sa.select(sa.func.count()).select_from(Organisation)) == 0


@pytest.mark.parametrize("package", ["models", "matcher"])
def test_library_layers_import_without_flask(package: str) -> None:
    code = (
        "import sys, importlib, pkgutil\n"
        f"pkg = importlib.import_module('{package}')\n"
        "for m in pkgutil.walk_packages(pkg.__path__, pkg.__name__ + '.'):\n"
        "    if not m.name.endswith('__main__'):\n"
        "        importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'flask' or n.startswith('flask_'))\n"
        "assert not bad, bad\n"
        + ("assert 'sqlalchemy' not in sys.modules\n" if package == "matcher" else "")
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
