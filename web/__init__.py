"""The Flask app: `create_app()` builds it; `flask --app web ...` finds the factory."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, request, session
from flask_login import current_user

from models.identity import PinVault

from . import config as config_module
from .extensions import babel, csrf, db, limiter


def select_locale() -> str:
    if current_user.is_authenticated and current_user.locale in ("sv", "en"):
        return current_user.locale
    lang = session.get("lang")
    if lang in ("sv", "en"):
        return lang
    return "sv"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(config_module.from_env())
    if config:
        app.config.update(config)
    config_module.check_production_safety(app.config)

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

    from .auth.views import bp as auth_bp
    from .main.views import bp as main_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)

    from .cli import register_cli

    register_cli(app)

    @app.before_request
    def _lang_from_query() -> None:
        lang = request.args.get("lang")
        if lang in ("sv", "en"):
            session["lang"] = lang

    return app
