"""Accessibility, valid markup and a 360 px phone width for each role's main pages and forms.

One walk over the seeded demo (seeding once): for each role and page of ``pages.py`` —
axe-core (bundled with axe-playwright-python, works offline) finds no serious or critical
violation; the HTML the server sent passes the Nu HTML Checker; at 360 px nothing overflows
horizontally (a screenshot of each goes to ``test-artifacts/a11y/``, which git ignores).
All problems are collected and reported together.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from tests.browser.conftest import DEMO_PASSWORD

from . import pages
from .validator import ValidatorUnavailable, validate, vnu_jar

ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts" / "a11y"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 780}
BLOCKING = ("serious", "critical")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _check_page(page, axe: Axe, url: str, name: str, problems: list[str]) -> str:
    """Open the page, run axe, check the phone width; return the HTML as the server sent it."""
    page.set_viewport_size(DESKTOP)
    response = page.goto(url)  # waits for "load"; htmx fragments loaded later are not awaited
    if response is None or response.status != 200:
        problems.append(f"{name}: {url} answered {response and response.status}")
        return ""
    for violation in axe.run(page).response["violations"]:
        if violation["impact"] in BLOCKING:
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            problems.append(
                f"{name}: axe {violation['impact']} {violation['id']} — {violation['help']} "
                f"at {targets}"
            )
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(100)
    width = page.evaluate("document.documentElement.scrollWidth")
    page.screenshot(path=ARTIFACTS / f"{_slug(name)}.png", full_page=True)
    if width > PHONE["width"]:
        wide = page.evaluate(
            """(limit) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > limit + 1)
                .filter(e => !e.closest('.table-responsive, pre, .overflow-auto'))
                .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                    + (e.className && typeof e.className === 'string'
                       ? '.' + e.className.trim().split(/\\s+/).join('.') : ''))""",
            PHONE["width"],
        )
        problems.append(f"{name}: {width}px wide at 360px (too wide: {wide})")
    return page.request.get(url).text()


def _login(page, base_url: str, email: str) -> None:
    """Through the login form, by field names (the labels are checked by axe)."""
    page.goto(f"{base_url}/accounts/login/")
    page.fill("input[name=username]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"could not log in as {email}"


def test_main_pages_are_accessible_valid_and_fit_a_phone(browser, live_server, demo):
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
    visits = [(None, pages.ANONYMOUS), *pages.ROLES.items()]
    for email, role_pages in visits:
        context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
        page = context.new_page()
        if email:
            _login(page, live_server.url, email)
        for label, path in role_pages:
            name = f"{(email or 'anonymous').split('@')[0]} {label}"
            html = _check_page(page, axe, live_server.url + pages.resolve(path), name, problems)
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
