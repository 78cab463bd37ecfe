"""The events parts of the partnership and roadmap pages (their slots, ``ui.slots``).

Issue 8, item 3: the report after an event is attached to the partnership and to the roadmap
items it served — so both pages list those events with their reports, scoped by the user.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from .models import Event
from .selectors import event_can_create, events_for_partnership, events_for_roadmap


def partnership_events_context(request: HttpRequest, partnership: Any) -> dict[str, Any]:
    return {
        "served_events": events_for_partnership(user=request.user, partnership_id=partnership.pk),
        "served_items": False,
        "partnership": partnership,
        "can_create": event_can_create(user=request.user),
    }


def roadmap_facts() -> dict[str, Any]:
    """Whether an event served one of the roadmap's items, read with the roadmap itself."""
    served = Event.roadmap_items.through.objects.filter(roadmapitem__roadmap_id=OuterRef("pk"))
    return {"served": Exists(served)}


def roadmap_events_context(request: HttpRequest, roadmap: Any) -> dict[str, Any] | None:
    # Most roadmaps' items served no event: a flag read with the roadmap (``roadmap_facts``;
    # a query of its own cost ≈ 0.5 ms), the scoped, annotated query (≈ 3 ms of CPU to build,
    # issue 17) only when there is one.
    from network_portal.ui import slots

    if not slots.facts("roadmaps.detail", "events", roadmap)["served"]:
        return None
    events = events_for_roadmap(user=request.user, roadmap_id=roadmap.pk)
    if not events:  # most items are not events: no empty section on every roadmap
        return None
    return {"served_events": events, "served_items": True, "can_create": False}
