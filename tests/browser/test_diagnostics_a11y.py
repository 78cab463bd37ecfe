"""Accessibility (axe), valid HTML (Nu checker) and a 360 px phone width for every diagnostics
page, opened as the demo role that uses it (the shared a11y test covers only the landing page)."""

from django.urls import reverse

from diagnostics.models import Cycle, CycleKind, Questionnaire, RiskProfile, TeacherSurvey
from schools.models import Organisation
from tests.a11y.walk import audit_pages, require_validator


def _pages() -> dict[str, list[tuple[str, str]]]:
    school5 = Organisation.objects.get(short_name="МОБУ «СОШ № 5»")
    school3 = Organisation.objects.get(short_name="МОБУ «СОШ № 3»")
    intermediate = Cycle.objects.get(kind=CycleKind.INTERMEDIATE)
    questionnaire = Questionnaire.objects.get(cycle=intermediate, organisation=school5)
    profile3 = RiskProfile.objects.filter(organisation=school3).order_by("-computed_at").first()
    profile5 = RiskProfile.objects.filter(organisation=school5).order_by("-computed_at").first()
    survey = TeacherSurvey.objects.get()
    indicator = questionnaire.instrument.indicators.get(code="9.4")
    return {
        "director@demo.local": [
            ("questionnaire", reverse("diagnostics:questionnaire", args=[questionnaire.pk])),
            ("profile", reverse("diagnostics:profile", args=[profile5.pk])),
            ("team", reverse("diagnostics:team")),
        ],
        "methodist@demo.local": [
            ("cycles", reverse("diagnostics:cycle_list")),
            ("cycle form", reverse("diagnostics:cycle_create")),
            ("cycle", reverse("diagnostics:cycle_detail", args=[intermediate.pk])),
            ("cycle edit", reverse("diagnostics:cycle_edit", args=[intermediate.pk])),
            ("heatmap", reverse("diagnostics:heatmap")),
            ("profile with comparison", reverse("diagnostics:profile", args=[profile3.pk])),
            ("surveys", reverse("diagnostics:survey_list")),
            ("survey form", reverse("diagnostics:survey_create")),
            ("survey results", reverse("diagnostics:survey_detail", args=[survey.pk])),
            ("stages", reverse("diagnostics:stage_list", args=[school3.pk])),
            ("stage form", reverse("diagnostics:stage_create", args=[school3.pk])),
        ],
        "coordinator@demo.local": [
            ("instrument", reverse("diagnostics:instrument")),
            ("thresholds form", reverse("diagnostics:instrument_rule_edit", args=[9])),
            (
                "indicator form",
                reverse("diagnostics:instrument_indicator_edit", args=[indicator.pk]),
            ),
        ],
        "teacher@demo.local": [
            ("survey answer", reverse("diagnostics:survey_answer", args=[survey.token])),
        ],
    }


def test_diagnostics_pages_are_accessible_valid_and_fit_a_phone(browser, live_server, demo):
    require_validator()
    problems = audit_pages(browser, live_server.url, _pages().items(), prefix="diagnostics ")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
