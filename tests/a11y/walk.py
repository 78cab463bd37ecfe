"""The accessibility walk shared by the a11y tests: axe, the Nu HTML Checker and 360 px.

``audit_pages(browser, base_url, visits)`` logs in as each demo user (through the form), opens
each page, and returns every problem found: axe's serious and critical violations, pages wider
than 360 px (a screenshot of each goes to ``test-artifacts/a11y/``, which git ignores) and the
validator's messages on the HTML the server sent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

from tests.browser.conftest import DEMO_PASSWORD

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


def require_validator() -> None:
    """Skip locally when Java or vnu-jar is missing; in CI that is a failure."""
    try:
        vnu_jar()
    except ValidatorUnavailable as exc:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"the HTML validator cannot run: {exc}")


def audit_pages(
    browser,
    base_url: str,
    visits: Iterable[tuple[str | None, Sequence[tuple[str, str]]]],
    *,
    prefix: str = "",
) -> list[str]:
    """``visits``: (demo e-mail or None for anonymous, [(label, path), …]) pairs."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    axe = Axe()
    problems: list[str] = []
    html_files: dict[Path, str] = {}
    for email, role_pages in visits:
        context = browser.new_context(locale="ru-RU", timezone_id="Europe/Moscow")
        page = context.new_page()
        if email:
            _login(page, base_url, email)
        for label, path in role_pages:
            name = f"{prefix}{(email or 'anonymous').split('@')[0]} {label}"
            html = _check_page(page, axe, base_url + path, name, problems)
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
    return problems
