"""Pieces of pages kept between views, until the rows they show change.

The pages everyone lands on after every action (the start page's panels, the candidate bank,
the visit list, the steering dashboard) recomputed the same lists and tables for every view:
20–50 ms of queries and rendering each, in a region's data. Their HTML is now kept per process,
per user, language, address (with its query string) and minute, stamped with the `pages` data
version (models/system.py). That version changes in the same transaction as every committed
change to the rows pages show, so a kept piece is never older than the last commit and workers
and hosts cannot disagree; the minute bounds what depends on the clock (a visit that has just
ended, today's date). Only pieces without forms that post (no CSRF tokens) and without
one-time content (flash messages) are kept.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup

from models import clock
from models.operations.derived_cache import DerivedCache
from models.system import PAGES

from .extensions import db

# 2–60 KB each (a panel 2–5 KB, a list page 20 KB, the dashboard 60 KB): at most about 10–20 MB
# per worker; the least recently used go first.
_KEPT = DerivedCache(PAGES, max_entries=512)


def kept_html(name: str, render: Callable[[], str], *key: Hashable, user: Any = None,
              per_address: bool = True) -> Markup:
    """`render()`'s HTML, or the copy kept for the same user, language, minute, address and `key`.
    `render` must depend on nothing else: not on flashed messages, not on the session."""
    who = user if user is not None else current_user
    parts: tuple[Hashable, ...] = (name, who.id, str(get_locale()), clock.now().replace(second=0, microsecond=0))
    if per_address:
        parts += (request.path, tuple(sorted(request.args.items(multi=True))))
    # render() is a template rendered with autoescape: HTML already, not text to be escaped.
    html: str = _KEPT.get(db.session, parts + key, render)
    return Markup(html)  # noqa: S704 # nosec B704
