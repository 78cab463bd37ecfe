"""Sections that higher apps add to the page of a partnership and of a roadmap.

``partnerships`` — and ``roadmaps``, built on it — must not import the apps above them, so
those register a section here in ``AppConfig.ready()`` (CONTRIBUTING: «a higher app
registers with a lower one»), like the school card's sections (``schools.card``): ``events``
shows the events that served the partnership or the roadmap's items, with their reports.

A section's context function gets the request and the already access-checked object and
returns ``None`` to hide the section; it scopes what it shows by ``request.user`` itself and
runs in a constant number of queries. A page renders its sections with
``{% load page_sections %}{% page_sections "partnership" partnership %}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

#: The pages that take sections: the partnership page, the roadmap page and the event page.
PAGES = ("partnership", "roadmap", "event")


@dataclass(frozen=True)
class PageSection:
    page: str
    key: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100


_SECTIONS: dict[tuple[str, str], PageSection] = {}


def register_section(section: PageSection) -> PageSection:
    if section.page not in PAGES:
        raise ValueError(f"unknown page {section.page!r}; one of {PAGES}")
    _SECTIONS[(section.page, section.key)] = section
    return section


def sections_for(page: str, request: HttpRequest, obj: Any) -> list[tuple[str, dict[str, Any]]]:
    """(template, context) of each section of ``page`` to show, in order."""
    shown = []
    for section in sorted(
        (s for s in _SECTIONS.values() if s.page == page), key=lambda s: (s.order, s.key)
    ):
        context = section.context(request, obj)
        if context is not None:
            shown.append((section.template, context))
    return shown
