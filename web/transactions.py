"""The request's transaction, the one place the web app commits.

Every view (pages and API alike) runs in one transaction of the request's session
(`db.session`): `dispatch` commits it once when the view answers with success (a status below
400) and rolls it back when the view raises or answers with an error. Views therefore only
load, check and act; domain operations flush and raise. A write that loses a race at the
commit, or at a flush in the view (a unique or exclusion constraint, a row another request
changed meanwhile), is answered like the operations' own `Conflict`: `LostRace` is raised,
which the pages show as a 409 with the form again and the API as a problem document (412 after
an If-Match).

Two more things live here, so that nothing else in `web/` begins, commits or rolls back:
- `in_own_transaction()` is the one way to write something that must stand whatever becomes
  of the request: a refused access or login, the bookkeeping of a login session or an API
  token, and what a page disclosed (a candidate page viewed, a recommendation list shown).
- `refusal_of(action)` runs one part of a request in a savepoint of the request's own
  transaction, so that a part a rule refuses is undone alone (the quarterly plan's rows).

The command line (`flask ...`) is not a request: its commands commit themselves.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import current_app, g
from flask.typing import ResponseReturnValue
from sqlalchemy import exc as sa_exc
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from models.operations.companies import STALE_MESSAGE
from models.operations.errors import Conflict, DomainError

from .extensions import db

T = TypeVar("T")

# SQLSTATEs of a write that lost a race: unique and exclusion constraints (PostgreSQL), and a
# serialisation failure or deadlock, after which the same request may well succeed again.
_RACE_SQLSTATES = {"23505", "23P01", "40001", "40P01"}
_RACE_SQLITE_ERRORS = {"SQLITE_CONSTRAINT_UNIQUE", "SQLITE_CONSTRAINT_PRIMARYKEY"}


_DATABASE_ERRORS = (StaleDataError, sa_exc.IntegrityError, sa_exc.OperationalError)


class LostRace(Conflict):
    """Another request wrote the same thing first; found only when committing. The status and
    message are a `Conflict`'s with the code of a stale edit, so every answer to a lost race
    (409, or 412 after an API request's If-Match) is the same wherever it is found."""

    def __init__(self) -> None:
        super().__init__(STALE_MESSAGE, code="stale")


def lost_race(error: BaseException) -> bool:
    """Whether a database error at the commit is a race lost to another writer (as opposed to
    a bug, such as a missing foreign key, which stays a 500 and is logged)."""
    if isinstance(error, StaleDataError):
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    original = error.orig
    return (
        getattr(original, "sqlstate", None) in _RACE_SQLSTATES
        or getattr(original, "sqlite_errorname", None) in _RACE_SQLITE_ERRORS
    )


def _has_session() -> bool:
    return "_db_session" in g


def roll_back() -> None:
    """Undo the request's changes (the error pages draw in a clean transaction)."""
    if _has_session():
        db.session.rollback()


def dispatch(view: Callable[[], ResponseReturnValue]) -> ResponseReturnValue:
    """Run the view in the request's transaction: commit once on success, roll back on an
    exception or an error status. The app factory runs every view through this."""
    try:
        returned = view()
    except _DATABASE_ERRORS as error:  # a flush in the view lost a race, as a commit can
        roll_back()
        if lost_race(error):
            raise LostRace() from error
        raise
    except BaseException:
        roll_back()
        raise
    response = current_app.make_response(returned)
    if response.status_code >= 400:
        roll_back()
        return response
    if _has_session():  # else a view that never touched the database (static files, the spec)
        # The page is drawn and the session ends with the request: expiring each loaded object
        # at the commit (200 for a list of 50 visits, ≈ 1.5 ms) would prepare reloads that
        # never come. What is read after the commit (`after_commit`) reads what was committed.
        db.session.expire_on_commit = False
        try:
            db.session.commit()
        except _DATABASE_ERRORS as error:
            db.session.rollback()
            if lost_race(error):
                raise LostRace() from error
            raise
    for action in g.pop("_after_commit", []):
        action()
    return response


def after_commit(action: Callable[[], Any]) -> None:
    """Run `action` once the request's changes are committed (never if they are rolled back):
    for what cannot be undone, such as deleting an uploaded file the changes were read from."""
    g.setdefault("_after_commit", []).append(action)


@contextmanager
def in_own_transaction() -> Iterator[Session]:
    """A session of its own, committed when the block ends (rolled back if it raises): for a
    record that must stand however the request ends. Objects of the request's session are not
    part of it; pass ids, or `session.merge(obj, load=False)`."""
    session = current_app.extensions["database"].factory()
    try:
        yield session
        session.commit()
    finally:
        session.close()


def refusal_of(action: Callable[[], Any]) -> DomainError | None:
    """Run `action` in a savepoint of the request's transaction. If a rule of the domain
    refuses it, undo its changes alone and return the refusal; else keep them (they are
    committed with the request) and return None."""
    savepoint = db.session.begin_nested()
    try:
        action()
    except DomainError as refusal:
        savepoint.rollback()
        return refusal
    savepoint.commit()
    return None
