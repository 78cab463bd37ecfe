"""Context builders and form handling behind the diagnostics views (kept out of the views so each
view stays a few lines). Reads go through ``selectors``, writes through ``services``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from network_portal.access.policy import scope_for
from network_portal.accounts.models import Role
from network_portal.ui.charts import bar_chart
from schools.models import Organisation
from schools.selectors import organisation_allowed

from . import scoring, selectors, services
from .forms import IndicatorForm, OptionFormSet, QuestionnaireForm
from .models import (
    CycleStatus,
    Instrument,
    Level,
    Questionnaire,
    QuestionnaireStatus,
    RiskProfile,
    TeacherSurvey,
)

LEVEL_COLORS = {"high": "#dc3545", "medium": "#fd7e14", "low": "#198754"}
TERRITORY = (Role.COORDINATOR, Role.METHODOLOGIST)
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


def paginated(request: HttpRequest, queryset, name: str, per_page: int = 25) -> dict[str, Any]:
    page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    return {name: page.object_list, "page": page}


# --- Landing page --------------------------------------------------------------------------------


def index_context(user) -> dict[str, Any]:
    scope = scope_for(user)
    context: dict[str, Any] = {"scope": scope, "is_territory": scope.has_role(*TERRITORY)}
    context["to_fill"] = selectors.questionnaires_to_fill_for(user=user)
    own = scope.organisation_ids(Role.DIRECTOR, Role.TEACHER, Role.CURATOR)
    if own:
        profiles = selectors.latest_profiles(organisations=own, explanations=False)
        schools = Organisation.objects.filter(pk__in=own).order_by("short_name")
        context["schools"] = [
            {
                "school": s,
                "profile": profiles.get(s.pk),
                "high": [lv for lv in profiles[s.pk].levels.all() if lv.level == Level.HIGH]
                if s.pk in profiles
                else [],
            }
            for s in schools
        ]
    if scope.has_role(Role.TEACHER):
        teacher_schools = scope.organisation_ids(Role.TEACHER)
        today = timezone.localdate()
        context["surveys_to_answer"] = list(
            TeacherSurvey.objects.filter(
                schools__in=teacher_schools, opens_on__lte=today, closes_on__gte=today
            )
            .exclude(participations__user_id=user.pk)
            .distinct()
        )
    if context["is_territory"]:
        context["cycles"] = list(
            selectors.cycle_list_for_user(user=user)
            .annotate(
                total=Count("questionnaires", distinct=True),
                submitted=Count(
                    "questionnaires",
                    filter=Q(questionnaires__status=QuestionnaireStatus.SUBMITTED),
                    distinct=True,
                ),
            )
            .order_by("-opens_on")[:5]
        )
        context["surveys"] = list(selectors.survey_list_for_user(user=user)[:5])
    context["is_coordinator"] = scope.has_role(Role.COORDINATOR)
    # the team page is the director's own school's: an administrator without a school has none
    context["is_director"] = bool(scope.organisation_ids(Role.DIRECTOR))
    return context


def cycle_list_context(request: HttpRequest) -> dict[str, Any]:
    cycles = (
        selectors.cycle_list_for_user(user=request.user)
        .annotate(
            total=Count("questionnaires", distinct=True),
            submitted=Count(
                "questionnaires",
                filter=Q(questionnaires__status=QuestionnaireStatus.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("-opens_on", "-pk")
    )
    status = request.GET.get("status")
    if status in CycleStatus.values:
        cycles = cycles.filter(status=status)
    return {**paginated(request, cycles, "cycles"), "status": status, "statuses": CycleStatus}


# --- Questionnaire -------------------------------------------------------------------------------


def questionnaire_refusal(questionnaire: Questionnaire) -> str | None:
    """Why the cycle takes no answers for this questionnaire today (``None``: it does)."""
    return services.cycle_refusal(
        cycle=questionnaire.cycle, today=timezone.localdate(), status=questionnaire.status
    )


def questionnaire_editable(user, questionnaire: Questionnaire) -> bool:
    return (
        questionnaire.status != QuestionnaireStatus.SUBMITTED
        and questionnaire_refusal(questionnaire) is None
        and selectors.can_fill(user=user, questionnaire=questionnaire)
    )


def questionnaire_context(
    user, questionnaire: Questionnaire, form: QuestionnaireForm, editable: bool, **extra: Any
) -> dict[str, Any]:
    year = services.school_year_end(questionnaire.cycle.opens_on)
    values, years = services.computed_values_for(organisation=questionnaire.organisation, year=year)
    computed: dict[int, list[dict[str, Any]]] = {}
    for indicator in form.spec.indicators:
        if not indicator.computed:
            continue
        value = values.get(indicator.source)
        band = scoring.band_for(indicator, value) if value is not None else None
        computed.setdefault(indicator.factor_code, []).append(
            {
                "indicator": indicator,
                "value": value,
                "year": years.get(indicator.source),
                "band": band,
                "source": scoring.COMPUTED_SOURCES.get(indicator.source, {}).get("source", ""),
            }
        )
    groups = form.groups()
    missing = extra.get("missing") or {}
    for group in groups:
        group["computed"] = computed.get(group["factor"].code, [])
        group["missing"] = missing.get(group["factor"].code, [])
        group["answered"] = sum(1 for f in group["fields"] if f["field"].value() not in (None, ""))
    return {
        "questionnaire": questionnaire,
        "form": form,
        "groups": groups,
        "editable": editable,
        "can_fill": selectors.can_fill(user=user, questionnaire=questionnaire),
        "refusal": questionnaire_refusal(questionnaire)
        if questionnaire.status != QuestionnaireStatus.SUBMITTED
        else None,
        "profile": RiskProfile.objects.filter(questionnaire=questionnaire).first(),
        "missing_ids": {i.id for items in missing.values() for i in items},
        "can_return": questionnaire.status == QuestionnaireStatus.SUBMITTED
        and scope_for(user).has_role(*TERRITORY),
        **extra,
    }


def questionnaire_post(request: HttpRequest, questionnaire: Questionnaire) -> HttpResponse:
    """Save a draft or submit. On any refusal the page comes back with every typed answer."""
    spec = services.instrument_spec(instrument=questionnaire.instrument)
    form = QuestionnaireForm(request.POST, spec=spec)
    submit = request.POST.get("action") == "submit"
    extra: dict[str, Any] = {}
    if form.is_valid():
        try:
            services.questionnaire_save(
                questionnaire=questionnaire,
                answers=form.answers(),
                expected_version=form.cleaned_data["version"],
                user=request.user,
                submit=submit,
            )
        except services.MissingAnswers as error:
            extra["missing"] = error.missing
            form.add_error(None, str(error))
        except services.StaleQuestionnaire:
            questionnaire.refresh_from_db()
            who = (
                questionnaire.updated_by.get_full_name()
                if questionnaire.updated_by
                else _("another team member")
            )
            data = request.POST.copy()
            data["version"] = questionnaire.version
            form = QuestionnaireForm(data, spec=spec)
            form.is_valid()
            form.add_error(None, form_stale_message(who))
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
    editable = questionnaire_editable(request.user, questionnaire)
    if not editable:
        form = _disabled_copy(form, spec)
    context = questionnaire_context(request.user, questionnaire, form, editable, **extra)
    return render(request, "diagnostics/questionnaire.html", context, status=200)


def form_stale_message(who: str) -> str:
    return _(
        "%(who)s saved this questionnaire after you opened it, so your save was refused. Your "
        "answers are shown below and are not saved. Open the saved version in a new tab, "
        "compare, and press «Save draft» again if your answers should replace it."
    ) % {"who": who}


def _disabled_copy(form: QuestionnaireForm, spec) -> QuestionnaireForm:
    """The same answers, read-only (the cycle closed meanwhile): shown, not lost."""
    # a disabled field shows its initial value, so the typed answers become the initial ones
    initial = {name: form.data.get(name) for name in form.fields}
    copy = QuestionnaireForm(form.data, spec=spec, disabled=True, initial=initial)
    copy.is_valid()
    for error in form.non_field_errors():
        copy.add_error(None, error)
    return copy


# --- Profile ---------------------------------------------------------------------------------


def _explained(level) -> list[dict[str, Any]]:
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


def profile_context(profile: RiskProfile) -> dict[str, Any]:
    factors = selectors.factors()
    levels = {lv.factor.code: lv for lv in profile.levels.all()}
    previous = selectors.previous_profile(profile=profile)
    before = {lv.factor.code: lv for lv in previous.levels.all()} if previous else {}
    rows = []
    for factor in factors:
        level = levels.get(factor.code)
        prev = before.get(factor.code)
        trend = scoring.compare_levels(prev.level if prev else None, level.level if level else None)
        rows.append(
            {
                "factor": factor,
                "level": level,
                "items": _explained(level) if level else [],
                "previous": prev,
                "trend": trend,
                "trend_label": TREND_LABELS[trend],
                "delta": (level.score - prev.score) if (level and prev) else None,
            }
        )
    chart = bar_chart(
        title=_("Risk by factor, percent of the maximum"),
        bars=[
            (
                f"{r['factor'].code}. {r['factor'].short_name}",
                float(r["level"].score) if r["level"] else None,
            )
            for r in rows
        ],
        max_value=100,
        unit=" %",
        colors=[
            LEVEL_COLORS.get(r["level"].level, "#6c757d") if r["level"] else "#6c757d" for r in rows
        ],
        label_width=230,
    )
    history = list(
        RiskProfile.objects.filter(organisation_id=profile.organisation_id)
        .select_related("cycle")
        .order_by("-computed_at", "-pk")
    )
    return {
        "profile": profile,
        "rows": rows,
        "chart": chart,
        "previous": previous,
        "history": history,
        "counts": {
            key: sum(1 for r in rows if r["level"] and r["level"].level == key)
            for key in ("high", "medium", "low")
        },
    }


# --- Heatmap -------------------------------------------------------------------------------------


#: Schools per page of the heatmap (the XLSX export holds them all).
HEATMAP_PER_PAGE = 100


def heatmap_filters(form) -> dict[str, Any]:
    """The heatmap's municipality, cycle and category from its filter form (404 outside the
    user's scope)."""
    municipalities = form.fields["municipality"].queryset
    valid = form.is_bound and form.is_valid()
    if form.is_bound and not valid and "municipality" in form.errors:
        raise Http404  # a municipality outside the user's scope
    data = form.cleaned_data if valid else {}
    cycle = data.get("cycle")
    municipality = (
        cycle.municipality if cycle else data.get("municipality") or municipalities.first()
    )
    if municipality is None:
        raise Http404
    return {"municipality": municipality, "cycle": cycle, "category": data.get("category") or ""}


