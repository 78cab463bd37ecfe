"""Pages of the diagnostics section: cycles, questionnaires, profiles, heatmap, instrument,
teacher survey and transformation stages. Each view: access → form → service → redirect, or
selector → render."""

from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from network_portal.access.policy import (
    get_for_user_or_404,
    municipality_q,
    require,
    role_required,
    scope_for,
)
from network_portal.accounts.models import Role, User
from network_portal.ui.request_size import accepts_upload
from schools.models import Municipality

from . import exports, pages, selectors, services
from .forms import (
    CycleEditForm,
    CycleForm,
    HeatmapFilterForm,
    QuestionnaireForm,
    ReturnForm,
    RuleForm,
    StageForm,
    SurveyAnswerForm,
    SurveyForm,
    TeamAddForm,
)
from .models import (
    CycleStatus,
    Instrument,
    RiskFactor,
    TeacherSurvey,
    TeamMember,
)

TERRITORY = (Role.COORDINATOR, Role.METHODOLOGIST)


def _municipalities(request: HttpRequest):
    return Municipality.objects.filter(municipality_q(scope_for(request.user))).order_by("name")


def index(request: HttpRequest) -> HttpResponse:
    """The landing page: what each role does here (director: my questionnaires; methodologist:
    cycles, heatmap, surveys)."""
    return render(request, "diagnostics/index.html", pages.index_context(request.user))


# --- Cycles ------------------------------------------------------------------------------------


@role_required(*TERRITORY)
def cycle_list(request: HttpRequest) -> HttpResponse:
    return render(request, "diagnostics/cycle_list.html", pages.cycle_list_context(request))


@role_required(*TERRITORY)
def cycle_create(request: HttpRequest) -> HttpResponse:
    form = CycleForm(request.POST or None, municipalities=_municipalities(request))
    if request.method == "POST" and form.is_valid():
        try:
            cycle = services.cycle_open(**form.cleaned_data, user=request.user)
        except services.DiagnosticsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The cycle is open; the schools can fill in the questionnaire.")
            )
            return redirect("diagnostics:cycle_detail", pk=cycle.pk)
    return render(request, "diagnostics/cycle_form.html", {"form": form})


