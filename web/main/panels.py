"""Start-page panels. Each area registers the panels it contributes, each with the permission
check (web/permissions.py) that says who sees it, so the start page grows with the product
without one template that knows every area."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Panel:
    name: str
    # Who sees the panel: a check from web/permissions.py, `allowed(user)`.
    allowed: Callable[[Any], bool]
    template: str
    # Returns the template's context for this user; None hides the panel.
    context: Callable[[Any], dict[str, Any] | None] = field(default=lambda user: {})
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[panel.name] = panel


def panels_for(user: Any) -> list[tuple[Panel, dict[str, Any]]]:
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.name)):
        if not panel.allowed(user):
            continue
        ctx = panel.context(user)
        if ctx is not None:
            shown.append((panel, ctx))
    return shown
