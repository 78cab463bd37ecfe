"""The browser fixtures of tests/browser (system Chromium, seeded demo, login form)."""

import pytest

from tests.browser.conftest import (  # noqa: F401 (fixtures are found by name)
    browser_context_args,
    browser_type_launch_args,
    demo,
)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/a11y/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
