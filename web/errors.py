"""Error pages in the layout: 403, 404, 413, 429, 500 (logged with the request id, rolled back)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """webargs/marshmallow messages ({"json": {"consent": {"given_on": [...]}}}) as
    {"consent.given_on": [...]}: one entry per field, whatever the request location."""
    if isinstance(messages, Mapping):
        flat: dict[str, list[str]] = {}
        for key, value in messages.items():
            name = prefix if key in ("json", "query", "headers", "path", "view_args") else (
                f"{prefix}.{key}" if prefix else str(key)
            )
            for field, errs in _flatten_errors(value, name).items():
                flat.setdefault(field, []).extend(errs)
        return flat
    if isinstance(messages, (list, tuple)):
        if all(isinstance(m, str) for m in messages):
            return {prefix or "_schema": [str(m) for m in messages]}
        flat = {}
        for value in messages:
            for field, errs in _flatten_errors(value, prefix).items():
                flat.setdefault(field, []).extend(errs)
        return flat
    return {prefix or "_schema": [str(messages)]}


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    *,
    errors: Any = None,
    headers: Mapping[str, str] | None = None,
) -> Any:
    """An RFC 9457 `application/problem+json` response, the API's one error format."""
    if not g.get("request_id"):  # raised before the request-id hook ran (e.g. a rate limit)
        g.request_id = uuid.uuid4().hex
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "request_id": g.request_id,
    }
    if errors:
        body["errors"] = _flatten_errors(errors)
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if _wants_json():
            if (exc.code or 500) < 400:  # 304 Not Modified from an If-None-Match: no body
                return exc
            data = getattr(exc, "data", None) or {}  # webargs puts validation messages here
            headers = {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
            headers.update(data.get("headers") or {})
            return problem_response(
                exc.code or 500,
                exc.name,
                data.get("message") or exc.description or "",
                errors=data.get("errors") or data.get("messages"),
                headers=headers,
            )
        template = {
            403: "errors/403.html", 404: "errors/404.html", 413: "errors/413.html", 429: "errors/429.html"
        }.get(exc.code or 0, "errors/generic.html")
        return render_template(template, error=exc), exc.code

    @app.errorhandler(Exception)
    def _server_error(exc: Exception) -> Any:
        # An error the user cannot cause: roll back, log with context, show a generic page.
        db.session.rollback()
        app.logger.exception(
            "unhandled error request_id=%s path=%s", g.get("request_id", "-"), request.path
        )
        if _wants_json():
            return problem_response(
                500, "Internal Server Error", "An unexpected error occurred; it has been logged."
            )
        return render_template("errors/500.html", request_id=g.get("request_id", "")), 500
