"""Error pages in the layout: 403, 404, 413, 429, 500 (logged with the request id), and the page
a refused operation shows: the form again with the domain error's message (`form_page`)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, flash, g, jsonify, make_response, redirect, render_template, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException, default_exceptions

from models.operations.errors import DomainError

from . import transactions
from .i18n import error_message, translate

#: Draws the page a refusal is shown on (the status is the refusal's).
RefusalPage = Callable[[DomainError], ResponseReturnValue]


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


# --- refused operations (pages; the API answers with problem documents, web/api/core.py) -------
def show_on_form(form: Any, error: DomainError, rename: Mapping[str, str] | None = None) -> None:
    """Put a domain error's message(s) on the form fields they name (`rename` maps the
    operation's names to the form's), or above the form when they name none on it."""
    problems = getattr(error, "problems", None) or [(error.field or "", error.message)]
    for problem in problems:
        key, message = (problem.key, problem.message) if hasattr(problem, "key") else problem
        name = (rename or {}).get(key, key)
        text = translate(message)
        if name and hasattr(form, name):
            field = getattr(form, name)
            field.errors = [*field.errors, text]
        else:
            form.form_errors.append(text)


def refusal_page(render: RefusalPage) -> None:
    """Declare the page to show if the operation this view is about to run is refused:
    `render(error)` draws it, after the request's changes are rolled back, with the refusal's
    status (422, 409 for a conflict, 403 ...)."""
    g.refusal_page = render


def form_page(form: Any, template: str, *, rename: Mapping[str, str] | None = None, **context: Any) -> None:
    """Declare that a refusal shows `template` again, with `form` carrying the message on the
    field it names (or above the form) and `context`."""
    form_on_page(form, lambda: render_template(template, form=form, **context), rename=rename)


def form_on_page(form: Any, draw: Callable[[], ResponseReturnValue], *,
                 rename: Mapping[str, str] | None = None) -> None:
    """Declare that a refusal shows the page `draw()` makes, with `form` (one of the page's
    forms) carrying the message on the field it names, or above the form."""

    def render(error: DomainError) -> ResponseReturnValue:
        show_on_form(form, error, rename)
        return draw()

    refusal_page(render)


def refusal_goes_to(url: str, category: str = "error") -> None:
    """Declare that a refusal is shown as a message (of `category`) on the page at `url`: for a
    button on a page, rather than a form of its own."""

    def render(error: DomainError) -> Any:
        flash(error_message(error), category)
        return redirect(url)

    refusal_page(render)


def _refused(error: DomainError) -> Any:
    """A rule of the domain refused what a page asked for: nothing was saved (the request's
    transaction is rolled back); the page the view declared, or a page with the message."""
    render: RefusalPage | None = g.pop("refusal_page", None)
    if render is None:
        shown = default_exceptions[error.status](description=error_message(error))
        return render_template("errors/generic.html", error=shown), error.status
    response = make_response(render(error))
    if response.status_code < 300:
        response.status_code = error.status
    return response


def init_errors(app: Flask) -> None:
    app.register_error_handler(DomainError, _refused)

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        if exc.code == 429 and request.endpoint == "auth.login" and request.method == "POST":
            # refused by the rate limit: a failed login too, so the review sees the whole burst
            from .auth.views import note_failed_login

            note_failed_login(request.form.get("email", ""), limited=True)
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
        transactions.roll_back()
        app.logger.exception(
            "unhandled error request_id=%s path=%s", g.get("request_id", "-"), request.path
        )
        if _wants_json():
            return problem_response(
                500, "Internal Server Error", "An unexpected error occurred; it has been logged."
            )
        return render_template("errors/500.html", request_id=g.get("request_id", "")), 500
