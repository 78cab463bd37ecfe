"""Sections of the school card contributed by higher apps (diagnostics, partnerships, roadmaps…).

``schools`` must not import the apps that build on it, so they register their sections here in
``AppConfig.ready()``; the school card view renders the sections in order. A section's context
function gets the request and the (already access-checked) organisation and returns ``None``
to hide the section.

The whole card — the registry's part and every section — stays under 15 queries whatever the
data (issue 4, asserted in ``tests/schools/test_views.py``), so a section must be frugal:

* scalar facts (a count, a flag, a capacity) are declared as ``facts``: expressions over the
  organisation row (``OuterRef("pk")`` in subqueries) that the card reads *with the
  organisation itself*, in the query that fetches it; the section reads them back with
  :func:`section_facts` (which costs one query when the organisation came from elsewhere,
  e.g. a test calling the context function directly);
* lists are read in one query each (``select_related`` rather than ``prefetch_related``), and
  skipped when a fact says they are empty;
* access checks on the organisation are made in Python from the user's scope
  (``schools.selectors.organisation_allowed``), not with an ``exists()`` query;
* a value two sections need (the current risk profile) is read once per request by the
  lower app and shared.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest


@dataclass(frozen=True)
class CardSection:
    key: str
    title: Any  # a lazy translated string
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100
    #: ``facts(request) -> {name: expression}``, annotated on the organisation's own query.
    facts: Callable[[HttpRequest], dict[str, Any]] | None = None


_SECTIONS: dict[str, CardSection] = {}


def register_section(section: CardSection) -> CardSection:
    _SECTIONS[section.key] = section
    return section


def _sections() -> list[CardSection]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.key))


def _alias(key: str, name: str) -> str:
    return f"card_{key}_{name}"


def with_section_facts(request: HttpRequest, queryset: QuerySet) -> QuerySet:
    """``queryset`` (of organisations) annotated with every section's facts."""
    annotations: dict[str, Any] = {}
    names: dict[str, list[str]] = {}
    for section in _sections():
        if section.facts is None:
            continue
        facts = section.facts(request)
        names[section.key] = list(facts)
        annotations.update({_alias(section.key, n): e for n, e in facts.items()})
    request._card_fact_names = names
    return queryset.annotate(**annotations) if annotations else queryset


def section_facts(request: HttpRequest, organisation: Any, key: str) -> dict[str, Any]:
    """The facts of section ``key`` for ``organisation``: read with it by the card view, or
    fetched now in one query."""
    section = _SECTIONS.get(key)
    if section is None or section.facts is None:
        return {}
    names = getattr(request, "_card_fact_names", {}).get(key)
    if names is not None and all(hasattr(organisation, _alias(key, n)) for n in names):
        return {n: getattr(organisation, _alias(key, n)) for n in names}
    facts = section.facts(request)
    row = (
        type(organisation)
        ._default_manager.filter(pk=organisation.pk)
        .annotate(**{_alias(key, n): e for n, e in facts.items()})
        .values(*(_alias(key, n) for n in facts))
        .get()
    )
    return {n: row[_alias(key, n)] for n in facts}


def sections_for(request: HttpRequest, organisation: Any) -> list[dict[str, Any]]:
    shown = []
    for section in _sections():
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
