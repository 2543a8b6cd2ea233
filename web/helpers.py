"""Small helpers every view uses: load-or-404, access refusal with an audit record, the
request's origin for the audit trail, and where to go next after a login or a language choice."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, NoReturn, TypeVar
from urllib.parse import unquote

from flask import abort, g, request, url_for
from flask_login import current_user
from werkzeug.routing import IntegerConverter, Map

from models.db import MAX_ID
from models.operations import audit as audit_ops

from .extensions import db
from .transactions import in_own_transaction

T = TypeVar("T")


def origin() -> audit_ops.Origin:
    return audit_ops.Origin(ip=request.remote_addr or "", request_id=g.get("request_id", ""))


def actor() -> Any:
    return current_user if current_user.is_authenticated else None


def audit(action: str, target: Any = None, **details: Any) -> None:
    """Record an audit event in the request's transaction (committed with the change)."""
    audit_ops.record(db.session, action, actor=actor(), target=target, origin=origin(), **details)


def audit_standing(action: str, target: Any = None, *, by: Any = None, success: bool = False,
                   target_type: str = "", target_id: int | None = None, **details: Any) -> None:
    """Record an audit event in a transaction of its own, so that it stands however the request
    ends: a refused access or login, or what a page disclosed. `by` defaults to the user
    logged in; `target` is noted by type and id."""
    who = by if by is not None else actor()
    if target is not None:
        target_type, target_id = target.__tablename__, target.id
    with in_own_transaction() as session:
        audit_ops.record(
            session, action, actor=who, target_type=target_type, target_id=target_id, success=success,
            origin=origin(), **details,
        )


def deny(target: Any = None, **details: Any) -> NoReturn:
    """Refuse access (403) and log the attempt."""
    audit_standing("access_denied", target, path=request.path, **details)
    abort(403)


def require(allowed: bool, target: Any = None) -> None:
    if not allowed:
        deny(target)


def _at_most(limit: int) -> str:
    """A regular expression for the whole numbers 1 to `limit`, written without leading zeros."""
    digits = str(limit)
    shorter = [rf"[1-9]\d{{0,{len(digits) - 2}}}"] if len(digits) > 1 else []
    same_length = [
        rf"{digits[:i]}[{int(i == 0)}-{int(d) - 1}]\d{{{len(digits) - i - 1}}}"
        for i, d in enumerate(digits)
        if int(d) > int(i == 0)
    ]
    return "|".join([*shorter, *same_length, digits])


class IdConverter(IntegerConverter):
    """`<int:...>` in every route (the app factory puts it in place of Werkzeug's): the URL
    matches only for 1 to MAX_ID, so a larger number is a 404 (for every method) instead of a
    database error."""

    regex = f"(?:{_at_most(MAX_ID)})"

    def __init__(self, map: Map, fixed_digits: int = 0, min: int = 1, max: int = MAX_ID, signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def get_or_404(model: type[T], ident: Any, *options: Any) -> T:
    """The row, loaded with `options` (loader options, e.g. which of a relation's columns), or 404."""
    if isinstance(ident, int) and not 0 < ident <= MAX_ID:  # no row has it; the database would fail
        abort(404)
    obj = db.session.get(model, ident, options=options)
    if obj is None:
        abort(404)
    return obj


def safe_next(target: Any) -> str:
    """`target` if it is a path on this site, else the start page: where a login (both steps)
    or a language choice goes next. Only a path starting with one `/` is taken, so never a
    scheme or a host. Browsers forgive a lot (they drop tabs and line breaks, read a backslash
    as a slash), so anything that might reach another host after that is refused too: control
    characters, white space or backslashes anywhere, and a path that starts with `//` once
    percent-decoded (`/%2f%2fevil.example`)."""
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return url_for("main.index")
    path = re.split(r"[?#]", target, maxsplit=1)[0]
    while unquote(path) != path:  # `%252f` is `%2f` decoded once, and `/` twice
        path = unquote(path)
    if path.startswith("//") or _unsafe(target) or _unsafe(path):
        return url_for("main.index")
    return target


def _unsafe(text: str) -> bool:
    return any(c == "\\" or c.isspace() or unicodedata.category(c).startswith("C") for c in text)

