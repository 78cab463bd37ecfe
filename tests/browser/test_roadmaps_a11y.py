"""Accessibility (axe), valid HTML (Nu checker) and a 360 px phone width for every roadmaps
page, opened as the demo role that uses it."""

import os
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse

from roadmaps.models import EngagementConcern, MeasureTemplate, Roadmap
from tests.a11y.test_pages import ARTIFACTS, _check_page, _login, _slug
from tests.a11y.validator import ValidatorUnavailable, validate, vnu_jar


def _pages() -> dict[str, list[tuple[str, str]]]:
    roadmap = Roadmap.objects.get(organisation__short_name="МОБУ «СОШ № 5»")
    item = roadmap.items.order_by("position").first()
    concern = EngagementConcern.objects.first()
    detail = reverse("roadmaps:detail", args=[roadmap.pk])
    return {
        "director@demo.local": [
            ("list", reverse("roadmaps:list")),
            ("roadmap", detail),
            ("roadmap filtered", f"{detail}?status=overdue"),
            ("new roadmap", reverse("roadmaps:create")),
            ("new item", reverse("roadmaps:item_add", args=[roadmap.pk])),
            ("edit item", reverse("roadmaps:item_edit", args=[item.pk])),
            ("evidence page", reverse("roadmaps:evidence_add", args=[item.pk])),
        ],
        "curator@demo.local": [
            ("roadmap", detail),
            ("history", reverse("roadmaps:history", args=[roadmap.pk])),
            ("comment page", reverse("roadmaps:item_comment", args=[item.pk])),
            ("print", reverse("roadmaps:print", args=[roadmap.pk])),
        ],
        "methodist@demo.local": [
            ("overview", reverse("roadmaps:overview")),
            ("roadmap", detail),
            ("concern form", reverse("roadmaps:concern_new", args=[roadmap.organisation_id])),
            ("resolve form", reverse("roadmaps:concern_resolve", args=[concern.pk])),
        ],
        "coordinator@demo.local": [
            ("library", reverse("roadmaps:library")),
            (
                "library form",
                reverse("roadmaps:library_edit", args=[MeasureTemplate.objects.first().pk]),
            ),
        ],
    }


def test_roadmaps_pages_are_accessible_valid_and_fit_a_phone(browser, live_server, demo):
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
            name = f"roadmaps {email.split('@')[0]} {label}"
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
