"""Template globals and filters: the menu, labels, the permission checks, and Swedish dates
with week numbers."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from babel.numbers import format_decimal as babel_format_decimal
from babel.numbers import get_decimal_symbol, get_group_symbol
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


@functools.lru_cache(maxsize=8)
def _symbols(language: str) -> tuple[str, str]:
    """The locale's digit-group and decimal signs (Swedish: a no-break space and a comma): fixed
    data of the Babel release, never the partnership's, so keeping them per language cannot go
    stale."""
    return get_group_symbol(language), get_decimal_symbol(language)


def number(value: float | int | None, digits: int = 0, locale: Any = None) -> str:
    """`value` with `digits` decimals, digits grouped by the user's locale: what Babel's
    `format_decimal(value, "#,##0.00…")` gives (rounded half to even from the number's shortest
    decimal form, the locale's signs), written out directly, since a report page has a thousand
    figures and the general formatter costs a tenth of a millisecond each
    (tests/test_i18n.py compares the two)."""
    if value is None:
        return ""
    language = str(locale or get_locale())
    if isinstance(value, float) and not math.isfinite(value):
        return babel_format_decimal(value, format="#,##0" + ("." + "0" * digits if digits else ""), locale=language)
    group, decimal = _symbols(language)
    text = f"{value:,}" if type(value) is int and not digits else format(Decimal(str(value)), f",.{digits}f")
    return text.replace(",", "\0").replace(".", decimal).replace("\0", group)


def _report_symbols() -> tuple[str, str, str]:
    """The request's language and the cells without a figure in it, worked out once per request
    (a dashboard has 400 rows): (language, "no figure" cell, hidden cell)."""
    language = str(get_locale())
    kept: dict[str, tuple[str, str, str]] = g.setdefault("_report_symbols", {})
    if language not in kept:
        missing = f'<td class="num"><span aria-label="{escape(_("uppgift saknas"))}">–</span></td>'
        hidden = ('<td class="num"><span aria-hidden="true">x</span><span class="visually-hidden">'
                  f'{escape(_("dolt för att skydda enskilda"))}</span></td>')
        kept[language] = (language, missing, hidden)
    return kept[language]


def report_rows(table: Any) -> Markup:
    """A report table's body: each row's heading and its cells, a number in the user's format, a
    percentage, a signed change, "x" (hidden to protect individuals) or "–" (no figure). Written
    in Python, one call per table: a report page has a couple of thousand cells."""
    language, missing, hidden = _report_symbols()
    percent, decimal = table.percent_columns, table.decimal_columns
    out = []
    for heading, *values in table.rows:
        out.append(f'<tr>\n<th scope="row">{escape(heading)}</th>')
        for index, value in enumerate(values, start=1):
            if value is None:
                out.append(missing)
            elif isinstance(value, str):
                out.append(hidden if value == "x" else f"<td>{escape(value)}</td>")
            elif index in percent:
                out.append(f'<td class="num">{number(value * 100, 1, language)} %</td>')
            elif index in decimal:
                out.append(f'<td class="num">{"+" if value > 0 else ""}{number(value, 2, language)}</td>')
            else:
                out.append(f'<td class="num">{number(value, 2 if isinstance(value, float) else 0, language)}</td>')
        out.append("</tr>\n")
    # Every text above is a number or escaped.
    return Markup("".join(out))  # noqa: S704 # nosec B704


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
    app.jinja_env.globals["report_rows"] = report_rows

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {
            "nav_items": nav_for(current_user) if current_user.is_authenticated else [],
            "labels": labels,
            "current_locale": str(get_locale()),
        }
