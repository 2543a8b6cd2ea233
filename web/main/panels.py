"""Start-page panels. Each area registers the panels it contributes for the roles it serves,
so the start page grows with the product without one template that knows every area."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.enums import Role


@dataclass(frozen=True)
class Panel:
    name: str
    roles: frozenset[Role]
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
        if user.role not in panel.roles:
            continue
        ctx = panel.context(user)
        if ctx is not None:
            shown.append((panel, ctx))
    return shown
