"""«Мониторинг»: the control table of a methodologist's municipality or a coordinator's region.

Every supported school (``schools.figures``) is one row: its category and first reason, its
high-risk factors, partners and the pair's status, its roadmap (none / status / done % /
overdue), the curator's last rating and its quarter, open concerns, and the days since the
school's team last changed anything (a roadmap, an item, evidence, the self-diagnosis).

The filtering and sorting columns are SQL annotations (correlated subqueries, so a region of
thousands of schools is never joined to all its items); the rest is read for the rows of one
page only. The number of queries does not depend on the number of schools
(``tests/reports/test_monitoring.py``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import (
    Count,
    DateTimeField,
    Exists,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, NullIf
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diagnostics.models import Questionnaire
from network_portal.access.policy import organisation_q, scope_for
from network_portal.accounts.models import Role
from partnerships.figures import PARTNERED_STATUSES
from partnerships.models import MemberRole, PartnershipMember, PartnershipStatus
from partnerships.selectors import latest_levels
from roadmaps import figures as roadmap_figures
from roadmaps.models import (
    EngagementConcern,
    Evidence,
    QuarterRating,
    Rating,
    Roadmap,
    RoadmapItem,
    RoadmapStatus,
)
from schools import figures as school_figures
from schools.models import SUPPORTED_CATEGORIES, Category, Municipality, Organisation

from .models import WatchedSchool

TERRITORY_ROLES = (Role.COORDINATOR, Role.METHODOLOGIST)
#: Short names of the categories for a narrow column (the full name is its tooltip).
CATEGORY_SHORT = {
    Category.SHNOR: "ШНОР",
    Category.SHNSU: "ШНСУ",
    Category.RISK: _("risk zone"),
}
PAGE_SIZE = 50
#: «Давно не обновлялась»: no change by the school's team for this many days.
STALE_DAYS = 30
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

HELP = {
    "reports.last_activity": _(
        "Days since the school's team last changed its roadmap, an item, evidence or its "
        "self-diagnosis."
    ),
    "reports.last_rating": _(
        "The curator's latest quarter rating of any of the school's roadmaps."
    ),
}


def territory_schools_for_user(*, user) -> QuerySet[Organisation]:
    """The schools of the user's territory (a methodologist's municipality, a coordinator's
    region; everything for an administrator)."""
    return Organisation.objects.filter(organisation_q(scope_for(user), roles=TERRITORY_ROLES))


def territory_municipalities_for_user(*, user) -> QuerySet[Municipality]:
    scope = scope_for(user)
    if scope.is_admin:
        return Municipality.objects.order_by("name")
    return Municipality.objects.filter(
        Q(pk__in=scope.municipality_ids) | Q(region_id__in=scope.region_ids)
    ).order_by("name")


def _latest(qs: QuerySet, value: str, *order: str):
    return Subquery(qs.order_by(*order).values(value)[:1])


def monitoring_rows(*, user, today: date | None = None) -> QuerySet[Organisation]:
    """Supported schools of the user's territory, annotated with every column that the table
    filters or sorts by."""
    today = today or timezone.localdate()
    schools = territory_schools_for_user(user=user)
    supported = schools.filter(pk__in=school_figures.supported_school_ids(organisations=schools))
    school = OuterRef("pk")
    latest_category = school_figures.latest_categories().filter(organisation_id=school)
    rating = QuarterRating.objects.filter(roadmap__organisation_id=school)
    own_roadmaps = Roadmap.objects.filter(organisation_id=school)
    activity = [
        Coalesce(
            Subquery(
                qs.order_by().values(group).annotate(m=Max(stamp)).values("m")[:1],
                output_field=DateTimeField(),
            ),
            Value(_EPOCH),
        )
        for qs, group, stamp in (
            (
                RoadmapItem.objects.filter(roadmap__organisation_id=school),
                "roadmap__organisation_id",
                "updated_at",
            ),
            (own_roadmaps, "organisation_id", "updated_at"),
            (
                Evidence.objects.filter(item__roadmap__organisation_id=school),
                "item__roadmap__organisation_id",
                "created_at",
            ),
            (Questionnaire.objects.filter(organisation_id=school), "organisation_id", "updated_at"),
        )
    ]
    return supported.select_related("municipality").annotate(
        category_now=_latest(latest_category, "category"),
        has_partner=Exists(
            PartnershipMember.objects.filter(
                organisation_id=school,
                role=MemberRole.SUPPORTED,
                partnership__status__in=PARTNERED_STATUSES,
            )
        ),
        roadmap_status=_latest(own_roadmaps, "status", "-created_at", "-pk"),
        **roadmap_figures.item_subqueries(outer="pk", today=today),
        last_rating=_latest(rating, "rating", "-year", "-quarter", "-pk"),
        open_concerns=Coalesce(
            Subquery(
                EngagementConcern.objects.filter(organisation_id=school, resolved_at__isnull=True)
                .order_by()
                .values("organisation_id")
                .annotate(n=Count("pk"))
                .values("n"),
                output_field=IntegerField(),
            ),
            0,
        ),
        last_activity=Greatest(*activity),
    )


ROADMAP_NONE = "none"


class MonitoringFilter(django_filters.FilterSet):
    """Filters of the control table; every choice narrows the annotated rows in SQL."""

    q = django_filters.CharFilter(label=_("School"), method="search")
    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        empty_label=_("All municipalities"),
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"),
        field_name="category_now",
        choices=[(c, label) for c, label in Category.choices if c in SUPPORTED_CATEGORIES],
        empty_label=_("Any category"),
    )
    partner = django_filters.ChoiceFilter(
        label=_("Partner"),
        method="filter_partner",
        choices=[("yes", _("has a partner")), ("no", _("no partner"))],
        empty_label=_("Any"),
    )
    roadmap = django_filters.ChoiceFilter(
        label=_("Roadmap"),
        method="filter_roadmap",
        choices=[(ROADMAP_NONE, _("no roadmap")), *RoadmapStatus.choices],
        empty_label=_("Any"),
    )
    overdue = django_filters.BooleanFilter(
        label=_("With overdue items"), method="filter_overdue", widget=forms.CheckboxInput
    )
    red = django_filters.BooleanFilter(
        label=_("Last rating red"), method="filter_red", widget=forms.CheckboxInput
    )
    concerns = django_filters.BooleanFilter(
        label=_("Open concerns"), method="filter_concerns", widget=forms.CheckboxInput
    )
    stale = django_filters.BooleanFilter(
        label=_("No update for %(days)s days") % {"days": STALE_DAYS},
        method="filter_stale",
        widget=forms.CheckboxInput,
    )
    watched = django_filters.BooleanFilter(
        label=_("My watch list"), method="filter_watched", widget=forms.CheckboxInput
    )

    class Meta:
        model = Organisation
        fields = ["q", "municipality", "category"]

    def __init__(self, *args, user=None, municipalities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.filters["municipality"].queryset = municipalities

    def search(self, queryset, name, value):
        from schools.normalize import normalize_name

        text = value.strip()
        if not text:
            return queryset
        return queryset.filter(normalized_name__contains=normalize_name(text))

    def filter_partner(self, queryset, name, value):
        return queryset.filter(has_partner=value == "yes") if value else queryset

    def filter_roadmap(self, queryset, name, value):
        if value == ROADMAP_NONE:
            return queryset.filter(roadmap_status__isnull=True)
        return queryset.filter(roadmap_status=value) if value else queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.filter(n_overdue__gt=0) if value else queryset

    def filter_red(self, queryset, name, value):
        return queryset.filter(last_rating=Rating.RED) if value else queryset

    def filter_concerns(self, queryset, name, value):
        return queryset.filter(open_concerns__gt=0) if value else queryset

    def filter_stale(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(last_activity__lt=timezone.now() - timedelta(days=STALE_DAYS))

    def filter_watched(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(
            pk__in=WatchedSchool.objects.filter(user=self.user).values("organisation_id")
        )


#: ?sort= values: the column each sorts by (``-name`` sorts descending; the school's name and
#: id break ties, so pages are stable).
SORTS = {
    "name": F("sort_name"),  # numbers padded: «СОШ № 5» before «СОШ № 47»
    "municipality": F("municipality__name"),
    "category": F("category_now"),
    "done": F("n_done") * 100 / NullIf(F("n_items"), 0),
    "overdue": F("n_overdue"),
    "rating": F("last_rating"),
    "concerns": F("open_concerns"),
    "stale": F("last_activity"),
}


def sorted_rows(rows: QuerySet, sort: str) -> QuerySet:
    key = sort.lstrip("-")
    column = SORTS.get(key, SORTS["name"])
    first = column.desc(nulls_last=True) if sort.startswith("-") else column.asc(nulls_first=True)
    return rows.order_by(first, "sort_name", "pk")


@dataclass
class Row:
    """One school of the table, with everything read for its page."""

    school: Organisation
    category: str = ""
    category_label: str = ""
    category_short: str = ""
    reason: str = ""
    high_factors: list[int] = field(default_factory=list)
    partnerships: list[dict[str, Any]] = field(default_factory=list)
    roadmap: dict[str, Any] | None = None
    percent: int | None = None
    rating: QuarterRating | None = None
    days_since_update: int | None = None
    watched: bool = False


def _first_reason(reasons: Any) -> str:
    if not reasons:
        return ""
    first = reasons[0]
    if isinstance(first, dict):
        return str(first.get("text") or first.get("reason") or first.get("label") or "")
    return str(first)


def rows_for_page(*, schools: list[Organisation], user, today: date | None = None) -> list[Row]:
    """The columns read only for the rows shown (a page, or the export): seven queries."""
    now = timezone.now()
    ids = [s.pk for s in schools]
    categories = school_figures.category_of(organisations=ids)
    high = latest_levels(organisations=Organisation.objects.filter(pk__in=ids), only=("high",))
    memberships: dict[int, dict[int, dict[str, Any]]] = defaultdict(dict)
    for m in (
        PartnershipMember.objects.filter(
            partnership__members__organisation_id__in=ids,
            partnership__members__role=MemberRole.SUPPORTED,
        )
        .order_by("partnership_id", "role", "organisation__short_name")
        .values(
            "partnership_id",
            "partnership__title",
            "partnership__status",
            "partnership__members__organisation_id",
            "organisation_id",
            "organisation__short_name",
        )
    ):
        school_id = m["partnership__members__organisation_id"]
        entry = memberships[school_id].setdefault(
            m["partnership_id"],
            {
                "pk": m["partnership_id"],
                "title": m["partnership__title"],
                "status": m["partnership__status"],
                "status_label": str(PartnershipStatus(m["partnership__status"]).label),
                "partners": [],
            },
        )
        if m["organisation_id"] != school_id:
            entry["partners"].append(m["organisation__short_name"])
    roadmaps: dict[int, dict[str, Any]] = {}
    for r in (
        Roadmap.objects.filter(organisation_id__in=ids)
        .order_by("organisation_id", "-created_at", "-pk")
        .values("pk", "organisation_id", "title", "status")
    ):
        roadmaps.setdefault(r["organisation_id"], r)
    ratings: dict[int, QuarterRating] = {}
    for rating in (
        QuarterRating.objects.filter(roadmap__organisation_id__in=ids)
        .order_by("-year", "-quarter", "-pk")
        .select_related("roadmap")
    ):
        ratings.setdefault(rating.roadmap.organisation_id, rating)
    watched = set(
        WatchedSchool.objects.filter(user=user, organisation_id__in=ids).values_list(
            "organisation_id", flat=True
        )
    )
    labels = dict(Category.choices)
    statuses = dict(RoadmapStatus.choices)
    rows = []
    for school in schools:
        assignment = categories.get(school.pk)
        roadmap = roadmaps.get(school.pk)
        if roadmap is not None:
            roadmap = {**roadmap, "status_label": str(statuses.get(roadmap["status"], ""))}
        last = school.last_activity
        rows.append(
            Row(
                school=school,
                category=assignment.category if assignment else "",
                category_label=str(labels.get(assignment.category, "")) if assignment else "",
                category_short=str(CATEGORY_SHORT.get(assignment.category, ""))
                if assignment
                else "",
                reason=_first_reason(assignment.reasons) if assignment else "",
                high_factors=sorted(
                    code for code, level in high.get(school.pk, {}).items() if level == "high"
                ),
                partnerships=sorted(
                    memberships.get(school.pk, {}).values(),
                    key=lambda p: (p["status"] not in PARTNERED_STATUSES, p["title"]),
                ),
                roadmap=roadmap,
                percent=roadmap_figures.percent(school.n_done, school.n_items),
                rating=ratings.get(school.pk),
                days_since_update=(now - last).days if last and last > _EPOCH else None,
                watched=school.pk in watched,
            )
        )
    return rows


def municipality_summary(*, rows: QuerySet) -> list[dict[str, Any]]:
    """The region's drill-down level: one line per municipality over the filtered schools, in
    one query."""
    return list(
        rows.order_by()
        .values("municipality_id", "municipality__name")
        .annotate(
            schools=Count("pk"),
            partnered=Count("pk", filter=Q(has_partner=True)),
            no_roadmap=Count("pk", filter=Q(roadmap_status__isnull=True)),
            with_overdue=Count("pk", filter=Q(n_overdue__gt=0)),
            red=Count("pk", filter=Q(last_rating=Rating.RED)),
        )
        .order_by("municipality__name")
    )


EXPORT_HEADERS = (
    _("School"),
    _("Municipality"),
    _("Category"),
    _("First reason"),
    _("High-risk factors"),
    _("Partners"),
    _("Pair status"),
    _("Roadmap"),
    _("Done, %"),
    _("Items done"),
    _("Items"),
    _("Overdue"),
    _("Last rating"),
    _("Quarter"),
    _("Open concerns"),
    _("Days without updates"),
)


def export_values(row: Row) -> list[Any]:
    school = row.school
    return [
        school.short_name,
        school.municipality.name,
        row.category_label,
        row.reason,
        ", ".join(str(c) for c in row.high_factors),
        "; ".join(", ".join(p["partners"]) for p in row.partnerships if p["partners"]),
        "; ".join(p["status_label"] for p in row.partnerships),
        row.roadmap["status_label"] if row.roadmap else str(_("no roadmap")),
        row.percent,
        school.n_done,
        school.n_items,
        school.n_overdue,
        row.rating.get_rating_display() if row.rating else "",
        f"{row.rating.quarter} кв. {row.rating.year}" if row.rating else "",
        school.open_concerns,
        row.days_since_update,
    ]
