"""Template globals and filters: the menu, labels, the permission checks, and Swedish dates
with week numbers."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from typing import Any

from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import get_group_symbol
from flask import Flask, g
from flask_babel import format_date, format_datetime, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape

from models import clock

from . import labels, permissions
from .navigation import nav_for


def local(value: dt.datetime) -> dt.datetime:
    return clock.to_local(value)


def week_number(value: dt.date | dt.datetime) -> int:
    """ISO week, which is what Swedes plan by ("vecka 47")."""
    if isinstance(value, dt.datetime):
        value = local(value).date()
    return value.isocalendar().week


def date_with_week(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    day = local(value).date() if isinstance(value, dt.datetime) else value
    week_word = "v." if str(get_locale()) == "sv" else "wk"
    return f"{format_date(day, 'EEE d MMM yyyy')} ({week_word} {week_number(day)})"


def datetime_short(value: dt.datetime | None) -> str:
    if value is None:
        return ""
    return format_datetime(value, "d MMM yyyy HH:mm")


def time_short(value: dt.datetime | dt.time | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = local(value).time()
    return value.strftime("%H:%M")


def number(value: float | int | None, digits: int = 0, locale: Any = None) -> str:
    if value is None:
        return ""
    locale = locale or get_locale()
    if digits == 0 and type(value) is int and value >= 0:
        # Most cells of a report are counts: group their digits directly (a report page has a
        # thousand of them, and the general formatter costs a tenth of a millisecond each).
        return f"{value:,}".replace(",", get_group_symbol(locale))
    fmt = "#,##0" + ("." + "0" * digits if digits else "")
    return babel_format_decimal(value, format=fmt, locale=locale)


def _empty_cells() -> tuple[str, str]:
    """The cells without a figure, in the request's language: worked out once per request and
    language (a dashboard has 400 rows, and translating both texts for each row took a third of
    the time to draw it)."""
    kept: dict[str, tuple[str, str]] = g.setdefault("_empty_report_cells", {})
    language = str(get_locale())
    if language not in kept:
        missing = f'<td class="num"><span aria-label="{escape(_("uppgift saknas"))}">–</span></td>'
        hidden = ('<td class="num"><span aria-hidden="true">x</span><span class="visually-hidden">'
                  f'{escape(_("dolt för att skydda enskilda"))}</span></td>')
        kept[language] = (missing, hidden)
    return kept[language]


def report_cells(values: Any, table: Any) -> Markup:
    """A report table row's cells (after its heading): a number in the user's format, a
    percentage, a signed change, "x" (hidden to protect individuals) or "–" (no figure).
    Written in Python: a report page has a couple of thousand cells."""
    locale = get_locale()
    group = get_group_symbol(locale)
    missing, hidden = _empty_cells()
    percent, decimal = table.percent_columns, table.decimal_columns
    cells = []
    for index, value in enumerate(values, start=1):
        if value is None:
            cells.append(missing)
        elif isinstance(value, str):
            cells.append(hidden if value == "x" else f"<td>{escape(value)}</td>")
        elif index in percent:
            cells.append(f'<td class="num">{number(value * 100, 1, locale)} %</td>')
        elif index in decimal:
            cells.append(f'<td class="num">{"+" if value > 0 else ""}{number(value, 2, locale)}</td>')
        elif type(value) is int and value >= 0:
            cells.append('<td class="num">' + f"{value:,}".replace(",", group) + "</td>")
        else:
            cells.append(f'<td class="num">{number(value, 2 if isinstance(value, float) else 0, locale)}</td>')
    # Every text above is a number or escaped.
    return Markup("".join(cells))  # noqa: S704 # nosec B704


def _asked_for_current_user(check: Callable[..., bool]) -> Callable[..., bool]:
    """`check` about the logged-in user: a template asks `can_edit_candidate(candidate)`."""

    @functools.wraps(check)
    def ask(*args: Any) -> bool:
        return check(current_user, *args)

    return ask


# Templates ask these; they never compare roles (tests/test_permission_rules.py).
PERMISSION_CHECKS = {
    name: _asked_for_current_user(check)
    for name, check in vars(permissions).items()
    if name.startswith("can_") and callable(check)
}


def init_templating(app: Flask) -> None:
    app.jinja_env.filters.update(
        date_week=date_with_week,
        datetime_short=datetime_short,
        time_short=time_short,
        number=number,
        week=week_number,
        cefr=labels.cefr_label,
    )
    app.jinja_env.globals.update(PERMISSION_CHECKS)
    app.jinja_env.globals["report_cells"] = report_cells

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "nav_items": nav_for(current_user) if current_user.is_authenticated else [],
            "labels": labels,
            "current_locale": str(get_locale()),
        }
