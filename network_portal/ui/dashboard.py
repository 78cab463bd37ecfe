"""Home-page panels. Domain apps register theirs in ``AppConfig.ready()``.

A panel is a template and a function that builds its context for a user (in a bounded number
of queries). The home page shows the panels of the roles the user holds, in order.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from network_portal.access.policy import Scope


@dataclass(frozen=True)
class Panel:
    key: str
    roles: tuple[str, ...]
    template: str
    context: Callable[[Any, Scope], dict[str, Any] | None]
    order: int = 100


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> Panel:
    _PANELS[panel.key] = panel
    return panel


def panels_for(user: Any, scope: Scope) -> list[dict[str, Any]]:
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if not scope.has_role(*panel.roles):
            continue
        context = panel.context(user, scope)
        if context is not None:
            shown.append({"template": panel.template, "context": context, "key": panel.key})
    return shown
