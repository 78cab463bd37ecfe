"""Accessibility (axe), valid HTML (Nu checker) and a 360 px phone width for every diagnostics
page, opened as the demo role that uses it (the shared a11y test covers only the landing page)."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from diagnostics.models import Cycle, CycleKind, Questionnaire, RiskProfile, TeacherSurvey
from schools.models import Organisation
from tests.a11y.test_pages import ARTIFACTS, _check_page, _login, _slug
from tests.a11y.validator import ValidatorUnavailable, validate, vnu_jar


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
    try:
        vnu_jar()
    except ValidatorUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"the HTML validator cannot run: {exc}")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    problems: list[str] = []
    html_files: dict[Path, str] = {}
    for email, pages in _pages().items():
        context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
        page = context.new_page()
        _login(page, live_server.url, email)
        for label, path in pages:
            name = f"diagnostics {email.split('@')[0]} {label}"
            html = _check_page(page, axe, live_server.url + path, name, problems)
            if html:
                target = ARTIFACTS / f"{_slug(name)}.html"
                target.write_text(html, encoding="utf-8")
                html_files[target] = name
        context.close()
    for message in validate(list(html_files)):
        source = Path(message.get("url", "").removeprefix("file:"))
        problems.append(
            f"{html_files.get(source, source.name)}: HTML line {message.get('lastLine')}: "
            f"{message['message']} «{message.get('extract', '').strip()}»"
        )
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
