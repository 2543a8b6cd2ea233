"""Errors that domain operations raise, and the translatable messages they carry; the web
layer turns them into statuses and shows the messages in the user's language.

Swedish is the source language: a message is written in Swedish and is its own msgid in the
translation catalogue. A message with values in it is a template with `%(name)s` placeholders
and the values beside it (never an f-string, which no catalogue could hold), so that the web
layer can look the template up and fill in the values afterwards (`web.i18n.translate`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from babel.numbers import format_decimal


class Message(str):
    """Text for a user: the Swedish text itself (so logs, the CLI and tests read it as a plain
    string), remembering the msgid `template` and the `params` filled into it.

    A parameter that is itself a `Message` (a Swedish word such as a status) is translated too
    when the message is shown; any other value (a name, a number, what the user typed) is not.
    A decimal number (a `float`) is written with the reader's decimal sign: a comma here.
    """

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Message:
        shown = {key: format_decimal(value, locale="sv") if isinstance(value, float) else value
                 for key, value in params.items()}
        text = template % shown if params else template
        message = super().__new__(cls, text)
        message.template = str(template)
        message.params = params
        return message

    def __reduce__(self) -> Any:  # pickles (and copies) as a Message, not as the text alone
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Message:
    return Message(template, **params)


def N_(template: str, **params: Any) -> Message:  # noqa: N802 - the gettext convention for "mark only"
    """Mark Swedish text for the catalogue where it is written, for translation where it is shown."""
    return Message(template, **params)


class DomainError(Exception):
    """A rule of the domain refused the operation; `message` is meant for the user.

    `field` names the form field at fault, when there is one. Values in the message are given
    as keyword arguments for its `%(name)s` placeholders: `DomainError("Högst %(n)s.", n=5)`.
    """

    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid", **params: Any):
        if isinstance(message, Message) and not params:
            self.message = message
        else:
            self.message = Message(message, **params)
        super().__init__(str(self.message))
        self.field = field
        self.code = code


class Conflict(DomainError):
    """The current state does not allow it (a stale edit, a full offer, a bad transition)."""

    status = 409


class NotAllowed(DomainError):
    """The acting user may not do this."""

    status = 403


def joined(items: Iterable[Any], separator: str = ", ") -> Message:
    """Several values as one message parameter (a list of weekdays, say), each translated
    when shown if it is a `Message`."""
    params = {f"item{i}": item for i, item in enumerate(items)}
    return Message(separator.join(f"%({key})s" for key in params), **params)
