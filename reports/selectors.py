"""Reads for progress reports: every domain app's rows for a set of schools, as plain dicts.

:func:`report_data_load` runs a fixed number of queries whatever the number of schools, and
returns a :class:`ReportData` that the pure context builders in :mod:`reports.context` turn into
what the templates print. Scoping (who may print what) is in :mod:`reports.access`.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field, fields, is_dataclass
from datetime import date
from typing import Any

from django.db.models import Q

from diagnostics.models import FactorLevel, RiskFactor, RiskProfile
from events.models import Event, Registration, RegistrationStatus
from network_portal.accounts.models import Role, RoleAssignment
from partnerships.models import Agreement, Partnership, PartnershipMember
from roadmaps.models import EngagementConcern, QuarterRating, RoadmapItem
from schools.models import AssessmentResult, CategoryAssignment, Organisation

from .criteria import GIA_KINDS, GIA_SUBJECTS


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def last_exam_year(self) -> int:
        """The last year whose exams (June) fall in the period: a *year* is the calendar year
        in which the school year ends."""
        return self.end.year if self.end.month >= 7 else self.end.year - 1

    @property
    def years(self) -> tuple[int, int, int]:
        last = self.last_exam_year
        return (last - 2, last - 1, last)

    def as_params(self) -> dict[str, str]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> Period:
        return cls(date.fromisoformat(params["start"]), date.fromisoformat(params["end"]))


@dataclass
class ReportData:
    """Everything a progress report prints, loaded in a bounded number of queries."""

    schools: list[dict[str, Any]] = field(default_factory=list)
    categories: dict[int, dict[str, Any]] = field(default_factory=dict)
    results: list[dict[str, Any]] = field(default_factory=list)
    profiles: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    factors: dict[int, dict[str, Any]] = field(default_factory=dict)
    memberships: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    items: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    attendance: dict[tuple[int, int], dict[str, int]] = field(default_factory=dict)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    concerns: list[dict[str, Any]] = field(default_factory=list)


def report_data_load(*, organisation_ids: list[int], period: Period) -> ReportData:
    """Everything the report prints for these schools and this period, in a fixed number of
    queries (one step per domain app). Every query has a full order: the same rows give the
    same report and the same version."""
    ids = list(organisation_ids)
    data = ReportData()
    data.schools = _schools(ids)
    data.categories = _categories(ids, period)
    data.results = _results(ids, period)
    data.factors, data.profiles = _factors_and_profiles(ids, period)
    data.memberships, partnership_ids = _memberships(ids)
    data.items = _items(ids)
    data.events = _events(ids, partnership_ids, period)
    data.attendance = _attendance(ids, [e["id"] for e in data.events])
    data.reviews, data.concerns = _reviews_and_concerns(ids, period)
    return data


def _schools(ids: list[int]) -> list[dict[str, Any]]:
    return list(
        Organisation.objects.filter(pk__in=ids)
        .order_by("sort_name", "pk")
        .values(
            "id",
            "short_name",
            "full_name",
            "director_name",
            "address",
            "municipality__name",
            "municipality__region__name",
        )
    )


def _categories(ids: list[int], period: Period) -> dict[int, dict[str, Any]]:
    """The current category of each school, as of the period's last exam year."""
    categories: dict[int, dict[str, Any]] = {}
    for row in (
        CategoryAssignment.objects.filter(
            organisation_id__in=ids, is_current=True, year__lte=period.years[-1]
        )
        .order_by("organisation_id", "year", "pk")
        .values("organisation_id", "year", "category")
    ):
        categories[row["organisation_id"]] = row  # the newest year wins
    return categories


def _results(ids: list[int], period: Period) -> list[dict[str, Any]]:
    """OGE/EGE results of the period's three exam years."""
    return [
        {
            "org": r["organisation_id"],
            "year": r["year"],
            "kind": r["kind"],
            "subject": r["subject"],
            "participants": r["participants"],
            "average": float(r["average_score"]) if r["average_score"] is not None else None,
            "below": r["below_threshold"],
        }
        for r in AssessmentResult.objects.filter(
            organisation_id__in=ids,
            year__in=period.years,
            kind__in=GIA_KINDS,
            subject__in=GIA_SUBJECTS,
        )
        .order_by("organisation_id", "year", "kind", "subject", "pk")
        .values(
            "organisation_id",
            "year",
            "kind",
            "subject",
            "participants",
            "average_score",
            "below_threshold",
        )
    ]


