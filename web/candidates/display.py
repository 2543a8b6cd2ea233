"""Small display helpers for the candidate bank's pages and emails."""

from __future__ import annotations

from flask_babel import get_locale

from models.operations.candidates import language_words


def language_name(code: str) -> str:
    """A language's name in the reader's language ('ar' → 'arabiska'), from CLDR via Babel."""
    from babel import Locale

    locale = str(get_locale() or "sv")
    return Locale.parse(locale).languages.get(code, code) if code in language_words() else code