def heatmap_context(request: HttpRequest, form, *, paginate: bool = True) -> dict[str, Any]:
    filters = heatmap_filters(form)
    data = selectors.heatmap_data(
        **filters,
        page_number=request.GET.get("page"),
        per_page=HEATMAP_PER_PAGE if paginate else None,
    )
    return {"form": form, **filters, **data}


def heatmap_xlsx(context: dict[str, Any]) -> HttpResponse:
    from .exports import XLSX_TYPE, heatmap_xlsx_bytes

    response = HttpResponse(heatmap_xlsx_bytes(context), content_type=XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="risk-heatmap.xlsx"'
    return response


# --- Instrument --------------------------------------------------------------------------------


def instrument_context(request: HttpRequest, instrument: Instrument) -> dict[str, Any]:
    instrument = selectors.instrument_with_content(instrument=instrument)
    rules = {r.factor.code: r for r in instrument.rules.all()}
    indicators: dict[int, list] = {}
    for indicator in instrument.indicators.all():
        indicators.setdefault(indicator.factor.code, []).append(indicator)
    factors = [
        {"factor": f, "rule": rules.get(f.code), "indicators": indicators.get(f.code, [])}
        for f in selectors.factors()
    ]
    region_id = selectors.region_id_for(request.user)
    current = selectors.current_instrument(region_id=region_id)
    versions = (
        Instrument.objects.filter(Q(region__isnull=True) | Q(region_id=region_id))
        .annotate(profiles_count=Count("profiles"))
        .select_related("created_by", "region")
    )
    scope = scope_for(request.user)
    return {
        "instrument": instrument,
        "current": current,
        "factors": factors,
        "versions": versions,
        "sources": scoring.COMPUTED_SOURCES,
        "can_edit": current is not None
        and instrument.pk == current.pk
        and scope.has_role(Role.COORDINATOR),
    }


def indicator_form(request: HttpRequest, *, base: Instrument, factor, indicator) -> HttpResponse:
    computed = bool(indicator and indicator.is_computed)
    initial = (
        {
            "text": indicator.text,
            "help_text": indicator.help_text,
            "weight": indicator.weight,
            "required": indicator.required,
        }
        if indicator
        else {"weight": Decimal(1), "required": True}
    )
    options_initial = (
        [
            {"text": o.text, "score": o.score, "min_value": o.min_value}
            for o in indicator.options.all()
        ]
        if indicator
        else []
    )
    posted = request.method == "POST"
    form = IndicatorForm(request.POST if posted else None, initial=initial)
    formset = OptionFormSet(
        request.POST if posted else None,
        initial=None if posted else options_initial,
        prefix="options",
        computed=computed,
    )
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        fields = {k: form.cleaned_data[k] for k in ("text", "help_text", "weight", "required")}
        note = form.cleaned_data["note"]
        try:
            if indicator:
                new = services.instrument_edit_indicator(
                    base=base,
                    region_id=base.editing_region_id,
                    indicator=indicator,
                    fields=fields,
                    options=formset.options,
                    user=request.user,
                    note=note,
                )
            else:
                new = services.instrument_add_question(
                    base=base,
                    region_id=base.editing_region_id,
                    factor_id=factor.pk,
                    fields=fields,
                    options=formset.options,
                    user=request.user,
                    note=note,
                )
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
        "computed": computed,
        "base": base,
    }
    return render(request, "diagnostics/instrument_indicator_form.html", context)


# --- Survey and stages -------------------------------------------------------------------------


def survey_school_for(user, survey: TeacherSurvey) -> Organisation:
    """The teacher's school among the survey's schools; 404 for anyone else."""
    own = scope_for(user).organisation_ids(Role.TEACHER)
    school = survey.schools.filter(pk__in=own).order_by("pk").first()
    if school is None:
        raise Http404
    return school


def can_set_stage(user, school: Organisation) -> bool:
    """Its curator, the methodologist of its municipality, the coordinator of its region."""
    return organisation_allowed(
        user=user, organisation=school, roles=(Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR)
    )
