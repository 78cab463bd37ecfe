"""Pages of the diagnostics section: cycles, questionnaires, profiles, heatmap, instrument,
teacher survey and transformation stages. Each view: access → form → service → redirect, or
selector → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from network_portal.access.policy import (
    get_for_user_or_404,
    require,
    role_required,
    scope_for,
)
from network_portal.accounts.models import Role
from network_portal.editing import StaleEdit
from network_portal.ui.charts import bar_chart
from network_portal.ui.request_size import accepts_upload
from network_portal.ui.spreadsheets import xlsx_response

from . import exports, heatmap_export, pages, selectors, services
from .forms import (
    CycleEditForm,
    CycleForm,
    HeatmapFilterForm,
    IndicatorForm,
    OptionFormSet,
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
    Questionnaire,
    QuestionnaireStatus,
    RiskFactor,
    TeacherSurvey,
)

TERRITORY = (Role.COORDINATOR, Role.METHODOLOGIST)
LEVEL_COLORS = {"high": "#dc3545", "medium": "#fd7e14", "low": "#198754"}


def _paginated(request: HttpRequest, queryset, name: str) -> dict[str, Any]:
    page = Paginator(queryset, pages.LIST_PER_PAGE).get_page(request.GET.get("page"))
    return {name: page.object_list, "page": page}


def index(request: HttpRequest) -> HttpResponse:
    """The landing page: what each role does here (director: my questionnaires; methodologist:
    cycles, heatmap, surveys)."""
    page = selectors.index_page(user=request.user)
    return render(request, "diagnostics/index.html", vars(page))


# --- Cycles ------------------------------------------------------------------------------------


@role_required(*TERRITORY)
def cycle_list(request: HttpRequest) -> HttpResponse:
    cycles = selectors.with_completion(selectors.cycle_list_for_user(user=request.user)).order_by(
        "-opens_on", "-pk"
    )
    status = request.GET.get("status")
    if status in CycleStatus.values:
        cycles = cycles.filter(status=status)
    context = {**_paginated(request, cycles, "cycles"), "status": status, "statuses": CycleStatus}
    return render(request, "diagnostics/cycle_list.html", context)


@role_required(*TERRITORY)
def cycle_create(request: HttpRequest) -> HttpResponse:
    form = CycleForm(
        request.POST or None, municipalities=selectors.municipality_list_for_user(user=request.user)
    )
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
    perms = selectors.questionnaire_permissions(user=request.user, questionnaire=questionnaire)
    if request.method == "POST":
        require(perms.can_fill)
        return _questionnaire_post(request, questionnaire)
    answers, carried_over = selectors.stored_answers(questionnaire=questionnaire)
    form = QuestionnaireForm(
        spec=services.instrument_spec(instrument=questionnaire.instrument),
        disabled=not perms.can_edit,
        initial={"version": questionnaire.version, **{f"q_{i}": o for i, o in answers.items()}},
    )
    return _questionnaire_page(request, questionnaire, form, perms, carried_over=carried_over)


def _questionnaire_post(request: HttpRequest, questionnaire: Questionnaire) -> HttpResponse:
    """Save a draft or submit. On any refusal the page comes back with every typed answer."""
    spec = services.instrument_spec(instrument=questionnaire.instrument)
    form = QuestionnaireForm(request.POST, spec=spec)
    submit = request.POST.get("action") == "submit"
    missing: dict = {}
    if form.is_valid():
        try:
            services.questionnaire_save(
                questionnaire=questionnaire,
                answers=form.answers(),
                expected_version=form.seen_version,
                user=request.user,
                submit=submit,
            )
        except services.MissingAnswers as error:
            missing = error.missing
            form.add_error(None, str(error))
        except StaleEdit as stale:
            form.refuse(stale)
        except services.DiagnosticsError as error:
            form.add_error(None, str(error))
        else:
            if submit:
                messages.success(
                    request, _("The questionnaire is submitted; the profile is ready.")
                )
                return redirect("diagnostics:profile", pk=questionnaire.profile.pk)
            messages.success(request, _("The draft is saved."))
            return redirect("diagnostics:questionnaire", pk=questionnaire.pk)
    questionnaire.refresh_from_db()
    perms = selectors.questionnaire_permissions(user=request.user, questionnaire=questionnaire)
    if not perms.can_edit:
        form = form.read_only()
    return _questionnaire_page(request, questionnaire, form, perms, missing=missing)


def _questionnaire_page(
    request: HttpRequest,
    questionnaire: Questionnaire,
    form: QuestionnaireForm,
    perms: selectors.QuestionnairePermissions,
    *,
    missing: dict | None = None,
    **extra: Any,
) -> HttpResponse:
    missing = missing or {}
    computed = selectors.questionnaire_computed(questionnaire=questionnaire, spec=form.spec)
    context = {
        "questionnaire": questionnaire,
        "form": form,
        "groups": form.groups(computed=computed, missing=missing),
        "editable": perms.can_edit,
        "can_fill": perms.can_fill,
        "refusal": perms.refusal,
        "can_return": perms.can_return and questionnaire.status == QuestionnaireStatus.SUBMITTED,
        "profile": selectors.questionnaire_profile(questionnaire=questionnaire),
        "missing": missing,
        "missing_ids": {i.id for items in missing.values() for i in items},
        **extra,
    }
    return render(request, "diagnostics/questionnaire.html", context)


@require_POST
def questionnaire_return(request: HttpRequest, pk: int) -> HttpResponse:
    questionnaire = get_for_user_or_404(
        selectors.questionnaire_list_for_user(user=request.user), pk=pk
    )
    perms = selectors.questionnaire_permissions(user=request.user, questionnaire=questionnaire)
    require(perms.can_return)
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


# --- Profiles and heatmap ---------------------------------------------------------------------


def profile_detail(request: HttpRequest, pk: int) -> HttpResponse:
    profile = selectors.profile_detail_for_user(user=request.user, pk=pk)
    page = selectors.profile_page(profile=profile)
    context = {
        **vars(page),
        "chart": _chart(page),
        "can_view_instrument": selectors.can_view_instrument(request.user),
    }
    return render(request, "diagnostics/profile.html", context)


def _chart(page: selectors.ProfilePage) -> str:
    """The profile's bars, one per factor, coloured by level."""
    return bar_chart(
        title=_("Risk by factor, percent of the maximum"),
        bars=[
            (f"{r.factor.code}. {r.factor.short_name}", float(r.level.score) if r.level else None)
            for r in page.rows
        ],
        max_value=100,
        unit=" %",
        colors=[
            LEVEL_COLORS.get(r.level.level, "#6c757d") if r.level else "#6c757d" for r in page.rows
        ],
        label_width=230,
    )


