"""Configuration from the environment, with safe defaults for the demo.

Production (APP_ENV=production) refuses to start with the demo's secrets, SQLite or rate
limits counted in each worker's memory.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEMO_SECRET_KEY = "demo-only-secret-key-change-me"  # noqa: S105 (refused in production)
# Demo keys for the identity-number vault; production must set its own (refused below).
DEMO_PIN_KEY = "ZGVtby1vbmx5LWtleS1kby1ub3QtdXNlLWluLXByb2Q="
DEMO_PIN_HASH_KEY = "demo-only-hash-key"  # noqa: S105


class ConfigError(RuntimeError):
    """The configuration is unsafe or incomplete for the chosen environment."""


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def from_env(env: os._Environ[str] | dict[str, str] | None = None) -> dict[str, Any]:
    env = env if env is not None else os.environ
    app_env = env.get("APP_ENV", "development")
    production = app_env == "production"
    return {
        "APP_ENV": app_env,
        "SECRET_KEY": env.get("SECRET_KEY", DEMO_SECRET_KEY),
        "DATABASE_URL": env.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'iop.sqlite'}"),
        "PIN_ENCRYPTION_KEYS": [
            k.strip() for k in env.get("PIN_ENCRYPTION_KEYS", DEMO_PIN_KEY).split(",") if k.strip()
        ],
        "PIN_HASH_KEY": env.get("PIN_HASH_KEY", DEMO_PIN_HASH_KEY),
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if production else "console"),
        "MAIL_SERVER": env.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME", ""),
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD", ""),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS"), production),
        "MAIL_FROM": env.get("MAIL_FROM", "noreply@iop-matchning.example"),
        "MAIL_SEND_AFTER_REQUEST": _bool(env.get("MAIL_SEND_AFTER_REQUEST"), False),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "PUBLIC_BASE_URL_SET": bool(env.get("PUBLIC_BASE_URL")),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), True),
        # How many reverse proxies / load balancers stand in front of the app: their
        # X-Forwarded-For and X-Forwarded-Proto are then trusted (Werkzeug's ProxyFix), so the
        # audit log and the rate limits see the user's address, not the proxy's. 0: none (direct).
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES", "0")),
        "MODEL_DIR": env.get("MODEL_DIR", str(INSTANCE_DIR / "models")),
        "RETENTION_MONTHS": int(env.get("RETENTION_MONTHS", "12")),
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE"), production),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_IDLE_TIMEOUT": dt.timedelta(minutes=int(env.get("SESSION_IDLE_MINUTES", "30"))),
        "SESSION_ABSOLUTE_TIMEOUT": dt.timedelta(
            hours=int(env.get("SESSION_ABSOLUTE_HOURS", "10"))
        ),
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(
            hours=int(env.get("SESSION_ABSOLUTE_HOURS", "10"))
        ),
        "MAX_CONTENT_LENGTH": int(env.get("MAX_UPLOAD_MB", "5")) * 1024 * 1024,
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the login session
        "BABEL_DEFAULT_LOCALE": "sv",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Stockholm",
        "LANGUAGES": ["sv", "en"],
        "TIMEZONE": "Europe/Stockholm",
        "TESTING": False,
    }


def check_production_safety(config: dict[str, Any]) -> None:
    if config.get("APP_ENV") != "production":
        return
    if config["SECRET_KEY"] == DEMO_SECRET_KEY or len(config["SECRET_KEY"]) < 32:
        raise ConfigError("Set SECRET_KEY to a random value of at least 32 characters.")
    if DEMO_PIN_KEY in config["PIN_ENCRYPTION_KEYS"] or config["PIN_HASH_KEY"] == DEMO_PIN_HASH_KEY:
        raise ConfigError("Set PIN_ENCRYPTION_KEYS and PIN_HASH_KEY; the demo keys are public.")
    if config["DATABASE_URL"].startswith("sqlite"):
        raise ConfigError("Production runs on PostgreSQL: set DATABASE_URL.")
    if not (config.get("PUBLIC_BASE_URL_SET") and str(config.get("PUBLIC_BASE_URL", "")).startswith("https://")):
        raise ConfigError(
            "Set PUBLIC_BASE_URL to the service's own https address (e.g. https://jobbskuggning.example): "
            "every mail, calendar entry and signed link is built on it."
        )
    if not (config.get("RATELIMIT_STORAGE_URI") or "").startswith("redis"):
        raise ConfigError(
            "Set RATELIMIT_STORAGE_URI to Redis (redis://host:6379/0): with memory:// every worker "
            "counts on its own and forgets at a restart, so the login limits multiply."
        )
