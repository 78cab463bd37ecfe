"""Reads of the diagnostics app. Other apps call the profile and teacher-needs selectors here.

Every ``…_for_user`` selector starts from the access policy, so a page cannot forget a filter.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from network_portal.access.policy import municipality_q, organisation_q, scope_for
from network_portal.accounts.models import Role
from schools.models import Municipality, Organisation, Region

from .models import (
    Cycle,
    FactorLevel,
    Indicator,
    Instrument,
    Level,
    Questionnaire,
    RiskFactor,
    RiskProfile,
    StageRecord,
    SurveyNeed,
    SurveyPublication,
    SurveyResponse,
    TeacherNeed,
    TeacherSurvey,
    TeamMember,
)

# --- Profiles (used by partnerships, roadmaps and reports) -----------------------------------


def _levels_prefetch(*, explanations: bool = True) -> Prefetch:
    levels = FactorLevel.objects.select_related("factor")
    return Prefetch("levels", queryset=levels if explanations else levels.defer("explanation"))


def current_profile_for(*, organisation: Organisation | int) -> RiskProfile | None:
    """The school's newest risk profile with its levels (and their factors) prefetched."""
    organisation_id = getattr(organisation, "pk", organisation)
    return (
        RiskProfile.objects.filter(organisation_id=organisation_id)
        .select_related("cycle", "instrument")
        .prefetch_related(_levels_prefetch())
        .order_by("-computed_at", "-pk")
        .first()
    )


def latest_profiles(
    *, organisations: Iterable[Organisation | int], explanations: bool = True
) -> dict[int, RiskProfile]:
    """``{organisation_id: newest RiskProfile}`` for the given schools, in two queries.

    Schools without a profile are absent from the dict. Each profile has ``levels`` prefetched
    (with ``factor``), so ``profile.levels.all()`` costs nothing more. Pass
    ``explanations=False`` when only levels and scores are needed (heatmaps, matching): the
    explanation JSON is then not loaded.
    """
    ids = [getattr(o, "pk", o) for o in organisations]
    if not ids:
        return {}
    newest = (
        RiskProfile.objects.filter(organisation_id=OuterRef("organisation_id"))
        .order_by("-computed_at", "-pk")
        .values("pk")[:1]
    )
    profiles = (
        RiskProfile.objects.filter(organisation_id__in=ids, pk=Subquery(newest))
        .select_related("cycle", "instrument")
        .prefetch_related(_levels_prefetch(explanations=explanations))
    )
    return {p.organisation_id: p for p in profiles}


def heatmap_summary(*, organisations, cycle: Cycle | None = None) -> dict[str, Any]:
    """For the whole heatmap (every page): how many of ``organisations`` (a queryset) have a
    profile, and how many have a high level of each factor — counted in the database over each
    school's newest profile (of the cycle, if given), in two queries."""
    candidates = RiskProfile.objects.filter(organisation_id=OuterRef("organisation_id"))
    if cycle is not None:
        candidates = candidates.filter(cycle=cycle)
    newest = candidates.order_by("-computed_at", "-pk").values("pk")[:1]
    profiles = RiskProfile.objects.filter(
        organisation_id__in=organisations.order_by().values("pk"), pk=Subquery(newest)
    )
    if cycle is not None:
        profiles = profiles.filter(cycle=cycle)
    highs = dict(
        FactorLevel.objects.filter(profile__in=profiles.values("pk"), level=Level.HIGH)
        .order_by()
        .values_list("factor_id")
        .annotate(n=Count("pk"))
    )
    return {"with_profile": profiles.count(), "highs": highs}


def _heatmap_schools(*, municipality: Municipality | int, category: str = "") -> QuerySet:
    """The heatmap's schools, by name, each with its current ``category`` annotated."""
    from schools.models import CategoryAssignment

    current_category = (
        CategoryAssignment.objects.filter(organisation=OuterRef("pk"), is_current=True)
        .order_by("-year", "-created_at")
        .values("category")[:1]
    )
    schools = (
        Organisation.objects.schools()
        .filter(municipality=municipality, is_active=True)
        .annotate(category=Subquery(current_category))
        .order_by("short_name", "pk")
    )
    if category:
        schools = schools.filter(category=category)
    return schools


