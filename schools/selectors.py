"""Reads of the schools registry, always scoped by the user (``network_portal.access``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import (
    BigIntegerField,
    CharField,
    F,
    FilteredRelation,
    IntegerField,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Cast
from django.utils.translation import gettext as _

from network_portal.access.policy import (
    Scope,
    municipality_q,
    organisation_allows,
    organisation_q,
    scope_for,
)
from network_portal.accounts.models import Role
from network_portal.ui.charts import Series, line_chart
from network_portal.ui.paging import built_once

from .categorization import MANDATORY_SUBJECTS, MATH_SUBJECTS, ResultFact, Thresholds
from .models import (
    AssessmentKind,
    AssessmentResult,
    CategoryAssignment,
    CategoryRules,
    ImportKind,
    ImportRun,
    ImportStatus,
    Municipality,
    Organisation,
    Region,
    SavedMapping,
    SchoolContext,
    Subject,
)

EDITOR_ROLES = (Role.COORDINATOR, Role.METHODOLOGIST, Role.DIRECTOR)
TERRITORY_ROLES = (Role.COORDINATOR, Role.METHODOLOGIST)


def organisation_list_for_user(*, user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(organisation_q(scope_for(user)))


def organisation_count_list_for_user(
    *, user: Any, municipality_ids: Iterable[int]
) -> QuerySet[Organisation]:
    """The organisations of :func:`organisation_list_for_user`, for counting them: those of
    the municipalities of :func:`municipality_list_for_user` (``municipality_ids``: read by
    :func:`school_list_filter_choices` on the same page) and those assigned directly. The
    same rows as ``organisation_q``'s — a territory role reads its municipalities' (a region's
    or its own) organisations, every other role its assigned ones; ``tests/schools/
    test_selectors.py`` checks it for every user — but the database counts them from the index
    on ``municipality_id`` without joining municipalities (at 20,000 schools 1.75 → 0.9 ms)."""
    scope = scope_for(user)
    if scope.is_admin:
        return Organisation.objects.all()
    q = Q(pk__in=[])  # matches nothing
    municipality_ids = sorted(municipality_ids)
    if municipality_ids:
        q |= Q(municipality_id__in=municipality_ids)
    direct = scope.organisation_ids()
    if direct:
        q |= Q(pk__in=sorted(direct))
    return Organisation.objects.filter(q)


def organisation_allowed(
    *, user: Any, organisation: Organisation, roles: tuple[str, ...] | None = None
) -> bool:
    """``organisation_q(scope_for(user), roles=roles)`` for one organisation already in
    memory, without a query: the school card checks its edit and section rights this way.

    Needs ``organisation.municipality`` loaded for a coordinator (her region). The policy's
    ``organisation_allows``, kept in step with ``organisation_q`` by
    ``tests/schools/test_selectors.py``.
    """
    return organisation_allows(scope_for(user), organisation, roles=roles)


@dataclass(frozen=True)
class OrganisationPermissions:
    """What a user may do with one visible organisation."""

    can_edit: bool = False  # profile and context: its director, its territory
    can_categorise: bool = False  # category overrides: its territory
    contacts_only: bool = True  # without a territory role, the profile's contacts only


def organisation_permissions(*, user: Any, organisation: Organisation) -> OrganisationPermissions:
    """The read scope's rule asked of one organisation, without a query (the card's budget);
    a coordinator's check reads ``organisation.municipality``: load it with the organisation."""
    return OrganisationPermissions(
        can_edit=organisation_allowed(user=user, organisation=organisation, roles=EDITOR_ROLES),
        can_categorise=organisation_allowed(
            user=user, organisation=organisation, roles=TERRITORY_ROLES
        ),
        contacts_only=not scope_for(user).has_role(*TERRITORY_ROLES),
    )


def municipality_list_for_user(*, user: Any) -> QuerySet[Municipality]:
    return Municipality.objects.filter(municipality_q(scope_for(user))).select_related("region")


