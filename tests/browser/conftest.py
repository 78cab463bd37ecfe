"""Playwright in Debian's headless Chromium against ``live_server``.

``playwright install`` cannot download browsers here, so the system Chromium is used
(``apt-get install chromium``; ``CHROMIUM_PATH`` overrides). Without it these tests are
skipped locally and fail in CI (``tests.tools.require_tool``). Every test in this package is
marked ``browser`` (``make test-browser`` runs only them).
"""

import os

import pytest
from django.core.management import call_command

from tests.tools import require_tool

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DEMO_PASSWORD = "demo12345"


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = require_tool("chromium")
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "ru-RU", "timezone_id": "Europe/Moscow"}


@pytest.fixture
def demo(transactional_db):
    """The demo municipality of seed 001 with one user per role (password ``demo12345``)."""
    call_command("seed_demo", password=DEMO_PASSWORD, stdout=open(os.devnull, "w"))  # noqa: SIM115


@pytest.fixture
def login(live_server):
    """``login(page, "director@demo.local")`` — log in through the login form."""

    def do_login(page, email: str, password: str = DEMO_PASSWORD):
        page.goto(f"{live_server.url}/accounts/login/")
        page.get_by_label("Электронная почта").fill(email)
        page.get_by_label("Пароль").fill(password)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_load_state("networkidle")
        return page

    return do_login
