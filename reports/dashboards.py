"""Home-page panels per role: what needs this person, at a glance.

Each context function runs a constant number of queries whatever the size of the territory
(aggregates and short, limited lists); ``tests/reports/test_dashboards.py`` asserts it at two
sizes. Registered in :meth:`reports.apps.ReportsConfig.ready`.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from diagnostics.models import FactorLevel, Level, RiskProfile
from events.models import Event, EventStatus, Registration, RegistrationStatus
from network_portal.access.policy import Scope, scope_for
from network_portal.accounts.models import Role
from network_portal.documents.models import Job
from network_portal.ui import slots
from network_portal.ui.charts import bar_chart, fluid
from partnerships import figures as partnership_figures
from partnerships.models import Partnership, PartnershipStatus
from roadmaps import figures as roadmap_figures
from roadmaps.models import CLOSED_ITEM_STATUSES, RoadmapItem
from schools import figures as school_figures
from schools.models import Category, Municipality, Organisation

from .monitoring import CATEGORY_SHORT
from .views import default_period

UPCOMING_DAYS = 14


CATEGORY_COLORS = {
    Category.SHNOR: "#dc3545",
    Category.SHNSU: "#fd7e14",
    Category.RISK: "#ffc107",
    Category.LEADER: "#198754",
    Category.OTHER: "#6c757d",
}


def _items_summary(items_qs, today) -> dict[str, Any]:
    """One aggregate query: total / done / overdue (``roadmaps.figures``) and due soon items,
    and the percent done."""
    filters = roadmap_figures.item_filters(today=today)
    agg = items_qs.aggregate(
        **{name: Count("pk", filter=q) for name, q in filters.items()},
        due_soon=Count(
            "pk",
            filter=Q(due_date__gte=today, due_date__lte=today + timedelta(days=UPCOMING_DAYS))
            & ~Q(status__in=CLOSED_ITEM_STATUSES),
        ),
    )
    agg["percent"] = roadmap_figures.percent(agg["done"], agg["total"])
    return agg


def _coverage(schools, municipality_field: str) -> dict[int, dict[str, int]]:
    """Per municipality: supported schools, those with a partner, those with a roadmap —
    one query, with the definitions of ``schools.figures``, ``partnerships.figures`` and
    ``roadmaps.figures``."""
    supported = schools.filter(pk__in=school_figures.supported_school_ids(organisations=schools))
    rows = (
        supported.order_by()
        .values(municipality_field)
        .annotate(
            supported=Count("pk", distinct=True),
            partnered=Count(
                "pk",
                filter=Q(pk__in=partnership_figures.partnered_school_ids(organisations=schools)),
                distinct=True,
            ),
            with_roadmap=Count("pk", filter=Q(roadmaps__isnull=False), distinct=True),
        )
    )
    return {r[municipality_field]: r for r in rows}


def _sum_coverage(rows) -> dict[str, int]:
    total = {"supported": 0, "partnered": 0, "with_roadmap": 0}
    for row in rows:
        for key in total:
            total[key] += row[key]
    return total


def _upcoming_events(**filters) -> list[Event]:
    now = timezone.now()
    return list(
        Event.objects.filter(status=EventStatus.PUBLISHED, starts_at__gte=now, **filters)
        .select_related("organiser")
        .order_by("starts_at")[:5]
    )


def methodologist_panel(user, scope: Scope) -> dict[str, Any] | None:
    """Municipality: schools by category, pairings by state, roadmap completion, red ratings and
    open concerns, upcoming events, imports and document jobs. Eight queries."""
    muns = sorted(scope.municipality_ids)
    if not muns:
        return None
    today = timezone.localdate()
    schools = Organisation.objects.filter(municipality_id__in=muns)
    by_category = school_figures.category_counts(organisations=schools)
    categories = [
        (str(label), by_category.get(value, 0), CATEGORY_COLORS[value])
        for value, label in Category.choices
    ]
    by_status = dict(
        Partnership.objects.filter(municipality_id__in=muns)
        .values_list("status")
        .annotate(n=Count("pk"))
    )
    rating_model = apps.get_model("roadmaps", "QuarterRating")
    concern_model = apps.get_model("roadmaps", "EngagementConcern")
    red = (
        rating_model.objects.filter(
            roadmap__organisation__municipality_id__in=muns,
            rating="red",
            year__gte=today.year - 1,
        )
        .select_related("roadmap__organisation")
        .order_by("-year", "-quarter")[:5]
    )
    concerns = (
        concern_model.objects.filter(
            organisation__municipality_id__in=muns, resolved_at__isnull=True
        )
        .select_related("organisation")
        .order_by("-raised_at")[:5]
    )
    import_model = apps.get_model("schools", "ImportRun")
    imports = import_model.objects.filter(
        Q(municipality_id__in=muns) | Q(created_by=user)
    ).order_by("-created_at")[:3]
    return {
        "municipalities": list(Municipality.objects.filter(pk__in=muns).order_by("name")),
        "categories_chart": fluid(
            bar_chart(
                title=_("Schools by category"),
                # short names (ШНОР, ШНСУ…): the full ones were cut off; the table below has them
                bars=[
                    (capfirst(str(CATEGORY_SHORT.get(value, label))), by_category.get(value, 0))
                    for value, label in Category.choices
                ],
                colors=[c for _l, _n, c in categories],
                label_width=180,
                width=520,
            )
        ),
        "categories": categories,
        "partnerships": [
            (str(label), by_status.get(value, 0)) for value, label in PartnershipStatus.choices
        ],
        "items": _items_summary(
            RoadmapItem.objects.filter(roadmap__organisation__municipality_id__in=muns), today
        ),
        "coverage": _sum_coverage(_coverage(schools, "municipality_id").values()),
        "red_ratings": list(red),
        "concerns": list(concerns),
        "events": _upcoming_events(municipality_id__in=muns),
        "imports": list(imports),
        "jobs": list(Job.objects.filter(requested_by=user).order_by("-created_at")[:3]),
    }


def curator_panel(user, scope: Scope) -> dict[str, Any] | None:
    """My schools with completion, overdue items and a print button; the most overdue items.
    Three queries."""
    ids = scope.organisation_ids(Role.CURATOR)
    if not ids:
        return None
    today = timezone.localdate()
    schools = list(
        Organisation.objects.filter(pk__in=ids)
        .annotate(**roadmap_figures.item_annotations(prefix="roadmaps__items__", today=today))
        .order_by("-n_overdue", "short_name")
    )
    categories = school_figures.category_of(organisations=ids)
    for school in schools:
        school.percent = roadmap_figures.percent(school.n_done, school.n_items)
        category = categories.get(school.pk)
        school.category_label = category.get_category_display() if category else ""
    overdue = list(
        RoadmapItem.objects.filter(roadmap__organisation_id__in=ids, due_date__lt=today)
        .exclude(status__in=CLOSED_ITEM_STATUSES)
        .select_related("roadmap__organisation")
        .order_by("due_date")[:8]
    )
    for item in overdue:
        item.days_overdue = (today - item.due_date).days
    period = default_period(today)
    return {"schools": schools, "overdue": overdue, "period": period}


def director_panel(user, scope: Scope) -> dict[str, Any] | None:
    """My school: its latest risk profile, items due and overdue, the next events. Four
    queries."""
    org_ids = scope.organisation_ids(Role.DIRECTOR)
    if not org_ids:
        return None
    school = Organisation.objects.filter(pk__in=org_ids).order_by("pk").first()
    if school is None:
        return None
    today = timezone.localdate()
    profile = RiskProfile.objects.filter(organisation=school).order_by("-computed_at").first()
    high = []
    if profile is not None:
        high = list(
            FactorLevel.objects.filter(profile=profile, level=Level.HIGH)
            .select_related("factor")
            .order_by("factor__code")
        )
    items = list(
        RoadmapItem.objects.filter(
            roadmap__organisation=school,
            due_date__lte=today + timedelta(days=UPCOMING_DAYS),
        )
        .exclude(status__in=CLOSED_ITEM_STATUSES)
        .select_related("roadmap")
        .order_by("due_date")[:8]
    )
    for item in items:
        item.is_late = item.due_date < today
    return {
        "school": school,
        "profile": profile,
        "high": high,
        "items": items,
        "events": _upcoming_events(municipality_id=school.municipality_id),
        "period": default_period(today),
    }


def teacher_panel(user, scope: Scope) -> dict[str, Any] | None:
    """My registrations ahead and the events I attended (with their certificates). Two
    queries."""
    now = timezone.now()
    base = Registration.objects.filter(user=user).select_related("event")
    upcoming = list(
        base.filter(
            event__starts_at__gte=now,
            status__in=[RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED],
        ).order_by("event__starts_at")[:5]
    )
    attended = list(base.filter(attended=True).order_by("-event__starts_at")[:5])
    return {"upcoming": upcoming, "attended": attended}


def coordinator_panel(user, scope: Scope) -> dict[str, Any] | None:
    """The region by municipality: schools, supported schools, active pairings, roadmap
    completion and overdue items — from the aggregates the beat task keeps
    (``reports/aggregates.py``: at most five minutes old while beat runs, never over 15)."""
    if not scope.region_ids:
        return None
    from .aggregates import KEEP_FOR, REFRESH_EVERY, coordinator_rows

    panel = coordinator_rows(region_ids=sorted(scope.region_ids))
    panel["refresh_every"] = int(REFRESH_EVERY.total_seconds() // 60)
    panel["keep_for"] = int(KEEP_FOR.total_seconds() // 60)
    return panel


def coordinator_rows_live(*, region_ids: list[int]) -> list[dict[str, Any]]:
    """The panel's rows read now, in four queries."""
    today = timezone.localdate()
    muns = list(
        Municipality.objects.filter(region_id__in=region_ids)
        .annotate(
            n_schools=Count(
                "organisations",
                filter=Q(organisations__kind__in=("school", "gymnasium")),
                distinct=True,
            )
        )
        .order_by("name")
    )
    coverage = _coverage(
        Organisation.objects.filter(municipality__region_id__in=region_ids),
        "municipality_id",
    )
    active = dict(
        Partnership.objects.filter(
            municipality__region_id__in=region_ids, status=PartnershipStatus.ACTIVE
        )
        .values_list("municipality_id")
        .annotate(n=Count("pk"))
    )
    filters = roadmap_figures.item_filters(today=today)
    items = {
        row["roadmap__organisation__municipality_id"]: row
        for row in RoadmapItem.objects.filter(
            roadmap__organisation__municipality__region_id__in=region_ids
        )
        .values("roadmap__organisation__municipality_id")
        .annotate(**{name: Count("pk", filter=q) for name, q in filters.items()})
    }
    rows = []
    empty = {"supported": 0, "partnered": 0, "with_roadmap": 0}
    for m in muns:
        it = items.get(m.pk, {"total": 0, "done": 0, "overdue": 0})
        cov = coverage.get(m.pk, empty)
        rows.append(
            {
                "municipality": m,
                "schools": m.n_schools,
                **cov,
                "active": active.get(m.pk, 0),
                "percent": roadmap_figures.percent(it["done"], it["total"]),
                "done": it["done"],
                "total": it["total"],
                "overdue": it["overdue"],
            }
        )
    return rows


def _panel(key: str, role: str, build) -> slots.Contribution:
    return slots.Contribution(
        key=f"reports_{key}",
        roles=(role,),
        template=f"reports/panels/{key}.html",
        context=lambda request, user: build(user, scope_for(user)),
        order=10,
    )


PANELS = (
    _panel("coordinator", Role.COORDINATOR, coordinator_panel),
    _panel("methodologist", Role.METHODOLOGIST, methodologist_panel),
    _panel("curator", Role.CURATOR, curator_panel),
    _panel("director", Role.DIRECTOR, director_panel),
    _panel("teacher", Role.TEACHER, teacher_panel),
)


def register_panels() -> None:
    """The role dashboards, on the home page's slot."""
    for panel in PANELS:
        slots.register("home", panel)