def heatmap_data(
    *,
    municipality: Municipality,
    cycle: Cycle | None = None,
    category: str = "",
    page_number: Any = None,
    per_page: int | None = None,
) -> dict[str, Any]:
    """The heatmap's rows and the counts under it — the one builder behind the page (a page of
    ``per_page`` schools; the counts over every page, in the database) and the XLSX export
    (``per_page=None``: every school, counted from the rows themselves).

    Each row: the school (with its current ``category`` annotated), the category's label, the
    newest profile (of the cycle, if given) and its levels in factor order (``None`` for a
    factor without a level)."""
    from django.core.paginator import Paginator

    from schools.models import Category

    schools = _heatmap_schools(municipality=municipality, category=category)
    factor_list = factors()
    if per_page:  # a page of rows; the counts below the table are over every school
        page = Paginator(schools, per_page).get_page(page_number)
        summary = heatmap_summary(organisations=schools, cycle=cycle)
        schools, total = [*page], page.paginator.count
    else:  # the XLSX export: every school
        page, schools = None, list(schools)
        total = len(schools)
    if cycle:
        profiles = cycle_profiles(cycle=cycle, organisations=schools)
    else:
        profiles = latest_profiles(organisations=schools, explanations=False)
    labels = dict(Category.choices)
    rows = []
    for school in schools:
        profile = profiles.get(school.pk)
        levels = {lv.factor.code: lv for lv in profile.levels.all()} if profile else {}
        rows.append(
            {
                "school": school,
                "category": labels.get(school.category, ""),
                "profile": profile,
                "cells": [levels.get(f.code) for f in factor_list],
            }
        )
    if not per_page:
        summary = {
            "with_profile": sum(1 for r in rows if r["profile"]),
            "highs": {
                f.pk: sum(1 for r in rows if r["cells"][i] and r["cells"][i].level == Level.HIGH)
                for i, f in enumerate(factor_list)
            },
        }
    return {
        "factors": factor_list,
        "rows": rows,
        "page": page,
        "total": total,
        "highs": [summary["highs"].get(f.pk, 0) for f in factor_list],
        "with_profile": summary["with_profile"],
    }


def heatmap_school_count(*, municipality: Municipality | int, category: str = "") -> int:
    """How many schools the heatmap of these filters lists (its XLSX export's rows)."""
    return _heatmap_schools(municipality=municipality, category=category).count()


def cycle_profiles(
    *, cycle: Cycle, organisations: Iterable[Organisation | int]
) -> dict[int, RiskProfile]:
    """``{organisation_id: profile}`` computed in one cycle, levels without explanations."""
    ids = [getattr(o, "pk", o) for o in organisations]
    profiles = (
        RiskProfile.objects.filter(cycle=cycle, organisation_id__in=ids)
        .select_related("cycle", "instrument")
        .prefetch_related(_levels_prefetch(explanations=False))
        .order_by("organisation_id", "-computed_at")
    )
    result: dict[int, RiskProfile] = {}
    for profile in profiles:
        result.setdefault(profile.organisation_id, profile)
    return result


def previous_profile(*, profile: RiskProfile) -> RiskProfile | None:
    """The school's profile computed just before this one (for the comparison)."""
    return (
        RiskProfile.objects.filter(organisation_id=profile.organisation_id)
        .filter(
            Q(computed_at__lt=profile.computed_at)
            | Q(computed_at=profile.computed_at, pk__lt=profile.pk)
        )
        .select_related("cycle")
        .prefetch_related(_levels_prefetch())
        .order_by("-computed_at", "-pk")
        .first()
    )


def profile_list_for_user(*, user) -> QuerySet[RiskProfile]:
    scope = scope_for(user)
    return RiskProfile.objects.filter(organisation_q(scope, "organisation")).select_related(
        "organisation", "organisation__municipality", "cycle", "instrument"
    )


def profile_detail_for_user(*, user, pk: int) -> RiskProfile:
    from network_portal.access.policy import get_for_user_or_404

    return get_for_user_or_404(
        profile_list_for_user(user=user).prefetch_related(_levels_prefetch()), pk=pk
    )


# --- Teacher needs (used by events planning) -------------------------------------------------


def survey_min_responses(survey: TeacherSurvey | None = None) -> int:
    """The anonymity threshold: the survey's own, never below the portal-wide minimum."""
    floor = int(getattr(settings, "DIAGNOSTICS_SURVEY_MIN_RESPONSES", 5))
    if survey is None:
        return floor
    return max(floor, survey.min_responses or floor)


