"""Small display helpers for the candidate bank's pages and emails."""

from __future__ import annotations

from flask_babel import get_locale

from models.operations import fields


def language_name(code: str) -> str:
    """A language's name in the reader's language ('ar' → 'arabiska'), from CLDR via Babel."""
    return fields.language_name(code, str(get_locale() or "sv"))