def cycle_detail(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_for_user_or_404(selectors.cycles_managed_by(user=request.user), pk=pk)
    context = {
        "cycle": cycle,
        "questionnaires": selectors.questionnaire_progress(cycle=cycle),
        "refusal": services.cycle_refusal(cycle=cycle, today=timezone.localdate()),
    }
    return render(request, "diagnostics/cycle_detail.html", context)


def cycle_edit(request: HttpRequest, pk: int) -> HttpResponse:
    cycle = get_for_user_or_404(selectors.cycles_managed_by(user=request.user), pk=pk)
    initial = {
        "title": cycle.title,
        "opens_on": cycle.opens_on,
        "closes_on": cycle.closes_on,
        "schools": list(cycle.schools.all()),
    }
    form = CycleEditForm(request.POST or None, initial=initial, cycle=cycle)
    if request.method == "POST" and form.is_valid():
        try:
            services.cycle_update(cycle=cycle, user=request.user, **form.cleaned_data)
        except services.DiagnosticsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The cycle is saved."))
            return redirect("diagnostics:cycle_detail", pk=cycle.pk)
    return render(request, "diagnostics/cycle_edit.html", {"form": form, "cycle": cycle})


@require_POST
def cycle_set_status(request: HttpRequest, pk: int, status: str) -> HttpResponse:
    cycle = get_for_user_or_404(selectors.cycles_managed_by(user=request.user), pk=pk)
    if status == CycleStatus.CLOSED:
        services.cycle_close(cycle=cycle, user=request.user)
        messages.success(request, _("The cycle is closed."))
    else:
        services.cycle_reopen(cycle=cycle, user=request.user)
        messages.success(request, _("The cycle is open again."))
    return redirect("diagnostics:cycle_detail", pk=cycle.pk)


# --- Questionnaires --------------------------------------------------------------------------


def questionnaire_fill(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill in (director or team) or read (everyone else in scope) a questionnaire."""
    questionnaire = get_for_user_or_404(
        selectors.questionnaire_list_for_user(user=request.user), pk=pk
    )
    editable = pages.questionnaire_editable(request.user, questionnaire)
    if request.method == "POST":
        require(selectors.can_fill(user=request.user, questionnaire=questionnaire))
        return pages.questionnaire_post(request, questionnaire)
    spec = services.instrument_spec(instrument=questionnaire.instrument)
    form = QuestionnaireForm(
        spec=spec,
        disabled=not editable,
        initial={
            "version": questionnaire.version,
            **{
                f"q_{i}": o
                for i, o in questionnaire.answers.values_list("indicator_id", "option_id")
            },
        },
    )
    context = pages.questionnaire_context(request.user, questionnaire, form, editable)
    context["carried_over"] = set(
        questionnaire.answers.filter(carried_over=True).values_list("indicator_id", flat=True)
    )
    return render(request, "diagnostics/questionnaire.html", context)


@require_POST
def questionnaire_return(request: HttpRequest, pk: int) -> HttpResponse:
    scope = scope_for(request.user)
    questionnaire = get_for_user_or_404(
        selectors.questionnaire_list_for_user(user=request.user), pk=pk
    )
    require(scope.is_admin or questionnaire.cycle.municipality_id in _municipality_ids(request))
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write what should be corrected."))
    else:
        try:
            services.questionnaire_return(
                questionnaire=questionnaire, comment=form.cleaned_data["comment"], user=request.user
            )
            messages.success(
                request, _("The questionnaire is returned to the school for correction.")
            )
        except services.DiagnosticsError as error:
            messages.error(request, str(error))
    return redirect("diagnostics:cycle_detail", pk=questionnaire.cycle_id)


def _municipality_ids(request: HttpRequest) -> set[int]:
    return set(_municipalities(request).values_list("pk", flat=True))


# --- Profiles and heatmap ---------------------------------------------------------------------


def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = selectors.profile_detail_for_user(user=request.user, pk=pk)
    return render(request, "diagnostics/profile.html", pages.profile_context(profile))


@role_required(*TERRITORY)
def heatmap(request: HttpRequest) -> HttpResponse:
    form = HeatmapFilterForm(request.GET or None, municipalities=_municipalities(request))
    if request.GET.get("format") == "xlsx":
        filters = pages.heatmap_filters(form)
        if exports.in_background(**filters):  # a big municipality: a job, its status shown
            job = exports.export_request(user=request.user, **filters)
            return redirect(exports.export_page_url(job))
        return pages.heatmap_xlsx(pages.heatmap_context(request, form, paginate=False))
    context = pages.heatmap_context(request, form)
    context["export_job"] = exports.export_job_for(request.user, request.GET.get("export"))
    return render(request, "diagnostics/heatmap.html", context)


# --- Instrument (the coordinator edits it; every edit is a new version) -----------------------


def instrument_detail(request: HttpRequest, version: int | None = None) -> HttpResponse:
    require(scope_for(request.user).has_role(*TERRITORY, Role.CURATOR, Role.DIRECTOR))
    if version:
        instrument = get_for_user_or_404(
            selectors.instrument_list_for_user(user=request.user), version=version
        )
    else:
        instrument = _editable_base(request)
    return render(
        request, "diagnostics/instrument.html", pages.instrument_context(request, instrument)
    )


def _editable_base(request: HttpRequest) -> Instrument:
    """The instrument version in force in the user's region (edits start from it);
    ``editing_region_id`` is where a new version will belong."""
    region_id = selectors.region_id_for(request.user)
    instrument = selectors.current_instrument(region_id=region_id)
    if instrument is None:
        raise Http404
    instrument.editing_region_id = region_id
    return instrument


@role_required(Role.COORDINATOR)
def instrument_rule_edit(request: HttpRequest, code: int) -> HttpResponse:
    base = _editable_base(request)
    rule = get_for_user_or_404(base.rules.select_related("factor"), factor__code=code)
    form = RuleForm(
        request.POST or None, initial={"medium_from": rule.medium_from, "high_from": rule.high_from}
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.instrument_edit_rule(
                base=base,
                region_id=base.editing_region_id,
                factor_id=rule.factor_id,
                user=request.user,
                **form.cleaned_data,
            )
        except services.DiagnosticsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved as instrument version %(v)s.") % {"v": new.version})
            return redirect("diagnostics:instrument")
    return render(
        request, "diagnostics/instrument_rule_form.html", {"form": form, "rule": rule, "base": base}
    )


@role_required(Role.COORDINATOR)
def instrument_indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    base = _editable_base(request)
    indicator = get_for_user_or_404(base.indicators.select_related("factor"), pk=pk)
    return pages.indicator_form(request, base=base, factor=indicator.factor, indicator=indicator)


@role_required(Role.COORDINATOR)
def instrument_question_add(request: HttpRequest, code: int) -> HttpResponse:
    base = _editable_base(request)
    factor = get_for_user_or_404(RiskFactor.objects.all(), code=code)
    return pages.indicator_form(request, base=base, factor=factor, indicator=None)


@require_POST
@role_required(Role.COORDINATOR)
def instrument_indicator_remove(request: HttpRequest, pk: int) -> HttpResponse:
    base = _editable_base(request)
    indicator = get_for_user_or_404(base.indicators.all(), pk=pk)
    try:
        new = services.instrument_remove_indicator(
            base=base,
            region_id=base.editing_region_id,
            indicator=indicator,
            user=request.user,
            note=_("Removed indicator %(code)s") % {"code": indicator.code},
        )
    except services.DiagnosticsError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Saved as instrument version %(v)s.") % {"v": new.version})
    return redirect("diagnostics:instrument")


# --- Teacher difficulties survey (seed 004) ---------------------------------------------------------


@role_required(*TERRITORY)
def survey_list(request: HttpRequest) -> HttpResponse:
    surveys = selectors.survey_list_for_user(user=request.user).prefetch_related("schools")
    return render(
        request, "diagnostics/survey_list.html", pages.paginated(request, surveys, "surveys")
    )


@role_required(*TERRITORY)
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(request.POST or None, municipalities=_municipalities(request))
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(**form.cleaned_data, user=request.user)
        except services.DiagnosticsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("The survey is created. Send its link to the schools' teachers.")
            )
            return redirect("diagnostics:survey_detail", pk=survey.pk)
    return render(request, "diagnostics/survey_form.html", {"form": form})


def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    survey = get_for_user_or_404(selectors.survey_list_for_user(user=request.user), pk=pk)
    link = request.build_absolute_uri(reverse("diagnostics:survey_answer", args=[survey.token]))
    context = {"survey": survey, "link": link, **selectors.survey_results(survey=survey)}
    return render(request, "diagnostics/survey_detail.html", context)


def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The teachers' page: login as a teacher of one of the survey's schools; answers are stored
    without the user (only a «has answered» flag)."""
    survey = get_for_user_or_404(TeacherSurvey.objects.all(), token=token)
    school = pages.survey_school_for(request.user, survey)
    answered = survey.participations.filter(user_id=request.user.pk).exists()
    form = SurveyAnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and not answered and form.is_valid():
        try:
            services.survey_answer(
                survey=survey, user=request.user, organisation=school, **form.cleaned_data
            )
        except services.DiagnosticsError as error:
            form.add_error(None, str(error))
        else:
            return redirect("diagnostics:survey_answer", token=token)
    context = {
        "survey": survey,
        "school": school,
        "form": form,
        "answered": answered,
        "is_open": services.survey_is_open(survey),
    }
    return render(request, "diagnostics/survey_answer.html", context)


# --- Transformation stages (seed 000) ----------------------------------------------------------------


@accepts_upload()
def stage_create(request: HttpRequest, org_pk: int) -> HttpResponse:
    school = get_for_user_or_404(selectors.stage_school_list_for_user(user=request.user), pk=org_pk)
    require(pages.can_set_stage(request.user, school))
    form = StageForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        services.stage_record(organisation=school, user=request.user, **form.cleaned_data)
        messages.success(request, _("The transformation stage is recorded."))
        return redirect("diagnostics:stage_list", org_pk=school.pk)
    return render(request, "diagnostics/stage_form.html", {"form": form, "school": school})


def stage_list(request: HttpRequest, org_pk: int) -> HttpResponse:
    school = get_for_user_or_404(selectors.stage_school_list_for_user(user=request.user), pk=org_pk)
    context = {
        "school": school,
        "records": selectors.stage_timeline(organisation=school),
        "can_set_stage": pages.can_set_stage(request.user, school),
    }
    return render(request, "diagnostics/stage_list.html", context)


def stage_file(request: HttpRequest, pk: int) -> FileResponse:
    record = get_for_user_or_404(selectors.stage_record_list_for_user(user=request.user), pk=pk)
    if not record.evidence_file:
        raise Http404
    name = record.evidence_file.name.rsplit("/", 1)[-1]
    return FileResponse(record.evidence_file.open("rb"), as_attachment=True, filename=name)


# --- The school's self-diagnosis team (named by the director) ------------------------------------


@role_required(Role.DIRECTOR)
def team(request: HttpRequest) -> HttpResponse:
    school = get_for_user_or_404(
        selectors.directed_school_list_for_user(user=request.user),
        pk=scope_for(request.user).own_organisation_id,
    )
    members = TeamMember.objects.filter(organisation=school).select_related("user")
    candidates = (
        User.objects.filter(role_assignments__organisation=school, is_active=True)
        .exclude(pk__in=members.values("user_id"))
        .exclude(pk=request.user.pk)
        .distinct()
        .order_by("last_name", "first_name")
    )
    form = TeamAddForm(request.POST or None, candidates=candidates)
    if request.method == "POST" and form.is_valid():
        services.team_member_add(
            organisation=school, user=form.cleaned_data["user"], added_by=request.user
        )
        messages.success(request, _("Added to the self-diagnosis team."))
        return redirect("diagnostics:team")
    return render(
        request, "diagnostics/team.html", {"school": school, "members": members, "form": form}
    )


@require_POST
@role_required(Role.DIRECTOR)
def team_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = get_for_user_or_404(selectors.team_member_list_for_user(user=request.user), pk=pk)
    services.team_member_remove(member=member)
    messages.success(request, _("Removed from the self-diagnosis team."))
    return redirect("diagnostics:team")