@role_required(*TERRITORY)
def heatmap(request: HttpRequest) -> HttpResponse:
    """A page of schools (``pages.HEATMAP_PER_PAGE``), or every school as XLSX."""
    municipalities = selectors.municipality_list_for_user(user=request.user)
    form = HeatmapFilterForm(request.GET or None, municipalities=municipalities)
    if form.is_bound and not form.is_valid() and "municipality" in form.errors:
        raise Http404  # a municipality outside the user's scope
    filters = form.filters()
    municipality, cycle, category = filters.municipality, filters.cycle, filters.category
    if municipality is None:
        raise Http404
    export = request.GET.get("format") == "xlsx"
    if export and heatmap_export.in_background(municipality=municipality, category=category):
        job = heatmap_export.export_request(  # a big municipality: a job, its status shown
            user=request.user, municipality=municipality, cycle=cycle, category=category
        )
        return redirect(heatmap_export.export_page_url(job))
    heatmap = selectors.heatmap_data(
        municipality=municipality,
        cycle=cycle,
        category=category,
        per_page=None if export else pages.HEATMAP_PER_PAGE,
        page_number=request.GET.get("page"),
    )
    if export:
        return xlsx_response(exports.heatmap_workbook(heatmap), "risk-heatmap.xlsx")
    export_job = heatmap_export.export_job_for(request.user, request.GET.get("export"))
    return render(
        request,
        "diagnostics/heatmap.html",
        {"form": form, **vars(heatmap), "export_job": export_job},
    )


# --- Instrument (the coordinator edits it; every edit is a new version) -----------------------


