"""The Flask app: `create_app()` builds it; `flask --app web ...` finds the factory."""

from __future__ import annotations

import importlib
import importlib.util
import logging
import pkgutil
from typing import Any

from flask import Flask, request, session
from flask.typing import ResponseReturnValue
from flask_login import current_user
from werkzeug.middleware.proxy_fix import ProxyFix

from models.identity import PinVault

from . import config as config_module
from . import transactions
from .extensions import babel, csrf, db, limiter
from .i18n import accept_translated_labels


class App(Flask):
    """Flask, with every view (pages, API, any blueprint) run in the request's one
    transaction: committed once on success, rolled back otherwise (web/transactions.py)."""

    def dispatch_request(self) -> ResponseReturnValue:
        return transactions.dispatch(super().dispatch_request)


def select_locale() -> str:
    if current_user.is_authenticated and current_user.locale in ("sv", "en"):
        return current_user.locale
    lang = session.get("lang")
    if lang in ("sv", "en"):
        return lang
    return "sv"


def _register_areas(app: Flask) -> None:
    """Register every area of the app: each package `web/<area>/` with a `views.py` that
    defines `bp` is a blueprint, and a `cli.py` that defines `commands` adds CLI commands.
    Areas are found rather than listed so that adding one touches only its own package."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.ispkg:
            continue
        if importlib.util.find_spec(f"{__name__}.{info.name}.views") is not None:
            module = importlib.import_module(f"{__name__}.{info.name}.views")
            if hasattr(module, "bp"):
                app.register_blueprint(module.bp)
        if importlib.util.find_spec(f"{__name__}.{info.name}.cli") is not None:
            for command in getattr(importlib.import_module(f"{__name__}.{info.name}.cli"), "commands", []):
                app.cli.add_command(command)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = App(__name__, instance_relative_config=False)
    from .helpers import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route: ids out of range are a 404
    app.config.update(config_module.from_env())
    if config:
        app.config.update(config)
    config_module.check_production_safety(app.config)
    if app.config.get("TRUSTED_PROXIES", 0) > 0:
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    logging.basicConfig(
        level=logging.INFO,
        format="%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    if app.config["DATABASE_URL"].startswith("sqlite:///"):
        config_module.INSTANCE_DIR.mkdir(exist_ok=True)

    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, default_timezone="Europe/Stockholm")
    accept_translated_labels()  # a choice may be written by its label in English too
    limiter.init_app(app)
    app.extensions["pin_vault"] = PinVault(
        app.config["PIN_ENCRYPTION_KEYS"], app.config["PIN_HASH_KEY"]
    )

    from .security import RequestIdFilter, init_security

    for handler in logging.getLogger().handlers:
        handler.addFilter(RequestIdFilter())
    init_security(app)

    from .errors import init_errors

    init_errors(app)

    from .templating import init_templating

    init_templating(app)

    _register_areas(app)

    from .api import init_api

    init_api(app)  # the JSON API (flask-smorest) mounts its own blueprints under /api/v1

    from .cli import register_cli

    register_cli(app)

    @app.before_request
    def _lang_from_query() -> None:
        lang = request.args.get("lang")
        if lang in ("sv", "en"):
            session["lang"] = lang

    return app
