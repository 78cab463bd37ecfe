"""Reads of the diagnostics app. Other apps call the profile and teacher-needs selectors here.

Every ``…_for_user`` selector starts from the access policy, so a page cannot forget a filter.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.core.paginator import Page
from django.db.models import Count, FilteredRelation, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network_portal.access.policy import (
    municipality_q,
    organisation_allows,
    organisation_q,
    scope_for,
)
from network_portal.accounts.models import Role
from schools.models import Category, CategoryAssignment, Municipality, Organisation, Region

from . import scoring
from .models import (
    Cycle,
    FactorLevel,
    Indicator,
    Instrument,
    Level,
    Questionnaire,
    QuestionnaireStatus,
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


def newest_profile(organisation_id) -> QuerySet[RiskProfile]:
    """The primary key of the newest risk profile of the school ``organisation_id`` (an id or an
    ``OuterRef``), as a one-row subquery: a school's current profile everywhere it is read."""
    return (
        RiskProfile.objects.filter(organisation_id=organisation_id)
        .order_by("-computed_at", "-pk")
        .values("pk")[:1]
    )


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
    newest = newest_profile(OuterRef("organisation_id"))
    profiles = (
        RiskProfile.objects.filter(organisation_id__in=ids, pk=Subquery(newest))
        .select_related("cycle", "instrument")
        .prefetch_related(_levels_prefetch(explanations=explanations))
    )
    return {p.organisation_id: p for p in profiles}


def heatmap_summary(
    *, organisations, factor_ids: Iterable[int], cycle: Cycle | None = None
) -> dict[str, Any]:
    """For the whole heatmap (every page): how many of ``organisations`` (a queryset) have a
    profile, and how many have a high level of each factor — counted in the database over each
    school's newest profile (of the cycle, if given), in one query."""
    candidates = RiskProfile.objects.filter(organisation_id=OuterRef("organisation_id"))
    if cycle is not None:
        candidates = candidates.filter(cycle=cycle)
    newest = candidates.order_by("-computed_at", "-pk").values("pk")[:1]
    profiles = RiskProfile.objects.filter(
        organisation_id__in=organisations.order_by().values("pk"), pk=Subquery(newest)
    )
    if cycle is not None:
        profiles = profiles.filter(cycle=cycle)
    counted = profiles.annotate(  # joined to its high levels only (none: one row, NULL)
        highs=FilteredRelation("levels", condition=Q(levels__level=Level.HIGH))
    ).aggregate(
        with_profile=Count("pk", distinct=True),  # a row per high level
        **{f"high_{pk}": Count("highs", filter=Q(highs__factor_id=pk)) for pk in factor_ids},
    )
    with_profile = counted.pop("with_profile")
    return {
        "with_profile": with_profile,
        "highs": {int(key.removeprefix("high_")): n for key, n in counted.items()},
    }


def heatmap_school_count(*, municipality: Municipality | int, category: str = "") -> int:
    """How many schools the heatmap of these filters lists (the rows of its XLSX export): the
    schools of :func:`heatmap_data`, counted in the database."""
    schools = Organisation.objects.schools().filter(municipality=municipality, is_active=True)
    if category:
        current_category = (
            CategoryAssignment.objects.filter(organisation=OuterRef("pk"), is_current=True)
            .order_by("-year", "-created_at")
            .values("category")[:1]
        )
        schools = schools.annotate(category=Subquery(current_category)).filter(category=category)
    return schools.count()


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


def municipality_list_for_user(*, user) -> QuerySet[Municipality]:
    """The municipalities the user may choose in the diagnostics forms (cycles, surveys, the
    heatmap), by name: the schools app's scoped list, ordered."""
    from schools.selectors import municipality_list_for_user as scoped

    return scoped(user=user).order_by("name")


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
    survey_ids: Iterable[int], organisation_id: int | None = None
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], dict[str, int]]]:
    """Every answer of closed surveys: answers and needs per (survey, school), of one school
    when ``organisation_id`` is given. Two queries."""
    survey_ids = list(survey_ids)
    if not survey_ids:
        return {}, {}
    one = {} if organisation_id is None else {"organisation_id": organisation_id}
    answers = {
        (survey_id, org_id): n
        for survey_id, org_id, n in SurveyResponse.objects.filter(survey_id__in=survey_ids, **one)
        .values_list("survey_id", "organisation_id")
        .annotate(n=Count("pk"))
        .order_by()
    }
    needs: dict[tuple[int, int], dict[str, int]] = defaultdict(dict)
    of_school = {f"response__{k}": v for k, v in one.items()}
    for survey_id, org_id, need, c in (
        SurveyNeed.objects.filter(response__survey_id__in=survey_ids, **of_school)
        .values_list("response__survey_id", "response__organisation_id", "need")
        .annotate(c=Count("pk"))
        .order_by()
    ):
        needs[(survey_id, org_id)][need] = c
    return answers, needs


