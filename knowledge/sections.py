"""What the knowledge base adds to lower apps' pages, registered in ``KnowledgeConfig.ready()``:

* the school card: «Практики по вашим факторам риска» and a link to mentor suggestions;
* the roadmap page: the same practices with «add to the roadmap», and the items already added
  from practices (the link an adopted measure keeps);
* a completed partnership's page and a held event with a report: «Описать практику»;
* the home page: the review queue of a methodologist or coordinator.

Each context function scopes what it shows by the user and runs in one or two queries.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, JSONField, OuterRef, Subquery
from django.db.models.functions import JSONObject
from django.http import HttpRequest

from network_portal.access.policy import scope_for
from network_portal.accounts.models import Role

from .models import Practice, PracticeAdoption, PracticeStatus
from .selectors import (
    PROPOSER_ROLES,
    practice_list_for_user,
    practices_for_factors,
    review_queue_count,
)


def _high_levels(organisation_id):
    """The high levels of the newest profile of the school ``organisation_id`` (an id or an
    ``OuterRef``)."""
    from diagnostics.models import FactorLevel, Level
    from diagnostics.selectors import newest_profile

    newest = Subquery(newest_profile(organisation_id))
    return FactorLevel.objects.filter(profile_id=newest, level=Level.HIGH).order_by()


def roadmap_facts() -> dict[str, Any]:
    """Whether the roadmap's school has high risks and whether items were taken from practices,
    read with the roadmap: most roadmap pages then need no query of their own for this part."""
    return {
        "high_risks": Exists(_high_levels(OuterRef(OuterRef("organisation_id")))),
        "adopted": Exists(PracticeAdoption.objects.filter(item__roadmap_id=OuterRef("pk"))),
    }


CARD_LIMIT = 3


def _matching_for_card():
    """Published practices addressing a high-risk factor of the card's school (its newest
    profile), not its own, proved effect first: a subquery over ``OuterRef("pk")`` of the
    organisation, four levels out from the profile."""
    high = _high_levels(OuterRef(OuterRef(OuterRef(OuterRef("pk"))))).values("factor_id")
    through = Practice.risk_factors.through
    authors = Practice.author_organisations.through
    return (
        Practice.objects.filter(status=PracticeStatus.PUBLISHED)
        .filter(Exists(through.objects.filter(practice_id=OuterRef("pk"), riskfactor_id__in=high)))
        .exclude(
            Exists(
                authors.objects.filter(
                    practice_id=OuterRef("pk"), organisation_id=OuterRef(OuterRef("pk"))
                )
            )
        )
        .order_by("-proved_effect", "-published_at", "-pk")
    )


class _JSONRows(Subquery):
    """A subquery's rows (each one JSON object, its ``row`` column) as one JSON array: one
    subquery for the card's first practices, not one per practice (each a four-level nested
    subquery to build, compile and plan on every card, issue 17 item 5). An aggregate over a
    sorted subquery keeps its order only as an implementation detail: the rows carry their
    sort keys and the reader sorts them."""

    template = "(SELECT JSON_GROUP_ARRAY(JSON(_rows.row)) FROM (%(subquery)s) _rows)"
    output_field = JSONField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # jsonb, which Django's JSONField reads; an empty subquery aggregates to NULL
        template = "(SELECT JSONB_AGG(_rows.row) FROM (%(subquery)s) _rows)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


def card_facts() -> dict[str, Any]:
    """The first practices for the school, read with the organisation itself (the card stays
    within its query budget, ``schools.card``): id, title and effect of each."""
    row = JSONObject(
        pk="pk", title="title", proved_effect="proved_effect", published_at="published_at"
    )
    return {"practices": _JSONRows(_matching_for_card()[:CARD_LIMIT].values(row=row))}


def card_context(request: HttpRequest, organisation) -> dict[str, Any] | None:
    from network_portal.ui import slots

    facts = slots.facts("schools.card", "practices", organisation)
    practices = [
        {
            "pk": row["pk"],
            "title": row["title"],
            "proved_effect": bool(row["proved_effect"]),  # SQLite's JSON says 1 or 0
            # ISO text from either backend's JSON: compared as text within one backend
            "published_at": row["published_at"] or "",
        }
        for row in facts["practices"] or ()
    ]
    # the subquery's order (``_matching_for_card``): proved effect, newest, newest id first
    practices.sort(key=lambda p: (p["proved_effect"], p["published_at"], p["pk"]), reverse=True)
    if not practices:
        return None
    return {"practices": practices, "organisation": organisation, "roadmap": None}


def roadmap_context(request: HttpRequest, roadmap) -> dict[str, Any] | None:
    from network_portal.ui import slots
    from schools.selectors import organisation_list_for_user

    facts = slots.facts("roadmaps.detail", "practices", roadmap)
    if not facts["high_risks"] and not facts["adopted"]:
        return None
    organisation = roadmap.organisation
    # the high-risk factors' ids only, not the levels with their factor, profile and cycle
    # that the school card shows
    factors = (
        list(_high_levels(organisation.pk).values_list("factor_id", flat=True))
        if facts["high_risks"]
        else []
    )
    adopted = (
        list(
            PracticeAdoption.objects.filter(item__roadmap=roadmap).select_related(
                "practice", "item"
            )
        )
        if facts["adopted"]
        else []
    )
    if not factors and not adopted:
        return None
    scope = scope_for(request.user)
    return {
        "practices": practices_for_factors(
            factor_ids=factors, exclude_organisation_id=organisation.pk, limit=5
        ),
        "organisation": organisation,
        "roadmap": roadmap,
        "can_adopt": scope.is_admin or organisation.pk in scope.organisation_ids(Role.DIRECTOR),
        "adopted": adopted,
        # a partner reads the roadmap of a school it cannot open: no link to its mentor page
        "hide_mentor_link": not organisation_list_for_user(user=request.user)
        .filter(pk=organisation.pk)
        .exists(),
    }


def _source_context(request: HttpRequest, *, describe_url: str | None, **source) -> dict | None:
    practices = list(practice_list_for_user(user=request.user).filter(**source)[:10])
    if describe_url is None and not practices:
        return None
    return {"describe_url": describe_url, "practices": practices}


def partnership_context(request: HttpRequest, partnership) -> dict[str, Any] | None:
    from django.urls import reverse

    scope = scope_for(request.user)
    can = partnership.status == "completed" and scope.has_role(
        Role.COORDINATOR, Role.METHODOLOGIST, Role.DIRECTOR, Role.PARTNER
    )
    url = reverse("knowledge:practice_from_partnership", args=[partnership.pk]) if can else None
    return _source_context(request, describe_url=url, partnership=partnership)


def event_context(request: HttpRequest, event) -> dict[str, Any] | None:
    from django.urls import reverse

    scope = scope_for(request.user)
    can = (
        event.status == "held"
        and hasattr(event, "report")
        and scope.has_role(Role.COORDINATOR, Role.METHODOLOGIST, Role.DIRECTOR)
    )
    url = reverse("knowledge:practice_from_event", args=[event.pk]) if can else None
    return _source_context(request, describe_url=url, event=event)


def panel_context(user, scope) -> dict[str, Any] | None:
    if not scope.has_role(*PROPOSER_ROLES):
        return None
    return {
        "review_count": review_queue_count(user=user)
        if scope.has_role(Role.METHODOLOGIST, Role.COORDINATOR)
        else 0,
        "published_count": Practice.objects.filter(status=PracticeStatus.PUBLISHED).count(),
    }