def instrument_detail(request: HttpRequest, version: int | None = None) -> HttpResponse:
    require(selectors.can_view_instrument(request.user))
    if version:
        instrument = get_for_user_or_404(
            selectors.instrument_list_for_user(user=request.user), version=version
        )
    else:
        instrument, _region_id = _editable_base(request)
    page = selectors.instrument_page(user=request.user, instrument=instrument)
    return render(request, "diagnostics/instrument.html", vars(page))


def _editable_base(request: HttpRequest) -> tuple[Instrument, int | None]:
    """The instrument version in force in the user's region (edits start from it), and the
    region a new version will belong to."""
    region_id = selectors.region_id_for(request.user)
    instrument = selectors.current_instrument(region_id=region_id)
    if instrument is None:
        raise Http404
    return instrument, region_id


def _editable_base_or_403(request: HttpRequest) -> tuple[Instrument, int | None]:
    base, region_id = _editable_base(request)
    perms = selectors.instrument_permissions(user=request.user, instrument=base, current=base)
    require(perms.can_edit)
    return base, region_id


def instrument_rule_edit(request: HttpRequest, code: int) -> HttpResponse:
    base, region_id = _editable_base_or_403(request)
    rule = get_for_user_or_404(base.rules.select_related("factor"), factor__code=code)
    form = RuleForm(
        request.POST or None, initial={"medium_from": rule.medium_from, "high_from": rule.high_from}
    )
    if request.method == "POST" and form.is_valid():
        try:
            new = services.instrument_edit_rule(
                base=base,
                region_id=region_id,
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


def instrument_indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    base, region_id = _editable_base_or_403(request)
    indicator = get_for_user_or_404(base.indicators.select_related("factor"), pk=pk)
    return _indicator_form(
        request, base=base, region_id=region_id, factor=indicator.factor, indicator=indicator
    )


def instrument_question_add(request: HttpRequest, code: int) -> HttpResponse:
    base, region_id = _editable_base_or_403(request)
    factor = get_for_user_or_404(RiskFactor.objects.all(), code=code)
    return _indicator_form(request, base=base, region_id=region_id, factor=factor, indicator=None)


def _indicator_form(
    request: HttpRequest, *, base: Instrument, region_id: int | None, factor, indicator
) -> HttpResponse:
    """Edit an indicator (or add a question to a factor): the result is a new version."""
    data = request.POST if request.method == "POST" else None
    form = IndicatorForm(data, indicator=indicator)
    formset = OptionFormSet(data, prefix="options", indicator=indicator)
    if data is not None and form.is_valid() and formset.is_valid():
        common = {
            "base": base,
            "region_id": region_id,
            "fields": form.indicator_fields(),
            "options": formset.options,
            "user": request.user,
            "note": form.cleaned_data["note"],
        }
        try:
            if indicator:
                new = services.instrument_edit_indicator(indicator=indicator, **common)
            else:
                new = services.instrument_add_question(factor_id=factor.pk, **common)
        except services.DiagnosticsError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved as instrument version %(v)s.") % {"v": new.version})
            return redirect("diagnostics:instrument")
    context = {
        "form": form,
        "formset": formset,
        "factor": factor,
        "indicator": indicator,
        "computed": formset.computed,
        "base": base,
    }
    return render(request, "diagnostics/instrument_indicator_form.html", context)


@require_POST
def instrument_indicator_remove(request: HttpRequest, pk: int) -> HttpResponse:
    base, region_id = _editable_base_or_403(request)
    indicator = get_for_user_or_404(base.indicators.all(), pk=pk)
    try:
        new = services.instrument_remove_indicator(
            base=base,
            region_id=region_id,
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
    return render(request, "diagnostics/survey_list.html", _paginated(request, surveys, "surveys"))


@role_required(*TERRITORY)
def survey_create(request: HttpRequest) -> HttpResponse:
    form = SurveyForm(
        request.POST or None, municipalities=selectors.municipality_list_for_user(user=request.user)
    )
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
    school = selectors.survey_school_for(user=request.user, survey=survey)
    if school is None:
        raise Http404
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
    perms = selectors.stage_permissions(user=request.user, school=school)
    require(perms.can_record)
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
        "can_set_stage": selectors.stage_permissions(user=request.user, school=school).can_record,
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
    members = selectors.team_members(school=school)
    candidates = selectors.team_candidates(school=school, director=request.user)
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