def survey_is_closed(survey: TeacherSurvey, *, today: datetime.date | None = None) -> bool:
    return (today or timezone.localdate()) > survey.closes_on


def _live_counts(
    survey_ids: Iterable[int],
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], dict[str, int]]]:
    """Every answer of closed surveys: answers and needs per (survey, school). Two queries."""
    survey_ids = list(survey_ids)
    if not survey_ids:
        return {}, {}
    answers = {
        (survey_id, org_id): n
        for survey_id, org_id, n in SurveyResponse.objects.filter(survey_id__in=survey_ids)
        .values_list("survey_id", "organisation_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    needs: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    for survey_id, org_id, need, c in (
        SurveyNeed.objects.filter(response__survey_id__in=survey_ids)
        .values_list("response__survey_id", "response__organisation_id", "need")
        .annotate(c=Count("pk"))
        .order_by()
    ):
        needs[(survey_id, org_id)][need] = c
    return answers, needs


def _published_counts(
    survey_ids: Iterable[int],
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], dict[str, int]]]:
    """The published figures of open surveys (``SurveyPublication``). One query."""
    answers, needs = {}, {}
    for survey_id, org_id, n, published in SurveyPublication.objects.filter(
        survey_id__in=list(survey_ids), responses__gt=0
    ).values_list("survey_id", "organisation_id", "responses", "needs"):
        answers[(survey_id, org_id)], needs[(survey_id, org_id)] = n, published or {}
    return answers, needs


def _survey_figures(
    surveys: Iterable[TeacherSurvey],
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], dict[str, int]]]:
    """What pages may show: every answer of a closed survey, the published figures of an open
    one (renewed in steps, see ``services.survey_publish``)."""
    today = timezone.localdate()
    surveys = list(surveys)
    closed = [s.pk for s in surveys if survey_is_closed(s, today=today)]
    answers, needs = _live_counts(closed)
    published_answers, published_needs = _published_counts(
        s.pk for s in surveys if s.pk not in set(closed)
    )
    return {**answers, **published_answers}, {**needs, **published_needs}


def teacher_needs_for_municipality(*, municipality: Municipality | int) -> list[dict[str, Any]]:
    """Teachers' needs across the municipality's surveys, most frequent first (seed 004).

    Only schools whose answers in a survey reached that survey's anonymity threshold are
    counted, and of an open survey only its published figures (see :func:`survey_results`).
    Returns ``[{"need", "label", "count", "share"}]`` where ``share`` is the percentage of
    counted respondents who named the need. Constant number of queries (at most four).
    """
    municipality_id = getattr(municipality, "pk", municipality)
    surveys = {
        s.pk: s
        for s in TeacherSurvey.objects.filter(municipality_id=municipality_id).only(
            "pk", "closes_on", "min_responses"
        )
    }
    answers, needs = _survey_figures(surveys.values())
    counted = [key for key, n in answers.items() if n >= survey_min_responses(surveys[key[0]])]
    respondents = sum(answers[key] for key in counted)
    if not counted:
        return []
    counts: dict[str, int] = defaultdict(int)
    for key in counted:
        for need, c in needs.get(key, {}).items():
            counts[need] += c
    labels = dict(TeacherNeed.choices)
    rows = [
        {
            "need": need,
            "label": labels.get(need, need),
            "count": count,
            "share": round(100.0 * count / respondents, 1),
        }
        for need, count in counts.items()
        if need in labels
    ]
    rows.sort(key=lambda r: (-r["count"], str(r["label"])))
    return rows


