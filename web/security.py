"""Login sessions, request ids, security headers and access logging wired into the app."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import Flask, g, request, session
from flask_login import current_user

from models import User
from models.operations import accounts as account_ops

from .extensions import db, login_manager
from .transactions import in_own_transaction

LOGIN_TOKEN_KEY = "lsid"  # noqa: S105 (the cookie key, not a secret)

_CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class RequestIdFilter(logging.Filter):
    """Adds the request id to every log record so a user's report can be traced."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            record.request_id = g.get("request_id", "-")
        except RuntimeError:  # outside a request
            record.request_id = "-"
        return True


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    token = session.get(LOGIN_TOKEN_KEY)
    if not token:
        return None
    from flask import current_app

    # Last seen, or a timed-out session ended: noted whatever the request's outcome.
    with in_own_transaction() as own:
        found = account_ops.resolve_login_session(
            own,
            token,
            idle_timeout=current_app.config["SESSION_IDLE_TIMEOUT"],
            absolute_timeout=current_app.config["SESSION_ABSOLUTE_TIMEOUT"],
        )
        found_id = found.id if found is not None else None
    user = db.session.get(User, found_id) if found_id is not None else None
    if user is None or str(user.id) != user_id:
        session.pop(LOGIN_TOKEN_KEY, None)
        return None
    return user


def init_security(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None  # the login page explains itself
    login_manager.session_protection = None  # our server-side session rows do this job

    @app.before_request
    def _request_id() -> None:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if 8 <= len(incoming) <= 40 and incoming.isalnum() else uuid.uuid4().hex

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers["X-Request-ID"] = g.get("request_id", "")
        response.headers.setdefault("Content-Security-Policy", _CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
        if app.config["SESSION_COOKIE_SECURE"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if current_user.is_authenticated:
            # Pages with case data must not be kept by shared browsers or proxies.
            response.headers.setdefault("Cache-Control", "no-store")
        return response