def region_list_for_user(*, user: Any) -> QuerySet[Region]:
    scope = scope_for(user)
    if scope.is_admin:
        return Region.objects.all()
    return Region.objects.filter(pk__in=scope.region_ids)


def import_run_list_for_user(*, user: Any) -> QuerySet[ImportRun]:
    scope = scope_for(user)
    runs = ImportRun.objects.select_related("municipality", "region", "created_by")
    if scope.is_admin:  # Q() | Q(...) would narrow the admin's "everything" to the second term
        return runs
    # A region-wide import (no municipality) is seen by the coordinators of its region.
    region_wide = Q(municipality__isnull=True, region_id__in=scope.region_ids)
    return runs.filter(
        municipality_q(scope, "municipality") | region_wide | Q(created_by_id=scope.user_id)
    )


def municipality_list_pending(*, user: Any) -> ImportRun | None:
    """The municipalities list this user checked last and has not confirmed yet (the one the
    confirmation saves); ``None`` when there is none."""
    return (
        import_run_list_for_user(user=user)
        .filter(
            kind=ImportKind.MUNICIPALITIES,
            status=ImportStatus.PREVIEWED,
            created_by_id=user.pk,
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def saved_mappings_for(*, kind: str) -> QuerySet[SavedMapping]:
    """Mappings saved under a name (shared: they describe file shapes, not data)."""
    return SavedMapping.objects.filter(kind=kind).order_by("name")


def category_years_for_user(*, user: Any) -> list[int]:
    """Years with a current category among the organisations the user sees, newest first
    (the year filter of the list must not reveal years that only other territories have):
    the years of :func:`school_list_filter_choices`, the one query that reads them."""
    return school_list_filter_choices(user=user).years


def _current_categories(scope: Scope) -> QuerySet[CategoryAssignment]:
    return CategoryAssignment.objects.filter(organisation_q(scope, "organisation"), is_current=True)


@dataclass(frozen=True)
class ListFilterChoices:
    """What the school list's filters offer the user: the years with a current category among
    the organisations the user sees (newest first) and the municipalities of :func:`municipality_list_for_user` as (id as text,
    name) pairs in their order (by name)."""

    years: list[int]
    municipalities: list[tuple[str, str]]


def _filter_choices_query(user: Any) -> QuerySet:
    municipalities = (
        municipality_list_for_user(user=user)
        .annotate(part=Value(0), year=Value(None, output_field=IntegerField()))
        .values_list("part", "pk", "name", "year")
    )
    years = (
        _current_categories(scope_for(user))
        .annotate(
            part=Value(1),
            # typed: PostgreSQL reads an untyped NULL of a DISTINCT part as text
            municipality_pk=Cast(Value(None), BigIntegerField()),
            municipality_name=Cast(Value(None), CharField()),
        )
        .values_list("part", "municipality_pk", "municipality_name", "year")
        .distinct()
    )
    return (
        municipalities.order_by()
        .union(years.order_by(), all=True)
        .order_by("part", "name", "-year")
    )


def school_list_filter_choices(*, user: Any) -> ListFilterChoices:
    """Both lists in one query (a ``UNION ALL``; one round trip instead of two on every page
    of the list): the rows of part 0 are municipalities, those of part 1 the years.

    The query is read anew on every page, but its SQL is built once per process for each
    database and scope (what ``municipality_q`` and ``organisation_q`` read of it): the ORM
    took 3–5 ms of CPU to build and compile this union, a sixth of the page (issue 17, item
    5); running the SQL takes 0.4 ms."""
    database = Municipality.objects.db

    def compiled() -> tuple[str, tuple]:
        try:
            return _filter_choices_query(user).query.get_compiler(using=database).as_sql()
        except EmptyResultSet:  # a scope that sees neither: no query at all
            return ("", ())

    key = ("schools:filter_choices", database, *scope_for(user).rows_key())
    sql, params = built_once(key, compiled)
    if not sql:
        return ListFilterChoices(years=[], municipalities=[])
    with connections[database].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    choices = ListFilterChoices(years=[], municipalities=[])
    for part, pk, name, year in rows:
        if part:
            choices.years.append(year)
        else:
            choices.municipalities.append((str(pk), name))
    return choices


def school_table(*, queryset: QuerySet[Organisation], year: int | None) -> QuerySet[Organisation]:
    """Organisations with their current category of ``year`` (one query for any page).

    A LEFT JOIN on the current assignment of the year: the partial unique index
    ``schools_category_one_current`` guarantees at most one row per organisation.
    """
    current = FilteredRelation(
        "categories", condition=Q(categories__year=year, categories__is_current=True)
    )
    return (
        queryset.select_related("municipality")
        .annotate(current_category=current)
        .annotate(
            category_current=F("current_category__category"),
            category_override=F("current_category__is_override"),
            # why no category could be computed is said in the list itself (issue 14)
            category_reasons=F("current_category__reasons"),
        )
    )


class Row(dict):
    """A ``values()`` row whose keys also read as attributes: templates look a name up in a
    dict first (their fastest path, no model instance built), Python code reads ``row.pk``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def school_list_rows(*, queryset: QuerySet[Organisation]) -> QuerySet:
    """What the school list prints of each organisation of :func:`school_table`, as plain
    values (no model instances): name, kind, INN, municipality and the year's category."""
    return queryset.values(
        "pk",
        "short_name",
        "kind",
        "inn",
        "category_current",
        "category_override",
        "category_reasons",
        municipality_name=F("municipality__name"),
    )


def school_list_page_rows(rows: Iterable[dict]) -> list[Row]:
    """A page of :func:`school_list_rows` as :class:`Row` with the kind's label."""
    from django.urls import reverse

    from .models import OrganisationKind

    kinds = {kind: str(label) for kind, label in OrganisationKind.choices}  # translated once
    # the card's address once, then by substitution (``reverse`` costs ~50 µs a row)
    marker = 2_147_483_647
    card = reverse("schools:detail", args=[marker]).replace(str(marker), "{}")
    return [
        Row(row, kind_label=kinds.get(row["kind"], row["kind"]), url=card.format(row["pk"]))
        for row in rows
    ]


def rules_for_region(*, region: Region) -> CategoryRules:
    rules, _created = CategoryRules.objects.get_or_create(region=region)
    return rules


def rules_summary(*, rules: CategoryRules) -> dict[str, Any]:
    """The rules in words, which cells count, and what the region's data allows (2 queries)."""
    from .categorization import (
        KIND_LABEL,
        SUBJECT_NOMINATIVE,
        cells_count,
        cells_text,
        rules_description,
    )
    from .rules_file import thresholds_for

    t = thresholds_for(rules)
    return {
        "cells_text": cells_text(t),
        "cells_count": cells_count(t),
        "description": rules_description(t),
        "vpr_only": t.vpr_only,
        "vpr_counted": "vpr" in t.kinds,
        # for the live wording of the chosen cells on the rules form (static/js/portal.js)
        "cells_labels": {
            "kinds": KIND_LABEL,
            "subjects": SUBJECT_NOMINATIVE,
            "vpr_only": t.vpr_only,
        },
    }


def _subject_key(subject: str) -> str:
    return "math" if subject in MATH_SUBJECTS else subject


def school_card_context(*, organisation: Organisation) -> dict[str, Any]:
    """Results of all years, context, categories with history and the charts (4 queries)."""
    results = list(organisation.results.all().order_by("-year", "kind", "subject", "grade"))
    # the labels looked up once per card: ``get_subject_display`` hashes every subject's
    # translated label on each call, most of the results table's time (issue 17 item 5)
    kinds, subjects = dict(AssessmentKind.choices), dict(Subject.choices)
    for r in results:
        r.kind_label = kinds.get(r.kind, r.kind)
        r.subject_label = subjects.get(r.subject, r.subject)
    contexts = list(organisation.contexts.all().order_by("-year"))
    assignments = list(
        organisation.categories.select_related("created_by").order_by("-year", "-created_at")
    )
    current = {a.year: a for a in assignments if a.is_current}
    history: dict[int, list] = defaultdict(list)
    for a in assignments:
        if not a.is_current:
            history[a.year].append(a)
    for year, a in current.items():
        a.previous = history.get(year, [])
    years = sorted({r.year for r in results})
    charts = []
    for kind in (AssessmentKind.OGE, AssessmentKind.EGE):
        rows = [
            r for r in results if r.kind == kind and _subject_key(r.subject) in ("math", "russian")
        ]
        if not rows:
            continue
        average: dict[str, dict[int, float]] = defaultdict(dict)
        below: dict[str, dict[int, float]] = defaultdict(dict)
        for r in rows:
            key = _subject_key(r.subject)
            if r.average_score is not None:
                average[key][r.year] = float(r.average_score)
            if r.share_below is not None:
                below[key][r.year] = round(r.share_below, 1)
        labels = {"math": _("Mathematics"), "russian": _("Russian language")}
        kind_label = AssessmentKind(kind).label
        for title, data, unit in (
            (_("Average score, %(kind)s") % {"kind": kind_label}, average, ""),
            (_("Share below the threshold, %(kind)s") % {"kind": kind_label}, below, "%"),
        ):
            if data:
                charts.append(
                    (
                        title,
                        line_chart(
                            title=title,
                            x_labels=[str(y) for y in years],
                            series=[
                                Series(str(labels[k]), [data[k].get(y) for y in years])
                                for k in ("math", "russian")
                                if k in data
                            ],
                            unit=unit,
                        ),
                    )
                )
    return {
        "results": results,
        "contexts": contexts,
        "current_categories": [current[y] for y in sorted(current, reverse=True)],
        "charts": charts,
    }


def school_context_for(*, organisation: Organisation, year: str | int) -> SchoolContext:
    """The context row of that year, or a new unsaved one."""
    found = None
    if str(year).isdigit():
        found = SchoolContext.objects.filter(organisation=organisation, year=int(year)).first()
    return found or SchoolContext(organisation=organisation)


def data_years(*, organisation: Organisation) -> list[int]:
    """Years with results or context, newest first: the years a category can exist for."""
    results = AssessmentResult.objects.filter(organisation=organisation).values_list(
        "year", flat=True
    )
    contexts = SchoolContext.objects.filter(organisation=organisation).values_list(
        "year", flat=True
    )
    return sorted(set(results) | set(contexts), reverse=True)


class SchoolNotFound(LookupError):
    """No school, or several, answer a command's query; the message is Russian."""


def school_find(*, query: str, municipality: str = "") -> Organisation:
    """The one school a command names: by ИНН (10 or 12 digits), ОГРН (13), ФИС ОКО login,
    else by the exact or partial name; ``municipality`` (a name) chooses among same-named
    schools (every district has its «МБОУ СОШ № 1»). Raises ``SchoolNotFound``."""
    import re

    from .normalize import normalize_name
    from .validators import login_is_valid, normalize_login

    text = query.strip()
    schools = Organisation.objects.schools().select_related("municipality")
    if municipality.strip():
        # Compared normalised in Python: SQLite's iexact folds only ASCII letters.
        wanted = normalize_name(municipality)
        ids = [m.pk for m in Municipality.objects.only("name") if normalize_name(m.name) == wanted]
        if not ids:
            raise SchoolNotFound(
                _("Municipality «%(name)s» is not in the registry.") % {"name": municipality}
            )
        schools = schools.filter(municipality_id__in=ids)
    login = normalize_login(text)
    if text.isdigit() and len(text) in (10, 12):
        found = list(schools.filter(inn=text))
    elif text.isdigit() and len(text) == 13:
        found = list(schools.filter(ogrn=text))
    elif login_is_valid(login):
        found = list(schools.filter(login=login))
    else:
        found = list(
            schools.filter(
                Q(short_name__iexact=text)
                | Q(full_name__iexact=text)
                | Q(normalized_name=normalize_name(text))
            )
        )
        if not found:
            found = list(
                schools.filter(Q(short_name__icontains=text) | Q(full_name__icontains=text))
            )
            if len(found) > 1:
                digits = re.findall(r"\d+", text)
                exact = [
                    o
                    for o in found
                    if digits and re.findall(r"\d+", o.short_name)[-1:] == digits[-1:]
                ]
                found = exact or found
    if not found:
        raise SchoolNotFound(_("School «%(query)s» not found.") % {"query": text})
    if len(found) > 1:
        names = "; ".join(
            _("%(name)s — %(municipality)s, login %(login)s, INN %(inn)s")
            % {
                "name": o.short_name,
                "municipality": o.municipality,
                "login": o.login or "—",
                "inn": o.inn or "—",
            }
            for o in found[:10]
        )
        raise SchoolNotFound(
            _(
                "Found %(n)s schools: %(names)s. Give the login or the INN, or choose the "
                "municipality (--municipality)."
            )
            % {"n": len(found), "names": names}
        )
    return found[0]


# --- Results for the category rules and the matcher -----------------------------------------


def regions_with_vpr_only(region_ids: Iterable[int]) -> set[int]:
    """Regions whose results in the registry are ВПР only: there ВПР counts by default."""
    region_ids = set(region_ids)
    gia = set(
        AssessmentResult.objects.filter(
            organisation__municipality__region_id__in=region_ids,
            kind__in=[AssessmentKind.OGE, AssessmentKind.EGE],
            subject__in=MANDATORY_SUBJECTS,
        )
        .order_by()
        .values_list("organisation__municipality__region_id", flat=True)
        .distinct()
    )
    return region_ids - gia


def thresholds_for_regions(region_ids: Iterable[int]) -> dict[int, Thresholds]:
    region_ids = set(region_ids)
    vpr_only = regions_with_vpr_only(region_ids)
    found = {
        r.region_id: Thresholds.from_rules(r, vpr_only=r.region_id in vpr_only)
        for r in CategoryRules.objects.filter(region_id__in=region_ids)
    }
    for region_id in region_ids - set(found):
        found[region_id] = Thresholds(vpr_only=region_id in vpr_only)
    return found


def result_facts(
    *,
    organisation_ids: Iterable[int],
    subjects: Iterable[str],
    years: Iterable[int] | None = None,
    kinds: Iterable[str] | None = None,
) -> dict[int, list[ResultFact]]:
    """Each organisation's results in ``subjects`` as rule-engine facts (one query). For ВПР
    "below the threshold" is the count of «2»; «4»+«5» come from the counts of marks."""
    ids = list(organisation_ids)
    results: dict[int, list[ResultFact]] = defaultdict(list)
    query = AssessmentResult.objects.filter(organisation_id__in=ids, subject__in=list(subjects))
    if years is not None:
        query = query.filter(year__in=list(years))
    if kinds is not None:
        query = query.filter(kind__in=list(kinds))
    for row in query.order_by().values_list(
        "organisation_id",
        "year",
        "kind",
        "subject",
        "participants",
        "average_score",
        "below_threshold",
        "grade",
        "count_2",
        "count_4",
        "count_5",
    ):
        org, year, kind, subject, participants, average, below, grade, c2, c4, c5 = row
        if kind == AssessmentKind.VPR and c2 is not None:
            below = c2  # ВПР has no base threshold: the count of «2» plays its part
        results[org].append(
            ResultFact(
                year=year,
                kind=kind,
                subject=subject,
                participants=participants,
                average_score=float(average) if average is not None else None,
                below_threshold=below,
                grade=grade,
                marks_4_5=c4 + c5 if c4 is not None and c5 is not None else None,
            )
        )
    return results