def _published_counts(
    survey_ids: Iterable[int], organisation_id: int | None = None
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], dict[str, int]]]:
    """The published figures of open surveys (``SurveyPublication``), of one school when
    ``organisation_id`` is given. One query."""
    survey_ids = list(survey_ids)
    if not survey_ids:
        return {}, {}
    one = {} if organisation_id is None else {"organisation_id": organisation_id}
    answers, needs = {}, {}
    for survey_id, org_id, n, published in SurveyPublication.objects.filter(
        survey_id__in=survey_ids, responses__gt=0, **one
    ).values_list("survey_id", "organisation_id", "responses", "needs"):
        answers[(survey_id, org_id)], needs[(survey_id, org_id)] = n, published or {}
    return answers, needs


def _survey_figures(
    surveys: Iterable[TeacherSurvey], organisation_id: int | None = None
) -> tuple[dict[tuple[int, int], int], dict[tuple[int, int], dict[str, int]]]:
    """What pages may show: every answer of a closed survey, the published figures of an open
    one (renewed in steps, see ``services.survey_publish``); of one school when
    ``organisation_id`` is given."""
    today = timezone.localdate()
    surveys = list(surveys)
    closed = [s.pk for s in surveys if survey_is_closed(s, today=today)]
    answers, needs = _live_counts(closed, organisation_id)
    published_answers, published_needs = _published_counts(
        [s.pk for s in surveys if s.pk not in set(closed)], organisation_id
    )
    return {**answers, **published_answers}, {**needs, **published_needs}


def teacher_needs_of_school(*, organisation_id: int) -> tuple[int, dict[str, int]]:
    """``(respondents, {need: count})`` of the school's teachers over the surveys in which the
    school reached the survey's anonymity threshold — of an open survey only its published
    figures, as every page shows them (:func:`survey_results`), so that comparing a page before
    and after one teacher's answer reveals nothing of it. At most four queries."""
    surveys = (
        TeacherSurvey.objects.filter(responses__organisation_id=organisation_id)
        .distinct()
        .only("pk", "closes_on", "min_responses")
    )
    return _counted_needs(surveys, organisation_id)


def _counted_needs(
    surveys: Iterable[TeacherSurvey], organisation_id: int | None = None
) -> tuple[int, dict[str, int]]:
    """``(respondents, {need: count})`` over the (survey, school) groups that reached their
    survey's anonymity threshold, as pages may show them (:func:`_survey_figures`)."""
    surveys = {s.pk: s for s in surveys}
    answers, needs = _survey_figures(surveys.values(), organisation_id)
    counted = [key for key, n in answers.items() if n >= survey_min_responses(surveys[key[0]])]
    counts: dict[str, int] = defaultdict(int)
    for key in counted:
        for need, c in needs.get(key, {}).items():
            counts[need] += c
    return sum(answers[key] for key in counted), dict(counts)


def teacher_needs_for_municipality(*, municipality: Municipality | int) -> list[dict[str, Any]]:
    """Teachers' needs across the municipality's surveys, most frequent first (seed 004).

    Only schools whose answers in a survey reached that survey's anonymity threshold are
    counted, and of an open survey only its published figures (see :func:`survey_results`).
    Returns ``[{"need", "label", "count", "share"}]`` where ``share`` is the percentage of
    counted respondents who named the need. Constant number of queries (at most four).
    """
    municipality_id = getattr(municipality, "pk", municipality)
    respondents, counts = _counted_needs(
        TeacherSurvey.objects.filter(municipality_id=municipality_id).only(
            "pk", "closes_on", "min_responses"
        )
    )
    if not respondents:
        return []
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


