"""The JSON API v1 at /api/v1: flask-smorest blueprints whose marshmallow schemas validate
requests, serialise responses and make the OpenAPI document at /api/v1/openapi.json; a
readable reference at /api/v1/docs. `create_app` calls `init_api(app)`."""

from __future__ import annotations

import http
import importlib
import os

from flask import Flask
from flask_smorest import Api
from flask_smorest.utils import prepare_response

from .core import API_PREFIX, DEFAULT_ACCOUNT_RATE_LIMIT, DEFAULT_MAX_BODY_BYTES, DEFAULT_RATE_LIMIT
from .schemas import ProblemSchema

# Resource modules, each with a `blp`; in the order the reference lists them.
RESOURCES = (
    "me", "candidates", "companies", "commitments", "offers", "visits", "activities", "meetings", "recommendations",
    "programmes", "selection",
)

PROBLEM_JSON = "application/problem+json"


class RestApi(Api):
    """flask-smorest's Api without its app-wide error handler (which would turn the site's
    HTML error pages into JSON): web/errors.py answers /api/ paths with problem documents."""

    ERROR_SCHEMA = ProblemSchema

    def _register_error_handlers(self) -> None:
        return None

    def _register_pagination_header(self) -> None:
        """Lists carry their paging in the body and a Link header, not in X-Pagination."""
        return None

    def register_blueprint(self, blp, *, parameters=None, **options):  # type: ignore[no-untyped-def]
        """As flask-smorest's, but the resource's tag is its short name ("candidates")."""
        self._app.extensions["flask-smorest"]["blp_name_to_api"][blp.name] = self
        self._app.register_blueprint(blp, **options)
        blp.register_views_in_doc(self, self._app, self.spec, name=blp.name, parameters=parameters)
        self.spec.tag({"name": getattr(blp, "tag", blp.name), "description": blp.description})

    def _register_responses(self) -> None:
        """Document every error status as a problem document (not flask-smorest's format)."""
        for status in http.HTTPStatus:
            response = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON if status >= 400 else "application/json")
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "A problem document (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_JSON)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def _configure(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "IOP Jobbskuggning API")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", API_PREFIX)
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_RATE_LIMIT", os.environ.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT))
    app.config.setdefault(
        "API_ACCOUNT_RATE_LIMIT", os.environ.get("API_ACCOUNT_RATE_LIMIT", DEFAULT_ACCOUNT_RATE_LIMIT)
    )
    app.config.setdefault("API_MAX_BODY_BYTES", int(os.environ.get("API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)))
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {
                "description": (
                    "Referrals in, figures out: the job-shadowing matching service of the IOP "
                    "partnership. Authenticate with a personal token "
                    "(`Authorization: Bearer <token>`); a token acts with its owner's role. "
                    "Errors are `application/problem+json`. Lists are paged with "
                    "`?page=N&per_page=M` (at most 100) and give a `next` link. Updates need "
                    "`If-Match` with the ETag from the last GET. A write that loses a race with "
                    "another (the record changed meanwhile) is refused: 412 when it was sent with "
                    "`If-Match`, otherwise 409; fetch the record again."
                )
            },
            "security": [{"bearerAuth": []}],
        },
    )


def init_api(app: Flask) -> RestApi:
    """Mount the API on `app` (once)."""
    if "api" in app.extensions:
        return app.extensions["api"]
    _configure(app)
    api = RestApi(app)
    api.spec.components.security_scheme(
        "bearerAuth",
        {"type": "http", "scheme": "bearer", "description": "A personal API token (create-token or the token page)."},
    )
    for name in RESOURCES:
        module = importlib.import_module(f"{__name__}.{name}")
        api.register_blueprint(module.blp)

    from .reference import bp as reference_bp

    app.register_blueprint(reference_bp)
    app.extensions["api"] = api
    return api
