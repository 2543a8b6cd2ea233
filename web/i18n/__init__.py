"""Messages from models/ in the user's language, and the catalogue tools (`flask i18n ...`).

Swedish is the source language: the Swedish text is the msgid, the `sv` catalogue repeats it
and the `en` catalogue translates it. Domain operations raise their messages in Swedish, as
templates with their values apart (`models.operations.errors.Message`); `translate` looks the
template up in the current locale when the message is shown, then fills in the values.
"""

from __future__ import annotations

from typing import Any

from babel.support import Translations
from flask_babel import format_decimal, gettext

from models.operations import vocabularies
from models.operations.errors import DomainError, Message
from models.operations.spreadsheet import CellInvalid, Problem


def accept_translated_labels() -> None:
    """Let imports, forms and the API take a choice by its label in any of the app's languages
    (a message names the choices in the reader's language, so that is what people write)."""
    from .catalogues import DIRECTORY, LOCALES, SOURCE_LOCALE

    for locale in LOCALES:
        if locale != SOURCE_LOCALE:
            vocabularies.accept_translations(locale, Translations.load(str(DIRECTORY), [locale]).gettext)


def translate(text: Any) -> str:
    """`text` in the current locale: a `Message` by its template, with the parameters that are
    Messages translated too and decimal numbers written the locale's way; a plain Swedish string
    by itself. Text that is not in the catalogue (a user's own words, say) comes back unchanged."""
    if text is None:
        return ""
    if isinstance(text, Message):
        template = gettext(text.template) if text.template else ""
        if not text.params:
            return template
        return template % {key: _value(value) for key, value in text.params.items()}
    return gettext(str(text)) if text else ""


def _value(value: Any) -> Any:
    """A message's parameter as shown: a Message translated, a decimal number in the locale's way."""
    if isinstance(value, Message):
        return translate(value)
    return format_decimal(value) if isinstance(value, float) else value


def refusal_message(refusal: CellInvalid) -> str:
    """A field rule's refusal (models/operations/fields.py), its problem and fix, in the user's language."""
    return translate(Problem("", refusal.problem, refusal.fix).message)


def error_message(error: DomainError) -> str:
    """A domain error's message in the user's language, for a form, a flash or a problem detail."""
    return translate(error.message)