def surveys_to_answer_for(*, user) -> list[TeacherSurvey]:
    """Open surveys of the teacher's schools that she has not answered yet."""
    today = timezone.localdate()
    return list(
        TeacherSurvey.objects.filter(
            schools__in=scope_for(user).organisation_ids(Role.TEACHER),
            opens_on__lte=today,
            closes_on__gte=today,
        )
        .exclude(participations__user_id=user.pk)
        .distinct()
    )


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


def with_completion(cycles: QuerySet[Cycle]) -> QuerySet[Cycle]:
    """Cycles annotated with ``total`` questionnaires and how many are ``submitted``."""
    return cycles.annotate(
        total=Count("questionnaires", distinct=True),
        submitted=Count(
            "questionnaires",
            filter=Q(questionnaires__status=QuestionnaireStatus.SUBMITTED),
            distinct=True,
        ),
    )


@dataclass(frozen=True)
class QuestionnaireProgress:
    """One school's questionnaire in a cycle and how far it is answered."""

    questionnaire: Questionnaire
    answered: int
    questions: int

    @property
    def percent(self) -> int:
        return round(100 * self.answered / self.questions) if self.questions else 0


def questionnaire_progress(*, cycle: Cycle) -> list[QuestionnaireProgress]:
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
    return [
        QuestionnaireProgress(
            questionnaire=q, answered=q.answered, questions=totals.get(q.instrument_id, 0)
        )
        for q in questionnaires
    ]


def _fillable_organisation_ids(*, user) -> set[int]:
    """Schools whose questionnaires the user fills in: those she directs, and those whose
    director named her to the self-diagnosis team."""
    ids = set(scope_for(user).organisation_ids(Role.DIRECTOR))
    ids |= set(TeamMember.objects.filter(user_id=user.pk).values_list("organisation_id", flat=True))
    return ids


