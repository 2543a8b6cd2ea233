"""Start-page panels. Each area registers the panels it contributes, each with the permission
check (web/permissions.py) that says who sees it, so the start page grows with the product
without one template that knows every area.

A panel that reads only the rows pages show (models/system.py, PAGE_INPUT_TABLES) can be
`kept` (web/kept.py): its HTML is then kept per user, language and minute until any of those
rows change. The start page is where everyone lands after every action; without this it
recomputed the same lists for every view (about 20 ms of queries for a project leader in a
region's data).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import render_template
from markupsafe import Markup

from ..kept import kept_html


@dataclass(frozen=True)
class Panel:
    name: str
    # Who sees the panel: a check from web/permissions.py, `allowed(user)`.
    allowed: Callable[[Any], bool]
    template: str
    # Returns the template's context for this user; None hides the panel.
    context: Callable[[Any], dict[str, Any] | None] = field(default=lambda user: {})
    order: int = 100
    # The context reads only PAGE_INPUT_TABLES and depends on nothing but the user, the
    # language and the time to the minute: the HTML may be kept (see the module's docstring).
    kept: bool = False


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[panel.name] = panel


def _render(panel: Panel, user: Any) -> str:
    """The panel's HTML; "" when it is hidden."""
    ctx = panel.context(user)
    if ctx is None:
        return ""
    return render_template(panel.template, ctx=ctx, panel=panel, panel_id=f"panel-{panel.name}")


def panels_for(user: Any) -> list[tuple[Panel, Markup]]:
    """The panels `user` sees, in order, each as its HTML."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        if not panel.allowed(user):
            continue
        if panel.kept:
            html = kept_html("panel", lambda panel=panel: _render(panel, user), panel.name,  # type: ignore[misc]
                             user=user, per_address=False)
        else:
            # A rendered template (autoescaped): HTML already, not text to be escaped.
            html = Markup(_render(panel, user))  # noqa: S704 # nosec B704
        if html:
            shown.append((panel, html))
    return shown
