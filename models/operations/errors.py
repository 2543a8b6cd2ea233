"""Errors that domain operations raise; the web layer turns them into messages and statuses."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the operation; `message` is meant for the user.

    `field` names the form field at fault, when there is one.
    """

    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class Conflict(DomainError):
    """The current state does not allow it (a stale edit, a full offer, a bad transition)."""

    status = 409


class NotAllowed(DomainError):
    """The acting user may not do this."""

    status = 403
