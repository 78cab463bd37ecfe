"""Slots: the one way a higher app adds a part to a lower app's page.

A lower app must not import the apps built on it (CONTRIBUTING: «a higher app registers with
a lower one»), so each page that takes contributions owns a *slot*: it declares it by name
in its ``AppConfig.ready()`` (``declare("schools.card")``) and shows it where the parts go.
Higher apps, later in ``INSTALLED_APPS``, register a :class:`Contribution` to it in theirs.

One signature everywhere: a contribution's ``context(request, obj)`` gets the request and the
page's object (already access-checked; the user on the home page) and returns the context of
its template, or ``None`` to stay hidden. It scopes what it shows by ``request.user`` itself
and runs in a constant number of queries.

A page shows its slot with ``{% load slots %}{% slot "name" obj %}``, each part rendered in
place like an ``{% include %}``; a page that heads or frames each part says how in a partial
of its own, ``{% slot "name" obj frame="app/page.html#part" %}`` (the school card, the home
page). Views do not fill slots: the page's template owns where and how its parts show.

Scalar facts (a count, a flag) a contribution needs are declared as ``facts() -> {name:
expression}`` over the page's object (``OuterRef("pk")``), the same for every request: built
once per process (building a card's subqueries costs more than reading them, issue 17 item 5).
The page reads them with its object, in the query that fetches it (:func:`annotate`), and the
contribution reads them back with :func:`facts` — one query when the object came from
elsewhere (e.g. a test calling the context function directly).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string

from network_portal.access.policy import scope_for


@dataclass(frozen=True)
class Slot:
    """A place on a page that takes contributions; declared by the page's own app."""

    name: str
    #: ``False``: a part is rendered in place in the page's context, its own names added (like
    #: ``{% include %}``). ``True``: a part's template sees only its own context and the page's
    #: object under ``obj_name`` (rendered by :func:`fill`, as ``part["html"]``).
    isolated: bool = False
    obj_name: str = "object"


@dataclass(frozen=True)
class Contribution:
    """One part a higher app adds to a slot."""

    key: str
    template: str
    context: Callable[[HttpRequest, Any], dict[str, Any] | None]
    order: int = 100
    title: Any = ""  # a lazy translated string, for pages that head each part
    #: shown only to users holding one of these roles (admins always); empty: to everyone
    roles: tuple[str, ...] = ()
    #: ``facts() -> {name: expression}``, read with the page's object (:func:`annotate`)
    facts: Callable[[], dict[str, Any]] | None = None


_SLOTS: dict[str, Slot] = {}
_CONTRIBUTIONS: dict[str, dict[str, Contribution]] = {}


def declare(name: str, *, isolated: bool = False, obj_name: str = "object") -> Slot:
    """Declare the slot ``name`` (by the app that owns the page)."""
    slot = Slot(name=name, isolated=isolated, obj_name=obj_name)
    _SLOTS[name] = slot
    _CONTRIBUTIONS.setdefault(name, {})
    return slot


def register(slot: str, contribution: Contribution) -> Contribution:
    """Add ``contribution`` to ``slot``, which its page's app has declared already."""
    if slot not in _SLOTS:
        raise ValueError(f"unknown slot {slot!r}; declared: {sorted(_SLOTS)}")
    _CONTRIBUTIONS[slot][contribution.key] = contribution
    _FACTS.pop((slot, contribution.key), None)
    return contribution


def contributions(slot: str) -> list[Contribution]:
    """The contributions to ``slot``, in order."""
    return sorted(_CONTRIBUTIONS.get(slot, {}).values(), key=lambda c: (c.order, c.key))


def fill(slot: str, request: HttpRequest, obj: Any) -> list[dict[str, Any]]:
    """The parts of ``slot`` shown to ``request.user`` for ``obj``, in order: each a dict of
    ``key``, ``title``, ``template``, ``context`` (and ``html`` for an isolated slot)."""
    declared = _SLOTS[slot]
    scope = scope_for(request.user)
    parts = []
    for contribution in contributions(slot):
        if contribution.roles and not scope.has_role(*contribution.roles):
            continue
        own = contribution.context(request, obj)
        if own is None:
            continue
        part = {
            "key": contribution.key,
            "title": contribution.title,
            "template": contribution.template,
            "context": own,
        }
        if declared.isolated:
            part["html"] = render_to_string(
                contribution.template, {**own, declared.obj_name: obj}, request=request
            )
        parts.append(part)
    return parts


def _alias(slot: str, key: str, name: str) -> str:
    return f"slot_{slot.replace('.', '_')}_{key}_{name}"


#: The contributions' facts by (slot, key), built once per process (a query resolves copies).
_FACTS: dict[tuple[str, str], dict[str, Any]] = {}


def _expressions(slot: str, contribution: Contribution) -> dict[str, Any]:
    found = _FACTS.get((slot, contribution.key))
    if found is None:
        found = _FACTS[slot, contribution.key] = contribution.facts()
    return found


def annotate(slot: str, queryset: QuerySet) -> QuerySet:
    """``queryset`` (of the page's objects) annotated with every contribution's facts."""
    annotations: dict[str, Any] = {}
    for contribution in contributions(slot):
        if contribution.facts is not None:
            for name, expression in _expressions(slot, contribution).items():
                annotations[_alias(slot, contribution.key, name)] = expression
    return queryset.annotate(**annotations) if annotations else queryset


def facts(slot: str, key: str, obj: Any) -> dict[str, Any]:
    """The facts of contribution ``key`` to ``slot`` for ``obj``: read with it by the page
    (:func:`annotate`), or fetched now in one query."""
    contribution = _CONTRIBUTIONS.get(slot, {}).get(key)
    if contribution is None or contribution.facts is None:
        return {}
    expressions = _expressions(slot, contribution)
    aliases = {name: _alias(slot, key, name) for name in expressions}
    if all(hasattr(obj, alias) for alias in aliases.values()):
        return {name: getattr(obj, alias) for name, alias in aliases.items()}
    row = (
        type(obj)
        ._default_manager.filter(pk=obj.pk)
        .annotate(**{aliases[n]: e for n, e in expressions.items()})
        .values(*aliases.values())
        .get()
    )
    return {name: row[alias] for name, alias in aliases.items()}
