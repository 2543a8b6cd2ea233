"""What every API endpoint shares: bearer-token authentication (never the session cookie), the
request rules (JSON bodies only, a size limit, rate limits per token and per account),
load-or-404 through the web's permission checks, paging with a `next` link, ETags from row
versions, domain errors as problem documents, and audit records for the token's owner."""

from __future__ import annotations

import http
import json
from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import abort, current_app, g, request
from flask_smorest import Blueprint
from flask_smorest import abort as smorest_abort
from webargs.flaskparser import FlaskParser
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import Unauthorized

from models import User
from models.db import MAX_ID
from models.operations import api_tokens
from models.operations import audit as audit_ops
from models.operations.errors import DomainError

from ..errors import problem_response
from ..extensions import csrf, db, limiter, login_manager
from ..helpers import audit_standing, origin
from ..i18n import error_message, translate
from ..transactions import in_own_transaction

T = TypeVar("T")

API_PREFIX = "/api/v1"
DEFAULT_RATE_LIMIT = "300 per minute"  # per token
DEFAULT_ACCOUNT_RATE_LIMIT = "300 per minute"  # all of one account's tokens together
DEFAULT_MAX_BODY_BYTES = 256 * 1024
BODY_METHODS = ("POST", "PUT", "PATCH")
# Documented on every operation: every call needs a token and counts against its rate limit.
COMMON_PROBLEMS = (401, 429)
LINK_HEADER = {
    "Link": {
        "description": 'The neighbouring pages: `<url>; rel="next"`, `<url>; rel="prev"` (RFC 8288).',
        "schema": {"type": "string"},
    }
}


# --- authentication ------------------------------------------------------------------------
def bearer_token() -> str | None:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    value = value.strip()
    return value if scheme.lower() == "bearer" and value else None


def _unauthorized(detail: str, *, invalid: bool) -> NoReturn:
    params = {"realm": "api"}
    if invalid:  # RFC 6750: no error code when no token was sent at all
        params["error"] = "invalid_token"
    raise Unauthorized(description=detail, www_authenticate=WWWAuthenticate("bearer", params))


def _authenticate() -> None:
    """Who is calling: the owner of a live bearer token, and nobody else. A session cookie
    sent along is ignored, so a page on another site cannot make a logged-in browser call us."""
    # Nothing in this request (templates of the emails it writes included) sees a cookie's user.
    g._login_user = login_manager.anonymous_user()
    raw = bearer_token()
    if raw is None:
        _unauthorized("Send a personal API token: 'Authorization: Bearer <token>'.", invalid=False)
    # The token's use is noted whatever the call's outcome, so in a transaction of its own.
    with in_own_transaction() as session:
        token = api_tokens.resolve_token(session, raw)
        ids = (token.id, token.user_id) if token is not None else None
    if ids is None:
        _unauthorized("The token is unknown, expired or revoked.", invalid=True)
    g.api_token_id, user_id = ids
    g.api_user = db.session.get(User, user_id)


def _check_body() -> None:
    if request.method not in BODY_METHODS:
        return
    limit = current_app.config.get("API_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    request.max_content_length = limit
    if request.content_length is not None and request.content_length > limit:
        abort(413, description=f"The request body may be at most {limit} bytes.")
    has_body = bool(request.content_length) or "chunked" in request.headers.get("Transfer-Encoding", "")
    if has_body and not request.is_json:
        abort(415, description="Send the request body as JSON (Content-Type: application/json).")


def _no_store(response: Any) -> Any:
    # Case data must not be kept by proxies or shared caches; clients revalidate with ETags.
    response.headers["Cache-Control"] = "no-store"
    return response


def api_user() -> User:
    """The token's owner. API views never read flask_login's current_user."""
    return g.api_user


# --- rate limit ----------------------------------------------------------------------------
def rate_limit_key() -> str:
    """Per token (by its hash, never the secret); calls without a token count per address."""
    raw = bearer_token()
    return f"token:{api_tokens.hash_token(raw)}" if raw else f"ip:{request.remote_addr or '-'}"


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT)


def account_rate_limit_key() -> str:
    """Per account, so that more tokens do not give more calls; a token that belongs to no
    account counts as `rate_limit_key` says. Runs before the token is checked (the limits are
    checked first), so it only looks the owner up."""
    raw = bearer_token()
    owner = api_tokens.owner_id(db.session, raw) if raw else None
    return f"account:{owner}" if owner is not None else rate_limit_key()


def _account_rate_limit() -> str:
    return current_app.config.get("API_ACCOUNT_RATE_LIMIT", DEFAULT_ACCOUNT_RATE_LIMIT)


# --- errors --------------------------------------------------------------------------------
def _lost_race() -> int:
    """The status of a write that lost a race (the record changed between our read and our
    write): 412 when the request's If-Match was checked (the precondition failed after all),
    409 when the request set no precondition."""
    return 412 if g.get("if_match_checked") else 409


def _domain_error(exc: DomainError) -> Any:
    """A rule of the domain said no: nothing is saved (the request's transaction is rolled
    back); 422 (with the field), 409, 412 or 403."""
    status = _lost_race() if exc.code == "stale" else exc.status
    errors: dict[str, list[str]] = {}
    if status == 422:
        names = g.get("api_field_names", {})
        problems = getattr(exc, "problems", None) or ([(exc.field, error_message(exc))] if exc.field else [])
        for problem in problems:
            key, message = (problem.key, problem.message) if hasattr(problem, "key") else problem
            errors.setdefault(names.get(key, key), []).append(translate(message))
    return problem_response(status, http.HTTPStatus(status).phrase, error_message(exc), errors=errors or None)


