"""Error pages in the layout: 403, 404, 413, 500 (logged with the request id, rolled back)."""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from .extensions import db


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_errors(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if _wants_json():
            body = {
                "type": "about:blank",
                "title": exc.name,
                "status": exc.code,
                "detail": exc.description,
                "request_id": g.get("request_id", ""),
            }
            response = jsonify(body)
            response.status_code = exc.code or 500
            response.mimetype = "application/problem+json"
            return response
        template = {403: "errors/403.html", 404: "errors/404.html", 413: "errors/413.html"}.get(
            exc.code or 0, "errors/generic.html"
        )
        return render_template(template, error=exc), exc.code

    @app.errorhandler(Exception)
    def _server_error(exc: Exception) -> Any:
        # An error the user cannot cause: roll back, log with context, show a generic page.
        db.session.rollback()
        app.logger.exception(
            "unhandled error request_id=%s path=%s", g.get("request_id", "-"), request.path
        )
        if _wants_json():
            response = jsonify(
                {
                    "type": "about:blank",
                    "title": "Internal Server Error",
                    "status": 500,
                    "detail": "An unexpected error occurred; it has been logged.",
                    "request_id": g.get("request_id", ""),
                }
            )
            response.status_code = 500
            response.mimetype = "application/problem+json"
            return response
        return render_template("errors/500.html", request_id=g.get("request_id", "")), 500
