"""Accessibility, valid markup and a 360 px phone width for each role's main pages and forms.

One walk over the seeded demo (seeding once): for each role and page of ``pages.py`` —
axe-core (bundled with axe-playwright-python, works offline) finds no serious or critical
violation; the HTML the server sent passes the Nu HTML Checker; at 360 px nothing overflows
horizontally (a screenshot of each goes to ``test-artifacts/a11y/``, which git ignores).
All problems are collected and reported together.
"""

from __future__ import annotations

from . import pages
from .walk import audit_pages, require_validator


def test_main_pages_are_accessible_valid_and_fit_a_phone(browser, live_server, demo):
    require_validator()
    visits = [(None, pages.ANONYMOUS), *pages.ROLES.items()]
    resolved = [
        (email, [(label, pages.resolve(path)) for label, path in role_pages])
        for email, role_pages in visits
    ]
    problems = audit_pages(browser, live_server.url, resolved)
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
