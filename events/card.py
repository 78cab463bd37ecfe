"""The events section of the school card and the home-page panel."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, IntegerField, OuterRef, Subquery
from django.http import HttpRequest
from django.utils import timezone

from network_portal.accounts.models import RoleAssignment
from network_portal.ui import slots

from .models import Event, EventStatus, Registration, RegistrationStatus
from .selectors import event_can_create, event_list_for_user, present_count, registrations_of_user

CARD_LIMIT = 6
#: ORM lookups from an event to the schools whose kept pages show it and its registrations
#: (``schools.card_cache``): its organiser's card (the events it organised, how many attended)
#: and the pages of the roadmaps whose items it served (the same). The staff's count of events
#: attended is its registrations' people's (``EventsConfig.ready``).
SHOWN_ON = ("organiser", "roadmap_items__roadmap__organisation")
#: events the card does not show among those the school organised
HIDDEN = (EventStatus.DRAFT, EventStatus.CANCELLED)


def card_facts() -> dict[str, Any]:
    """How many network events the organisation's staff attended, read with the organisation
    (the schools.card slot): a count of distinct events over the staff's registrations."""
    staff = RoleAssignment.objects.filter(organisation_id=OuterRef(OuterRef("pk"))).values(
        "user_id"
    )
    events = (
        Registration.objects.filter(user_id__in=staff, attended=True)
        .order_by()
        .values("event_id")
        .distinct()
    )
    # the events it organised are read only when there are any to show (most schools have none)
    organised = Event.objects.filter(organiser_id=OuterRef("pk")).exclude(status__in=HIDDEN)
    return {"attended": _CountOf(events), "organises": Exists(organised)}


def shown_on(*, event: Event) -> set[int]:
    """The schools whose kept pages show the event as it is stored (``SHOWN_ON``); not read
    with the page cache off."""
    from schools import card_cache

    if not card_cache.enabled():
        return set()
    rows = Event.objects.filter(pk=event.pk).values_list(*SHOWN_ON)
    return {pk for row in rows for pk in row if pk is not None}


def shown_on_items(*, organiser_id: int | None, items: Iterable) -> set[int]:
    """The schools whose kept pages would show an event of this organiser serving these roadmap
    items (``SHOWN_ON`` of an event not yet stored as such); not read with the page cache off."""
    from roadmaps.models import RoadmapItem
    from schools import card_cache

    if not card_cache.enabled():
        return set()
    ids = [getattr(item, "pk", item) for item in items]
    schools = set(
        RoadmapItem.objects.filter(pk__in=ids).values_list("roadmap__organisation_id", flat=True)
    )
    return {pk for pk in (organiser_id, *schools) if pk is not None}


class _CountOf(Subquery):
    """``SELECT COUNT(*)`` over a subquery's rows (its distinct events)."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) _rows)"
    output_field = IntegerField()


def events_section_context(request: HttpRequest, organisation: Any) -> dict[str, Any] | None:
    """Events the organisation organised (with reports) and how many its staff attended."""
    facts = slots.facts("schools.card", "events", organisation)
    organised = []
    if facts["organises"]:
        organised = list(
            event_list_for_user(user=request.user)
            .filter(organiser=organisation)
            .exclude(status__in=HIDDEN)
            .select_related("event_type", "report")
            .annotate(attended_count=present_count())
            .order_by("-starts_at")[:CARD_LIMIT]
        )
    attended = facts["attended"]
    if not organised and not attended:
        return None
    return {"organisation": organisation, "organised": organised, "attended": attended}


def panel_context(user: Any, scope: Any) -> dict[str, Any] | None:
    mine = list(
        registrations_of_user(user=user).filter(
            status__in=(RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED),
            event__ends_at__gte=timezone.now(),
        )[:5]
    )
    upcoming = (
        event_list_for_user(user=user)
        .filter(status=EventStatus.PUBLISHED, starts_at__gte=timezone.now())
        .count()
    )
    if not mine and not upcoming:
        return None
    return {"mine": mine, "upcoming": upcoming, "can_create": event_can_create(user=user)}
