"""The «Сетевые партнёрства» section of the school card (the schools.card slot).

Within the card's budget of 15 queries (issue 4) the section reads its partnerships with their
members in one query and the declared strengths in one more (only when there are any); the
category, capacity and load are facts read with the organisation itself (``card_facts``), the
derived strengths come from the risk profile the diagnostics section has already read, and
the right to manage is decided from the user's scope. The strengths page
(``selectors.organisation_strengths``) shows the same figures in full.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from diagnostics.card import current_levels
from diagnostics.models import Level
from network_portal.access.policy import TERRITORY_ROLES
from network_portal.ui import slots
from schools.models import SUPPORTED_CATEGORIES, CategoryAssignment
from schools.selectors import organisation_allowed

from .models import DeclaredStrength, MatchingSettings, PartnershipMember, ProviderProfile
from .selectors import OPEN_STATUSES, PROVIDER_ROLES, partnership_list_for_user

CARD_LIMIT = 20
KEY = "partnerships"


def card_facts() -> dict[str, Any]:
    """Scalar facts of the section, as subqueries over the organisation row."""
    org = OuterRef("pk")
    load = (
        PartnershipMember.objects.filter(
            organisation_id=org, role__in=PROVIDER_ROLES, partnership__status__in=OPEN_STATUSES
        )
        .order_by()
        .values("organisation_id")
        .annotate(n=Count("partnership_id", distinct=True))
        .values("n")
    )
    return {
        # its partnerships are read only when it takes part in any (most schools do not)
        "member": Exists(PartnershipMember.objects.filter(organisation_id=org)),
        "category": Subquery(
            CategoryAssignment.objects.filter(organisation_id=org, is_current=True)
            .order_by("-year")
            .values("category")[:1]
        ),
        "capacity": Subquery(
            ProviderProfile.objects.filter(organisation_id=org).values("capacity")[:1]
        ),
        "default_capacity": Subquery(
            MatchingSettings.objects.filter(region_id=OuterRef("municipality__region_id")).values(
                "default_capacity"
            )[:1]
        ),
        "load": Coalesce(Subquery(load, output_field=IntegerField()), 0),
        # its declared strengths are read only when it has any (a count is not shown)
        "declared": Exists(DeclaredStrength.objects.filter(organisation_id=org)),
    }


def _partnerships(request: HttpRequest, organisation: Any) -> list:
    """The organisation's partnerships the user may see, newest first, each with
    ``card_members`` (the other members): one query over the members."""
    visible = (
        partnership_list_for_user(user=request.user)
        .filter(
            pk__in=PartnershipMember.objects.filter(organisation_id=organisation.pk).values(
                "partnership_id"
            )
        )
        .order_by("-created_at", "-pk")
        .values("pk")[:CARD_LIMIT]
    )
    members = PartnershipMember.objects.filter(partnership_id__in=visible).select_related(
        "partnership", "organisation"
    )
    partnerships: dict[int, Any] = {}
    for member in members:
        partnership = partnerships.setdefault(member.partnership_id, member.partnership)
        if not hasattr(partnership, "card_members"):
            partnership.card_members = []
        if member.organisation_id != organisation.pk:
            partnership.card_members.append(member)
    return sorted(partnerships.values(), key=lambda p: (p.created_at, p.pk), reverse=True)


def partnerships_section_context(request: HttpRequest, organisation: Any) -> dict[str, Any]:
    facts = slots.facts("schools.card", KEY, organisation)
    derived = []
    if facts["category"] not in SUPPORTED_CATEGORIES:
        # A supported school offers only what it declares (seed 001, СОШ № 3).
        derived = [
            {"code": lv.factor.code, "name": lv.factor.name}
            for lv in sorted(current_levels(request, organisation), key=lambda lv: lv.factor.code)
            if lv.level == Level.LOW
        ]
    declared = (
        list(DeclaredStrength.objects.filter(organisation=organisation).select_related("factor"))
        if facts["declared"]
        else []
    )
    default_capacity = facts["default_capacity"]
    if default_capacity is None:
        default_capacity = MatchingSettings._meta.get_field("default_capacity").default
    return {
        "organisation": organisation,
        "partnerships": _partnerships(request, organisation) if facts["member"] else [],
        "strengths": {
            "declared": declared,
            "derived": derived,
            "capacity": facts["capacity"] if facts["capacity"] is not None else default_capacity,
            "load": facts["load"],
        },
        "can_manage": organisation_allowed(
            user=request.user, organisation=organisation, roles=TERRITORY_ROLES
        ),
    }