def survey_results(*, survey: TeacherSurvey) -> dict[str, Any]:
    """Per-school and overall results of a survey, hiding every group below the threshold.

    While the survey is open the figures are those last published — renewed only after at
    least :func:`survey_publish_step` new answers of a school — and no free text is
    shown, so comparing the page before and after one teacher's answer reveals nothing of it.
    After the survey closes every answer counts, and the free texts of schools over the
    threshold are shown, sorted by text (an order unrelated to when they came).
    """
    threshold = survey_min_responses(survey)
    closed = survey_is_closed(survey)
    answers, needs = _survey_figures([survey])
    answered = dict(
        SurveyResponse.objects.filter(survey=survey)
        .values_list("organisation_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    schools = list(survey.schools.order_by("short_name"))
    published = {s.pk: answers.get((survey.pk, s.pk), 0) for s in schools}
    open_ids = [s.pk for s in schools if published[s.pk] >= threshold]
    texts: dict[int, list[str]] = defaultdict(list)
    if closed and open_ids:
        for org_id, difficulties, support in SurveyResponse.objects.filter(
            survey=survey, organisation_id__in=open_ids
        ).values_list("organisation_id", "difficulties", "support_wanted"):
            texts[org_id].extend(t.strip() for t in (difficulties, support) if t.strip())
    labels = dict(TeacherNeed.choices)
    rows = []
    total_open = 0
    overall: dict[str, int] = defaultdict(int)
    for school in schools:
        n = published[school.pk]
        visible = n >= threshold
        school_needs = []
        if visible:
            total_open += n
            for need, c in needs.get((survey.pk, school.pk), {}).items():
                if need not in labels:
                    continue
                overall[need] += c
                school_needs.append(
                    {"need": need, "label": labels[need], "count": c, "share": 100 * c / n}
                )
            school_needs.sort(key=lambda r: (-r["count"], str(r["label"])))
        rows.append(
            {
                "school": school,
                "responses": n,
                "answered": answered.get(school.pk, 0),
                "visible": visible,
                "needs": school_needs,
                "texts": sorted(texts[school.pk]) if visible else [],
            }
        )
    overall_rows = sorted(
        (
            {"need": k, "label": labels[k], "count": c, "share": 100 * c / total_open}
            for k, c in overall.items()
        ),
        key=lambda r: (-r["count"], str(r["label"])),
    )
    return {
        "threshold": threshold,
        "closed": closed,
        "publish_step": survey_publish_step(),
        "schools": rows,
        "overall": overall_rows,
        "respondents_counted": total_open,
        "respondents_total": sum(answered.values()),
    }


def survey_publish_step() -> int:
    """How many new answers of a school renew its published figures of an open survey."""
    return max(5, int(getattr(settings, "DIAGNOSTICS_SURVEY_PUBLISH_STEP", 5)))


def survey_list_for_user(*, user) -> QuerySet[TeacherSurvey]:
    scope = scope_for(user)
    return TeacherSurvey.objects.filter(municipality_q(scope, "municipality")).select_related(
        "municipality"
    )


# --- Instrument -------------------------------------------------------------------------------


def current_instrument(*, region_id: int | None) -> Instrument | None:
    """The region's current instrument version, or the base one if the region has none."""
    if region_id is not None:
        own = Instrument.objects.filter(is_current=True, region_id=region_id).first()
        if own is not None:
            return own
    return Instrument.objects.filter(is_current=True, region__isnull=True).first()


def region_id_for(user) -> int | None:
    """The region a user works in (coordinator, methodologist or school staff); ``None`` for
    an administrator without a territory: the base instrument is hers to edit."""
    scope = scope_for(user)
    if scope.region_ids:
        return min(scope.region_ids)
    if scope.municipality_ids:
        return (
            Municipality.objects.filter(pk__in=scope.municipality_ids)
            .values_list("region_id", flat=True)
            .order_by("region_id")
            .first()
        )
    organisation_ids = scope.organisation_ids()
    if organisation_ids:
        return (
            Organisation.objects.filter(pk__in=organisation_ids)
            .values_list("municipality__region_id", flat=True)
            .order_by("municipality__region_id")
            .first()
        )
    return None


def instrument_list_for_user(*, user: Any) -> QuerySet[Instrument]:
    """Instrument versions the user may open: the base ones (every region starts from them)
    and those of the regions the user works in — of her region (coordinator), of her
    municipalities' regions (methodologist), of her schools' regions (school staff). Another
    region's own versions are not hers to read."""
    scope = scope_for(user)
    if scope.is_admin:
        return Instrument.objects.all()
    regions = Q(pk__in=list(scope.region_ids))
    if scope.municipality_ids:
        regions |= Q(municipalities__pk__in=list(scope.municipality_ids))
    if scope.organisation_ids():
        regions |= Q(municipalities__organisations__pk__in=list(scope.organisation_ids()))
    region_ids = Region.objects.filter(regions).values("pk")
    return Instrument.objects.filter(Q(region__isnull=True) | Q(region_id__in=region_ids))


def instrument_with_content(*, instrument: Instrument) -> Instrument:
    """The instrument with rules and indicators (with options and factor) prefetched."""
    return (
        Instrument.objects.filter(pk=instrument.pk)
        .prefetch_related(
            Prefetch("rules", queryset=instrument.rules.select_related("factor")),
            Prefetch(
                "indicators",
                queryset=Indicator.objects.select_related("factor").prefetch_related("options"),
            ),
        )
        .get()
    )


def factors() -> list[RiskFactor]:
    return list(RiskFactor.objects.order_by("code"))


# --- Cycles and questionnaires -----------------------------------------------------------------


def cycle_list_for_user(*, user) -> QuerySet[Cycle]:
    """Cycles of the user's municipalities (territory roles) or of the user's schools."""
    scope = scope_for(user)
    school_ids = scope.organisation_ids()
    q = municipality_q(scope, "municipality")
    if school_ids:
        q |= Q(schools__in=school_ids)
    return Cycle.objects.filter(q).distinct().select_related("municipality", "instrument")


def cycles_managed_by(*, user) -> QuerySet[Cycle]:
    """Cycles the user manages: those of her municipalities (methodologist) or region
    (coordinator). School staff and curators reach cycles only through their questionnaires."""
    return Cycle.objects.filter(municipality_q(scope_for(user), "municipality")).select_related(
        "municipality", "instrument"
    )


def questionnaire_list_for_user(*, user) -> QuerySet[Questionnaire]:
    scope = scope_for(user)
    return Questionnaire.objects.filter(organisation_q(scope, "organisation")).select_related(
        "cycle", "organisation", "instrument"
    )


def questionnaire_progress(*, cycle: Cycle) -> list[Questionnaire]:
    """The cycle's questionnaires with ``answered`` and ``questions`` counts (two queries)."""
    questionnaires = list(
        cycle.questionnaires.select_related("organisation", "submitted_by", "profile")
        .annotate(answered=Count("answers"))
        .order_by("organisation__short_name")
    )
    totals = dict(
        Indicator.objects.filter(
            kind="question", instrument_id__in={q.instrument_id for q in questionnaires}
        )
        .values_list("instrument_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for q in questionnaires:
        q.questions = totals.get(q.instrument_id, 0)
        q.percent = round(100 * q.answered / q.questions) if q.questions else 0
    return questionnaires


def can_fill(*, user, questionnaire: Questionnaire) -> bool:
    """The director of the school, or a member of its self-diagnosis team named by the director."""
    scope = scope_for(user)
    if questionnaire.organisation_id in scope.organisation_ids(Role.DIRECTOR):
        return True
    return TeamMember.objects.filter(
        organisation_id=questionnaire.organisation_id, user_id=user.pk
    ).exists()


def questionnaires_to_fill_for(*, user) -> list[Questionnaire]:
    """Open questionnaires the user may fill in (director or team member), newest first."""
    scope = scope_for(user)
    ids = set(scope.organisation_ids(Role.DIRECTOR))
    ids |= set(TeamMember.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True))
    return list(
        Questionnaire.objects.filter(organisation_id__in=ids)
        .select_related("cycle", "organisation")
        .annotate(answered=Count("answers"))
        .order_by("-cycle__opens_on", "organisation__short_name")
    )


# --- Transformation stages ----------------------------------------------------------------------


def stage_school_list_for_user(*, user: Any) -> QuerySet[Organisation]:
    """Schools whose transformation path the user may open (seed 000: a school's path)."""
    return (
        Organisation.objects.schools()
        .filter(organisation_q(scope_for(user)))
        .select_related("municipality")
    )


def stage_record_list_for_user(*, user: Any) -> QuerySet[StageRecord]:
    return StageRecord.objects.filter(organisation_q(scope_for(user), "organisation"))


def directed_school_list_for_user(*, user: Any) -> QuerySet[Organisation]:
    """The schools the user is the director of (she names their self-diagnosis team; an
    administrator directs none)."""
    return Organisation.objects.filter(pk__in=scope_for(user).organisation_ids(Role.DIRECTOR))


def team_member_list_for_user(*, user: Any) -> QuerySet[TeamMember]:
    """Team members of the schools the user directs."""
    return TeamMember.objects.filter(organisation__in=directed_school_list_for_user(user=user))


def stage_timeline(*, organisation: Organisation) -> list[StageRecord]:
    return list(
        StageRecord.objects.filter(organisation=organisation)
        .select_related("set_by")
        .order_by("reached_on", "stage", "pk")
    )
