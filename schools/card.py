"""Sections of the school card contributed by higher apps (diagnostics, partnerships, roadmaps…).

``schools`` must not import the apps that build on it, so they register their sections here in
``AppConfig.ready()``; the school card view renders the sections in order. A section's context
function gets the request and the (already access-checked) organisation and returns ``None``
to hide the section. It must run in a constant number of queries.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest


@dataclass(frozen=True)
class CardSection:
    key: str
    title: Any  # a lazy translated string
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


_SECTIONS: dict[str, CardSection] = {}


def register_section(section: CardSection) -> CardSection:
    _SECTIONS[section.key] = section
    return section


def sections_for(request: HttpRequest, organisation: Any) -> list[dict[str, Any]]:
    shown = []
    for section in sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key)):
        context = section.context(request, organisation)
        if context is not None:
            shown.append(
                {
                    "key": section.key,
                    "title": section.title,
                    "template": section.template,
                    "context": context,
                }
            )
    return shown