class _JsonParser(FlaskParser):
    """webargs' parser, with a 400 where Python's JSON decoder fails outside its own error: JSON
    nested thousands deep (RecursionError) or an integer of thousands of digits (ValueError)."""

    def _raw_load_json(self, req: Any) -> Any:
        try:
            return super()._raw_load_json(req)
        except json.JSONDecodeError:
            raise  # webargs answers it (400)
        except (ValueError, RecursionError):
            abort(400, description="Invalid JSON body.")


class ApiBlueprint(Blueprint):
    """A resource's blueprint: token required, JSON only, rate-limited, CSRF-exempt (a bearer
    token is not sent by browsers on their own, so there is nothing to forge)."""

    ARGUMENTS_PARSER = _JsonParser()

    @property
    def tag(self) -> str:
        """The resource's name in the OpenAPI document ("candidates" for "api_candidates")."""
        return self.name.removeprefix("api_")

    def route(self, rule: str, *, parameters: Any = None, tags: Any = None, **options: Any) -> Any:
        return super().route(rule, parameters=parameters, tags=tags or [self.tag], **options)

    def allow(self, check: Callable[[Any], bool]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Refuse (403) a role that may not use the operation at all, before reading the body.
        Place it between `route` and `arguments`."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            @wraps(func)
            def wrapper(*args: Any, **kwargs: Any) -> Any:
                require(check(api_user()))
                return func(*args, **kwargs)

            return wrapper

        return decorator

    def check_etag(self, etag_data: Any, etag_schema: Any = None) -> None:
        """flask-smorest's check (412 for a stale If-Match), remembering that this request set a
        precondition: losing a race later, at the write, is then 412 too, not 409."""
        g.if_match_checked = True
        super().check_etag(etag_data, etag_schema)

    def problems(self, *codes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Document the problem responses an operation can give (401 and 429 always)."""

        def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
            for code in sorted({*COMMON_PROBLEMS, *codes}, reverse=True):
                func = self.alt_response(code, response=http.HTTPStatus(code).name)(func)
            return func

        return decorator


def api_blueprint(name: str, import_name: str, url_prefix: str, description: str) -> ApiBlueprint:
    bp = ApiBlueprint(name, import_name, url_prefix=API_PREFIX + url_prefix, description=description)
    bp.before_request(_authenticate)
    bp.before_request(_check_body)
    bp.after_request(_no_store)
    bp.register_error_handler(DomainError, _domain_error)
    csrf.exempt(bp)
    limiter.shared_limit(_rate_limit, scope="api", key_func=rate_limit_key)(bp)
    limiter.shared_limit(_account_rate_limit, scope="api-account", key_func=account_rate_limit_key)(bp)
    return bp


# --- loading and access --------------------------------------------------------------------
def _record_refusal(target: Any, action: str = "access_denied") -> None:
    """Log a refused call so that it stands (the request's transaction is rolled back)."""
    audit_standing(action, target, by=api_user(), path=request.path, via="api")


def require(allowed: bool, target: Any = None) -> None:
    """403 when the caller's role may not do this at all (logged)."""
    if not allowed:
        _record_refusal(target)
        abort(403, description="Your role may not do this.")


def not_found() -> NoReturn:
    abort(404, description="Not found.")


def get_visible_or_404(model: type[T], ident: Any, can_view: Callable[[Any, T], bool], *options: Any) -> T:
    """The object (loaded with `options`), if it exists and the caller may see it; 404 either
    way otherwise, so the answer does not tell an officer whether another unit's candidate exists."""
    obj = db.session.get(model, ident, options=options) if 0 < ident <= MAX_ID else None
    if obj is None:
        not_found()
    if not can_view(api_user(), obj):
        _record_refusal(obj)
        not_found()
    return obj


def invalid(field: str, message: str) -> NoReturn:
    """422 for a body field that names something missing or out of sight (no hint which)."""
    smorest_abort(422, message="Invalid input.", errors={field: [message]})


def fields_named(mapping: dict[str, str]) -> None:
    """Name a domain error's fields as the API body does (the operations name form fields):
    declared before the operation runs, read when a refusal is answered."""
    g.api_field_names = mapping


def audit(action: str, target: Any = None, **details: Any) -> None:
    """Record an API action by the token's owner in the request's transaction."""
    audit_ops.record(
        db.session, action, actor=api_user(), target=target, origin=origin(),
        via="api", token_id=g.get("api_token_id"), **details,
    )


def as_stored() -> None:
    """Write the request's changes and read them back as the database holds them (a set of
    flags in its stored order, defaults filled in), so that the answer shows what the next GET
    will. The request's transaction is committed at its end (web/transactions.py)."""
    db.session.flush()
    db.session.expire_all()


# --- paging and ETags ----------------------------------------------------------------------
def paginate(query: sa.Select[Any], args: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """One page of `query` as the list envelope, and a Link header with the neighbours."""
    page, per_page = args["page"], args["per_page"]
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)).unique())
    links = {}
    if page * per_page < total:
        links["next"] = _page_url(page + 1)
    if page > 1:
        links["prev"] = _page_url(min(page - 1, max(1, -(-total // per_page))))
    body = {"items": items, "page": page, "per_page": per_page, "total": total, "next": links.get("next")}
    headers = {"Link": ", ".join(f'<{url}>; rel="{rel}"' for rel, url in links.items())} if links else {}
    return body, headers


def _page_url(page: int) -> str:
    args = request.args.to_dict(flat=False)
    args["page"] = [str(page)]
    return f"{request.base_url}?{urlencode(args, doseq=True)}"


def version_tag(obj: Any) -> dict[str, Any]:
    """What an ETag is computed from: the row's identity and optimistic-lock `version`."""
    return {"type": obj.__tablename__, "id": obj.id, "version": obj.version}