def questionnaires_to_fill_for(*, user) -> list[Questionnaire]:
    """Open questionnaires the user may fill in (director or team member), newest first, with
    ``answered`` and ``questions`` (of its instrument version) counts."""
    questions = (
        Indicator.objects.filter(instrument_id=OuterRef("instrument_id"), kind="question")
        .order_by()
        .values("instrument_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return list(
        Questionnaire.objects.filter(organisation_id__in=_fillable_organisation_ids(user=user))
        .select_related("cycle", "organisation")
        .annotate(answered=Count("answers"), questions=Subquery(questions))
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


def team_members(*, school: Organisation) -> QuerySet[TeamMember]:
    return TeamMember.objects.filter(organisation=school).select_related("user")


def team_candidates(*, school: Organisation, director: Any) -> QuerySet:
    """Active staff of the school not yet in its team (the director is in it by right)."""
    from network_portal.accounts.models import User

    return (
        User.objects.filter(role_assignments__organisation=school, is_active=True)
        .exclude(pk__in=team_members(school=school).values("user_id"))
        .exclude(pk=director.pk)
        .distinct()
        .order_by("last_name", "first_name")
    )


def stage_timeline(*, organisation: Organisation) -> list[StageRecord]:
    return list(
        StageRecord.objects.filter(organisation=organisation)
        .select_related("set_by")
        .order_by("reached_on", "stage", "pk")
    )


# --- Permissions: the only place a write rule of diagnostics lives ------------------------------


@dataclass(frozen=True)
class CyclePermissions:
    """What a user may do with one cycle."""

    can_manage: bool = False  # its methodologist or coordinator: edit, close, return answers


def cycle_permissions(*, user, cycle: Cycle) -> CyclePermissions:
    return CyclePermissions(can_manage=cycles_managed_by(user=user).filter(pk=cycle.pk).exists())


@dataclass(frozen=True)
class QuestionnairePermissions:
    """What a user may do with one visible questionnaire, and why the cycle refuses answers."""

    can_fill: bool = False  # the school's director or self-diagnosis team: may save
    can_edit: bool = False  # may fill, and the questionnaire takes answers today
    can_return: bool = False  # manages the cycle: may return a submission for correction
    refusal: str | None = None  # why the cycle takes no answers today (``None``: it does)


def answers_refusal(questionnaire: Questionnaire) -> str | None:
    """Why the questionnaire's cycle takes no answers for it today (``None``: it does, or the
    questionnaire is submitted and nothing is to be answered)."""
    from .services import cycle_refusal

    if questionnaire.status == QuestionnaireStatus.SUBMITTED:
        return None
    return cycle_refusal(
        cycle=questionnaire.cycle, today=timezone.localdate(), status=questionnaire.status
    )


def takes_answers(questionnaire: Questionnaire) -> bool:
    """Not submitted, and its cycle takes answers today."""
    return (
        questionnaire.status != QuestionnaireStatus.SUBMITTED
        and answers_refusal(questionnaire) is None
    )


def questionnaire_permissions(*, user, questionnaire: Questionnaire) -> QuestionnairePermissions:
    can_fill = questionnaire.organisation_id in _fillable_organisation_ids(user=user)
    return QuestionnairePermissions(
        can_fill=can_fill,
        can_edit=can_fill and takes_answers(questionnaire),
        can_return=cycle_permissions(user=user, cycle=questionnaire.cycle).can_manage,
        refusal=answers_refusal(questionnaire),
    )


#: Who reads the instrument (its questions, weights and thresholds); only a coordinator edits.
INSTRUMENT_READERS = (Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR, Role.DIRECTOR)


def can_view_instrument(user) -> bool:
    """The instrument page opens for these roles; pages link to it only for them."""
    return scope_for(user).has_role(*INSTRUMENT_READERS)


@dataclass(frozen=True)
class InstrumentPermissions:
    can_edit: bool = False  # the coordinator, on the version in force in her region


def instrument_permissions(
    *, user, instrument: Instrument, current: Instrument | None = None
) -> InstrumentPermissions:
    """Every edit starts from the version in force in the user's region (``current``, read
    when not given: see :func:`current_instrument`) and makes a new one; only a coordinator
    edits."""
    if not scope_for(user).has_role(Role.COORDINATOR):
        return InstrumentPermissions()
    if current is None:
        current = current_instrument(region_id=region_id_for(user))
    return InstrumentPermissions(can_edit=current is not None and instrument.pk == current.pk)


@dataclass(frozen=True)
class StagePermissions:
    can_record: bool = False  # its curator, the municipality's methodologist, the coordinator


def stage_permissions(*, user, school: Organisation) -> StagePermissions:
    """Who records a school's transformation stage (the school's own staff do not)."""
    return StagePermissions(
        can_record=organisation_allows(
            scope_for(user), school, roles=(Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR)
        )
    )


# --- Page data (what a page shows, read in one place; the views render it) -------------------


class _Row:
    """A page row that templates and callers may also read as a mapping (``row["factor"]``)."""

    def __getitem__(self, name: str) -> Any:
        try:
            return getattr(self, name)
        except AttributeError as error:
            raise KeyError(name) from error


@dataclass(frozen=True)
class SchoolRisks:
    school: Organisation
    profile: RiskProfile | None
    high: list[FactorLevel]


@dataclass(frozen=True)
class IndexPage:
    """The diagnostics landing page: what waits for each of the user's roles."""

    is_territory: bool
    is_coordinator: bool
    is_director: bool  # the team page is her own school's: an administrator has none
    can_view_instrument: bool
    to_fill: list[Questionnaire]
    schools: list[SchoolRisks] = field(default_factory=list)
    surveys_to_answer: list[TeacherSurvey] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    surveys: list[TeacherSurvey] = field(default_factory=list)


def index_page(*, user) -> IndexPage:
    scope = scope_for(user)
    is_territory = scope.has_role(Role.COORDINATOR, Role.METHODOLOGIST)
    schools, surveys_to_answer, cycles, surveys = [], [], [], []
    to_fill = questionnaires_to_fill_for(user=user)
    own = scope.organisation_ids(Role.DIRECTOR, Role.TEACHER, Role.CURATOR)
    if own:
        profiles = latest_profiles(organisations=own, explanations=False)
        schools = [
            SchoolRisks(
                school=school,
                profile=profiles.get(school.pk),
                high=[lv for lv in profiles[school.pk].levels.all() if lv.level == Level.HIGH]
                if school.pk in profiles
                else [],
            )
            for school in Organisation.objects.filter(pk__in=own).order_by("short_name")
        ]
    if scope.has_role(Role.TEACHER):
        surveys_to_answer = surveys_to_answer_for(user=user)
    if is_territory:
        cycles = list(with_completion(cycle_list_for_user(user=user)).order_by("-opens_on")[:5])
        surveys = list(survey_list_for_user(user=user)[:5])
    return IndexPage(
        is_territory=is_territory,
        is_coordinator=scope.has_role(Role.COORDINATOR),
        is_director=bool(scope.organisation_ids(Role.DIRECTOR)),
        can_view_instrument=can_view_instrument(user),
        to_fill=to_fill,
        schools=schools,
        surveys_to_answer=surveys_to_answer,
        cycles=cycles,
        surveys=surveys,
    )


@dataclass(frozen=True)
class ComputedValue:
    """An indicator the portal computes from the school's data, as the questionnaire shows it."""

    indicator: scoring.IndicatorSpec
    value: Decimal | None
    year: int | None
    band: Any
    source: str


def questionnaire_computed(
    *, questionnaire: Questionnaire, spec: scoring.InstrumentSpec
) -> dict[int, list[ComputedValue]]:
    """``{factor code: [computed indicator with its value]}`` for the questionnaire's year."""
    from .services import computed_values_for, school_year_end

    year = school_year_end(questionnaire.cycle.opens_on)
    values, years = computed_values_for(organisation=questionnaire.organisation, year=year)
    computed: dict[int, list[ComputedValue]] = {}
    for indicator in spec.indicators:
        if not indicator.computed:
            continue
        value = values.get(indicator.source)
        computed.setdefault(indicator.factor_code, []).append(
            ComputedValue(
                indicator=indicator,
                value=value,
                year=years.get(indicator.source),
                band=scoring.band_for(indicator, value) if value is not None else None,
                source=scoring.COMPUTED_SOURCES.get(indicator.source, {}).get("source", ""),
            )
        )
    return computed


STATUS_LABELS = {
    "ok": "",
    "unanswered": _("no answer (optional question, not counted)"),
    "no_data": _("no data (not counted)"),
    "no_band": _("value outside the bands (not counted)"),
    "zero_weight": _("weight 0 (not counted)"),
}
TREND_LABELS = {
    "improved": _("improved"),
    "unchanged": _("unchanged"),
    "worsened": _("worsened"),
    "unknown": _("no comparison"),
}


def _explained(level: FactorLevel) -> list[dict[str, Any]]:
    """The level's stored explanation (one mapping per indicator) with labels and numbers."""
    items = []
    for item in level.explanation or []:
        source = scoring.COMPUTED_SOURCES.get(item.get("source") or "", {})
        items.append(
            {
                **item,
                "source_label": source.get("label", ""),
                "source_origin": source.get("source", ""),
                "unit": source.get("unit", ""),
                "status_label": STATUS_LABELS.get(item.get("status", "ok"), ""),
                "contribution_value": Decimal(item.get("contribution") or "0"),
                "value_decimal": Decimal(item["value"]) if item.get("value") else None,
                "score_decimal": Decimal(item["score"]) if item.get("score") else None,
                "max_decimal": Decimal(item.get("max_score") or "0"),
                "weight_decimal": Decimal(item.get("weight") or "0"),
            }
        )
    return items


@dataclass(frozen=True)
class ProfileRow(_Row):
    factor: RiskFactor
    level: FactorLevel | None
    items: list[dict[str, Any]]
    previous: FactorLevel | None
    trend: str
    trend_label: str
    delta: Decimal | None


@dataclass(frozen=True)
class ProfilePage:
    profile: RiskProfile
    rows: list[ProfileRow]
    previous: RiskProfile | None
    history: list[RiskProfile]
    counts: dict[str, int]


def profile_page(*, profile: RiskProfile) -> ProfilePage:
    """A profile by factor, explained, and compared with the school's previous one."""
    levels = {lv.factor.code: lv for lv in profile.levels.all()}
    previous = previous_profile(profile=profile)
    before = {lv.factor.code: lv for lv in previous.levels.all()} if previous else {}
    rows = []
    for factor in factors():
        level = levels.get(factor.code)
        prev = before.get(factor.code)
        trend = scoring.compare_levels(prev.level if prev else None, level.level if level else None)
        rows.append(
            ProfileRow(
                factor=factor,
                level=level,
                items=_explained(level) if level else [],
                previous=prev,
                trend=trend,
                trend_label=TREND_LABELS[trend],
                delta=(level.score - prev.score) if (level and prev) else None,
            )
        )
    history = list(
        RiskProfile.objects.filter(organisation_id=profile.organisation_id)
        .select_related("cycle")
        .order_by("-computed_at", "-pk")
    )
    return ProfilePage(
        profile=profile,
        rows=rows,
        previous=previous,
        history=history,
        counts={
            key: sum(1 for r in rows if r.level and r.level.level == key)
            for key in ("high", "medium", "low")
        },
    )


@dataclass(frozen=True, slots=True)
class HeatmapCell:
    """One school's level of one factor as the heatmap prints it: the label and the rounded
    score are worked out once per page, not per cell by the template (``get_level_display``
    and ``floatformat`` on a thousand cells cost more than the rest of the page)."""

    factor: RiskFactor
    level: str
    label: str
    score: Decimal
    percent: str


@dataclass(frozen=True)
class HeatmapRow(_Row):
    school: Organisation
    category: str
    profile: RiskProfile | None
    cells: list[HeatmapCell | None]


def _heatmap_cell(level: FactorLevel, labels: dict[str, str]) -> HeatmapCell:
    return HeatmapCell(
        factor=level.factor,
        level=level.level,
        label=labels[level.level],
        score=level.score,
        percent=str(level.score.quantize(Decimal(1), rounding=ROUND_HALF_UP)),
    )


@dataclass(frozen=True)
class Heatmap:
    """The schools of a municipality by factor: one page of rows (``page``) or, with
    ``per_page=None``, every row (the XLSX export); the counts cover every school."""

    municipality: Municipality
    cycle: Cycle | None
    category: str
    factors: list[RiskFactor]
    rows: list[HeatmapRow]
    page: Page | None
    total: int
    highs: list[int]
    with_profile: int


#: The longest a heatmap's totals are kept even if no version change is seen (an edit made
#: outside the ORM's saves that touches none of the counted rows).
HEATMAP_TOTALS_KEEP = 60 * 60


def heatmap_data_version() -> str:
    """What a heatmap's totals depend on, in one query of index reads over the installation:
    the count and newest id of the risk profiles (a profile is never edited: recomputing makes a
    new one, reopening a questionnaire deletes it), of the current category assignments and of
    the organisations, and the organisations' last change (``updated_at``, indexed)."""
    from django.db import connection

    profile = RiskProfile._meta.db_table
    category = CategoryAssignment._meta.db_table
    organisation = Organisation._meta.db_table
    with connection.cursor() as cursor:
        # only table names from the models' own metadata are formatted in
        cursor.execute(
            f"SELECT (SELECT COUNT(*) FROM {profile}), (SELECT MAX(id) FROM {profile}), "  # noqa: S608
            f"(SELECT COUNT(*) FROM {category} WHERE is_current), (SELECT MAX(id) FROM {category}), "
            f"(SELECT COUNT(*) FROM {organisation}), (SELECT MAX(id) FROM {organisation}), "
            f"(SELECT MAX(updated_at) FROM {organisation})"
        )
        row = cursor.fetchone()
    # a digest: the timestamp's text differs by backend, and a cache key holds no spaces
    return hashlib.sha1(repr(tuple(row)).encode(), usedforsecurity=False).hexdigest()


def heatmap_totals(
    *,
    schools: QuerySet,
    municipality: Municipality,
    cycle: Cycle | None,
    category: str,
    factor_ids: list[int],
) -> dict[str, Any]:
    """How many schools the heatmap of these filters lists and its summary
    (:func:`heatmap_summary`), kept in the cache under :func:`heatmap_data_version`: a new
    profile, category or school changes the version, so the next page counts again (at once,
    never stale); otherwise page 1 reads no row of the municipality but its own."""
    from django.core.cache import cache

    key = (
        f"diagnostics:heatmap:{municipality.pk}:{cycle.pk if cycle else 0}:{category}:"
        f"{heatmap_data_version()}"
    )
    totals = cache.get(key)
    if totals is None:
        totals = {
            "total": schools.order_by().count(),
            "summary": heatmap_summary(organisations=schools, factor_ids=factor_ids, cycle=cycle),
        }
        cache.set(key, totals, HEATMAP_TOTALS_KEEP)
    return totals


def heatmap_data(
    *,
    municipality: Municipality,
    cycle: Cycle | None = None,
    category: str = "",
    per_page: int | None = None,
    page_number: Any = None,
) -> Heatmap:
    """Each school's newest profile (of the cycle, if given) by factor, filtered by category.
    A page costs the same whatever the municipality's size."""
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
    factor_list = factors()
    page = summary = None
    if per_page:  # a page of rows; the counts below the table are over every school
        from network_portal.ui.paging import CountedPaginator

        totals = heatmap_totals(
            schools=schools,
            municipality=municipality,
            cycle=cycle,
            category=category,
            factor_ids=[f.pk for f in factor_list],
        )
        total, summary = totals["total"], totals["summary"]
        # the page in name order with a LIMIT: the category is read for its rows only
        page = CountedPaginator(schools, per_page, count=total).get_page(page_number)
        school_list = list(page.object_list)
    else:  # every school
        school_list = list(schools)
        total = len(school_list)
    if cycle:
        profiles = cycle_profiles(cycle=cycle, organisations=school_list)
    else:
        profiles = latest_profiles(organisations=school_list, explanations=False)
    labels = dict(Category.choices)
    level_labels = {value: str(label) for value, label in Level.choices}
    rows = []
    for school in school_list:
        profile = profiles.get(school.pk)
        levels = (
            {lv.factor.code: _heatmap_cell(lv, level_labels) for lv in profile.levels.all()}
            if profile
            else {}
        )
        rows.append(
            HeatmapRow(
                school=school,
                category=labels.get(school.category, ""),
                profile=profile,
                cells=[levels.get(f.code) for f in factor_list],
            )
        )
    if summary is None:
        summary = {
            "with_profile": sum(1 for r in rows if r.profile),
            "highs": {
                f.pk: sum(1 for r in rows if r.cells[i] and r.cells[i].level == Level.HIGH)
                for i, f in enumerate(factor_list)
            },
        }
    return Heatmap(
        municipality=municipality,
        cycle=cycle,
        category=category,
        factors=factor_list,
        rows=rows,
        page=page,
        total=total,
        highs=[summary["highs"].get(f.pk, 0) for f in factor_list],
        with_profile=summary["with_profile"],
    )


@dataclass(frozen=True)
class FactorContent:
    factor: RiskFactor
    rule: Any
    indicators: list[Indicator]


@dataclass(frozen=True)
class InstrumentPage:
    instrument: Instrument
    current: Instrument | None
    factors: list[FactorContent]
    versions: QuerySet[Instrument]
    can_edit: bool


def instrument_page(*, user, instrument: Instrument) -> InstrumentPage:
    """An instrument version by factor (rule and indicators) and the versions the user reads."""
    instrument = instrument_with_content(instrument=instrument)
    rules = {r.factor.code: r for r in instrument.rules.all()}
    indicators: dict[int, list[Indicator]] = {}
    for indicator in instrument.indicators.all():
        indicators.setdefault(indicator.factor.code, []).append(indicator)
    region_id = region_id_for(user)
    versions = (
        Instrument.objects.filter(Q(region__isnull=True) | Q(region_id=region_id))
        .annotate(profiles_count=Count("profiles"))
        .select_related("created_by", "region")
    )
    current = current_instrument(region_id=region_id)
    return InstrumentPage(
        instrument=instrument,
        current=current,
        factors=[
            FactorContent(factor=f, rule=rules.get(f.code), indicators=indicators.get(f.code, []))
            for f in factors()
        ],
        versions=versions,
        can_edit=instrument_permissions(user=user, instrument=instrument, current=current).can_edit,
    )


def stored_answers(*, questionnaire: Questionnaire) -> tuple[dict[int, int], set[int]]:
    """``({indicator id: option id}, {indicator ids carried over from the previous cycle})``."""
    answers, carried_over = {}, set()
    for indicator_id, option_id, carried in questionnaire.answers.values_list(
        "indicator_id", "option_id", "carried_over"
    ):
        answers[indicator_id] = option_id
        if carried:
            carried_over.add(indicator_id)
    return answers, carried_over


def questionnaire_profile(*, questionnaire: Questionnaire) -> RiskProfile | None:
    """The profile computed from the questionnaire (withdrawn while it is returned)."""
    return RiskProfile.objects.filter(questionnaire=questionnaire).first()


def survey_school_for(*, user, survey: TeacherSurvey) -> Organisation | None:
    """The teacher's school among the survey's schools (``None``: she teaches in none)."""
    own = scope_for(user).organisation_ids(Role.TEACHER)
    return survey.schools.filter(pk__in=own).order_by("pk").first()