def _factors_and_profiles(
    ids: list[int], period: Period
) -> tuple[dict[int, dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    """The risk factors, and each school's risk profiles up to the period's end (oldest
    first), each with its ``levels`` (factor id → level row)."""
    factors = {f["id"]: f for f in RiskFactor.objects.order_by("code").values("id", "code", "name")}
    profiles = list(
        RiskProfile.objects.filter(organisation_id__in=ids, computed_at__date__lte=period.end)
        .order_by("computed_at", "pk")
        .values("id", "organisation_id", "computed_at", "cycle__title", "cycle__kind")
    )
    levels = defaultdict(dict)
    for lv in (
        FactorLevel.objects.filter(profile_id__in=[p["id"] for p in profiles])
        .order_by("profile_id", "factor_id", "pk")
        .values("profile_id", "factor_id", "level", "score")
    ):
        levels[lv["profile_id"]][lv["factor_id"]] = lv
    by_school: dict[int, list[dict[str, Any]]] = {}
    for p in sorted(profiles, key=lambda p: p["computed_at"]):
        p["levels"] = levels.get(p["id"], {})
        by_school.setdefault(p["organisation_id"], []).append(p)
    return factors, by_school


def _memberships(ids: list[int]) -> tuple[dict[int, list[dict[str, Any]]], set[int]]:
    """Each school's partnerships, each with the ``others`` in it; and the partnerships' ids."""
    memberships: dict[int, list[dict[str, Any]]] = {}
    partnership_ids = set()
    for m in (
        PartnershipMember.objects.filter(organisation_id__in=ids)
        .order_by("organisation_id", "partnership__title", "partnership_id", "pk")
        .values(
            "organisation_id",
            "role",
            "partnership_id",
            "partnership__title",
            "partnership__status",
            "partnership__start_date",
            "partnership__end_date",
        )
    ):
        partnership_ids.add(m["partnership_id"])
        memberships.setdefault(m["organisation_id"], []).append(m)
    partners = defaultdict(list)
    for m in (
        PartnershipMember.objects.filter(partnership_id__in=partnership_ids)
        .exclude(organisation_id__in=ids, role="supported")
        .order_by("partnership_id", "role", "organisation__short_name", "pk")
        .values("partnership_id", "organisation__short_name", "role")
    ):
        partners[m["partnership_id"]].append(m)
    for rows in memberships.values():
        for m in rows:
            m["others"] = [
                p for p in partners[m["partnership_id"]] if p["organisation__short_name"]
            ]
    return memberships, partnership_ids


def _items(ids: list[int]) -> list[dict[str, Any]]:
    """Every roadmap item of the schools, whatever its dates: completion is one figure
    (``roadmaps.figures``), the items done by the end of the period over all items not
    cancelled — the page's figure when the period ends today."""
    items = list(
        RoadmapItem.objects.filter(roadmap__organisation_id__in=ids)
        .order_by("due_date", "pk")
        .values(
            "id",
            "roadmap__organisation_id",
            "roadmap__title",
            "task",
            "module",
            "risk_factor_id",
            "responsible_person",
            "responsible_user__first_name",
            "responsible_user__last_name",
            "start_date",
            "due_date",
            "status",
            "completed_at",
        )
    )
    for item in items:
        item["org"] = item.pop("roadmap__organisation_id")
    return items


def _events(ids: list[int], partnership_ids: set[int], period: Period) -> list[dict[str, Any]]:
    """Events of the period the schools organised or their partnerships held."""
    return list(
        Event.objects.filter(
            Q(partnership_id__in=partnership_ids) | Q(organiser_id__in=ids),
            starts_at__date__gte=period.start,
            starts_at__date__lte=period.end,
        )
        .exclude(status__in=["draft", "cancelled"])
        .order_by("starts_at", "pk")
        .values(
            "id",
            "title",
            "starts_at",
            "status",
            "place",
            "organiser_id",
            "organiser__short_name",
            "partnership_id",
        )
    )


def _attendance(ids: list[int], event_ids: list[int]) -> dict[tuple[int, int], dict[str, int]]:
    """(event, school) → registered and attended participants. A participant counts for the
    school where the user holds a role (teachers, directors)."""
    user_orgs = defaultdict(set)
    for ra in (
        RoleAssignment.objects.filter(
            organisation_id__in=ids, role__in=[Role.TEACHER, Role.DIRECTOR]
        )
        .order_by("pk")
        .values("user_id", "organisation_id")
    ):
        user_orgs[ra["user_id"]].add(ra["organisation_id"])
    attendance: dict[tuple[int, int], dict[str, int]] = {}
    for reg in (
        Registration.objects.filter(
            event_id__in=event_ids,
            user_id__in=list(user_orgs),
            status=RegistrationStatus.REGISTERED,
        )
        .order_by("pk")
        .values("event_id", "user_id", "attended")
    ):
        for org in user_orgs[reg["user_id"]]:
            acc = attendance.setdefault((reg["event_id"], org), {"registered": 0, "attended": 0})
            acc["registered"] += 1
            acc["attended"] += int(reg["attended"])
    return attendance


def _reviews_and_concerns(ids: list[int], period: Period) -> tuple[list[dict], list[dict]]:
    """Curators' quarter ratings and methodologists' engagement concerns of the period, two
    queries."""
    labels = dict(QuarterRating._meta.get_field("rating").choices)
    reviews = []
    for r in (
        QuarterRating.objects.filter(
            roadmap__organisation_id__in=ids,
            year__gte=period.start.year,
            year__lte=period.end.year,
        )
        .order_by("year", "quarter", "roadmap_id", "pk")
        .values(
            "roadmap__organisation_id",
            "roadmap__title",
            "year",
            "quarter",
            "rating",
            "reason",
            "rated_by__first_name",
            "rated_by__last_name",
        )
    ):
        first_month = 3 * (r["quarter"] - 1) + 1
        quarter_start = date(r["year"], first_month, 1)
        quarter_end = date(r["year"] + (first_month == 10), (first_month + 2) % 12 + 1, 1)
        if quarter_end <= period.start or quarter_start > period.end:
            continue
        reviews.append(
            {
                "org": r["roadmap__organisation_id"],
                "roadmap": r["roadmap__title"],
                "quarter": f"{r['quarter']} кв. {r['year']}",
                "level": r["rating"],
                "rating": str(labels.get(r["rating"], r["rating"])),
                "comment": r["reason"],
                "by": " ".join(
                    x for x in (r["rated_by__last_name"], r["rated_by__first_name"]) if x
                ),
                "sort": (r["year"], r["quarter"]),
            }
        )
    concerns = [
        {
            "org": c["organisation_id"],
            "date": c["raised_at"],
            "text": c["text"],
            "resolved_at": c["resolved_at"],
            "resolution": c["resolution"],
        }
        for c in EngagementConcern.objects.filter(
            Q(resolved_at__isnull=True) | Q(resolved_at__date__gte=period.start),
            organisation_id__in=ids,
            raised_at__date__lte=period.end,
        )
        .order_by("raised_at", "pk")
        .values("organisation_id", "raised_at", "text", "resolved_at", "resolution")
    ]
    return sorted(reviews, key=lambda r: r["sort"]), concerns


# --- Which schools a report covers ----------------------------------------------------------


def supported_school_ids_for_municipality(*, municipality_id: int) -> list[int]:
    """Schools a municipality report covers: supported categories or members of a partnership
    as a supported school."""
    from schools.figures import supported_school_ids

    in_category = supported_school_ids(
        organisations=Organisation.objects.filter(municipality_id=municipality_id)
    )
    in_partnership = PartnershipMember.objects.filter(
        partnership__municipality_id=municipality_id, role="supported"
    ).values_list("organisation_id", flat=True)
    return sorted(
        Organisation.objects.schools()
        .filter(Q(pk__in=in_category) | Q(pk__in=in_partnership), municipality_id=municipality_id)
        .values_list("pk", flat=True)
    )


def school_ids_for_partnership(*, partnership_id: int) -> list[int]:
    return sorted(
        PartnershipMember.objects.filter(
            partnership_id=partnership_id, role="supported"
        ).values_list("organisation_id", flat=True)
    )


def partnership_header(*, partnership_id: int) -> dict[str, Any]:
    p = Partnership.objects.select_related("municipality").get(pk=partnership_id)
    members = list(
        p.members.select_related("organisation")
        .order_by("role", "organisation__short_name", "pk")
        .values("organisation__short_name", "role")
    )
    agreements = list(
        Agreement.objects.filter(partnership_id=partnership_id)
        .order_by("date", "pk")
        .values("kind", "number", "date", "valid_until", "status")
    )
    factors = list(p.risk_factors.order_by("code").values("code", "name"))
    return {
        "id": p.pk,
        "title": p.title,
        "status": p.status,
        "status_label": p.get_status_display(),
        "municipality": p.municipality.name,
        "start_date": p.start_date,
        "end_date": p.end_date,
        "members": members,
        "agreements": agreements,
        "factors": factors,
    }


# --- Data version ---------------------------------------------------------------------------


def report_data_version(*, sources: dict[str, Any], period: Period, judged_on: date) -> str:
    """A digest of everything a report is built from: ``sources`` as the context builders get
    them (the :class:`ReportData` of :func:`report_data_load`, the partnership header, the
    municipality's name, who prints it), the period and the day the report judges overdue
    items by.

    Computed from the very rows the report prints, not from a separate list of tables, so a
    new section (or a new field in one) cannot be forgotten here: any change of what the PDF
    shows gives another digest and the report is rebuilt; an unchanged digest means the same
    PDF, which is then not rebuilt.
    """
    payload = _canonical({"sources": sources, "period": period, "judged_on": judged_on})
    return hashlib.sha256(repr(payload).encode()).hexdigest()[:32]


def _canonical(value: Any) -> Any:
    """Plain, order-independent data for hashing (dict keys sorted; lists keep their order)."""
    if is_dataclass(value) and not isinstance(value, type):
        return _canonical({f.name: getattr(value, f.name) for f in fields(value)})
    if isinstance(value, dict):
        return sorted((repr(k), _canonical(v)) for k, v in value.items())
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(repr(v) for v in value)
    return repr(value)
