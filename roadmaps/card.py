"""The roadmaps section of the school card (the schools.card slot): progress of the school's
roadmaps and its open engagement concerns.

Within the card's budget of 15 queries (issue 4): the roadmaps with their item counts in one
query; the open concerns only when the fact read with the organisation says there are any;
the right to raise a concern from the user's scope, without a query.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef
from django.http import HttpRequest

from network_portal.access.policy import scope_for
from network_portal.ui import slots
from schools.selectors import organisation_allowed

from .figures import percent
from .models import EngagementConcern
from .selectors import (
    CONCERN_ROLES,
    READER_ROLES,
    open_concerns,
    roadmap_list_for_user,
    roadmap_rows,
)

KEY = "roadmaps"


def card_facts() -> dict[str, Any]:
    return {
        "open_concerns": Exists(
            EngagementConcern.objects.filter(
                organisation_id=OuterRef("pk"), resolved_at__isnull=True
            )
        )
    }


def roadmaps_section_context(request: HttpRequest, organisation: Any) -> dict[str, Any] | None:
    user = request.user
    reader = scope_for(user).has_role(*READER_ROLES)
    # the section shows the roadmaps' own fields and counts, the concerns' author: none of the
    # rows the list selectors join for other pages (the school is the card's own)
    mine = roadmap_list_for_user(user=user).filter(organisation=organisation)
    roadmaps = list(roadmap_rows(roadmaps=mine.select_related(None)))
    concerns = []
    if reader and slots.facts("schools.card", KEY, organisation)["open_concerns"]:
        concerns = list(open_concerns(organisation_ids=[organisation.pk], with_school=False))
    if not roadmaps and not concerns and not reader:
        return None
    for roadmap in roadmaps:
        roadmap.percent = percent(roadmap.n_done, roadmap.n_items)
    return {
        "roadmaps": roadmaps,
        "concerns": concerns,
        "organisation": organisation,
        "can_raise_concern": organisation_allowed(
            user=user, organisation=organisation, roles=CONCERN_ROLES
        ),
    }
