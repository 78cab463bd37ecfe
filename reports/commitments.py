"""What a partner organisation (or a member school) is expected to do: the roadmap items where it
is responsible or co-responsible and the events it organises or that serve those items, with
their dates (issue 15: both sides of a pair informed). Reminders of them: ``reminders``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Q, QuerySet
from django.utils import timezone

from events.models import Event, EventStatus
from events.selectors import event_list_for_user
from network_portal.access.policy import scope_for
from network_portal.accounts.models import Role
from roadmaps.models import CLOSED_ITEM_STATUSES, RoadmapItem
from roadmaps.selectors import roadmap_items_for_user

#: Roles whose organisation takes on commitments in other schools' roadmaps.
COMMITMENT_ROLES = (Role.PARTNER, Role.DIRECTOR)


@dataclass
class Commitments:
    open_items: list[RoadmapItem]
    closed_count: int
    events: list[Event]
    overdue: int


def commitment_organisation_ids(*, user) -> frozenset[int]:
    return scope_for(user).organisation_ids(*COMMITMENT_ROLES)


def commitment_items(*, user) -> QuerySet[RoadmapItem]:
    """Visible items where one of the user's organisations is responsible or co-responsible,
    other than the user's own school's roadmaps (those are on the roadmap page itself)."""
    orgs = commitment_organisation_ids(user=user)
    return (
        roadmap_items_for_user(user=user)
        .filter(
            Q(responsible_organisation_id__in=orgs) | Q(co_responsible_organisation_id__in=orgs)
        )
        .exclude(roadmap__organisation_id__in=orgs)
        .select_related("roadmap", "roadmap__organisation")
    )


def commitments_for_user(*, user, today: date | None = None) -> Commitments:
    """In a fixed number of queries whatever the number of items and events."""
    today = today or timezone.localdate()
    orgs = commitment_organisation_ids(user=user)
    items = commitment_items(user=user)
    open_items = list(items.exclude(status__in=CLOSED_ITEM_STATUSES).order_by("due_date", "pk"))
    for item in open_items:
        item.is_late = item.is_overdue(today)
    start = timezone.make_aware(datetime.combine(today, time.min))
    events = list(
        event_list_for_user(user=user)
        .filter(
            Q(organiser_id__in=orgs) | Q(roadmap_items__in=items.values("pk")),
            ends_at__gte=start,
        )
        .exclude(status=EventStatus.CANCELLED)
        .select_related("organiser")
        .distinct()
        .order_by("starts_at", "pk")
    )
    return Commitments(
        open_items=open_items,
        closed_count=items.filter(status__in=CLOSED_ITEM_STATUSES).count(),
        events=events,
        overdue=sum(1 for i in open_items if i.is_late),
    )
