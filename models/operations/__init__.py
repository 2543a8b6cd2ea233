"""Domain operations: plain functions that take a session and objects, validate, change,
flush, and raise a DomainError with a clear message. They never commit."""

from .errors import Conflict, DomainError, NotAllowed

__all__ = ["Conflict", "DomainError", "NotAllowed"]
