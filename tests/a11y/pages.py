"""The pages each demo role opens first, and the main forms, for the accessibility checks.

Each entry is ``(label, path)``; ``path`` is a URL name or a function of nothing that
returns a path (it may look objects up in the seeded demo data).
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse

Page = tuple[str, str | Callable[[], str]]

ANONYMOUS: list[Page] = [
    ("login", "accounts:login"),
    ("password reset", "accounts:password_reset"),
]

#: The sections of the navigation; each role's home page and sections are checked.
SECTIONS: list[Page] = [
    ("home", "ui:home"),
    ("schools", "schools:list"),
    ("diagnostics", "diagnostics:index"),
    ("partnerships", "partnerships:list"),
    ("roadmaps", "roadmaps:list"),
    ("events", "events:list"),
    ("my documents", "documents:list"),
]

#: Forms shared by every role: checked once (the same template for everybody).
ACCOUNT_FORMS: list[Page] = [
    ("profile form", "accounts:profile"),
    ("password change form", "accounts:password_change"),
]

ROLES: dict[str, list[Page]] = {
    "admin@demo.local": [("home", "ui:home")],
    "coordinator@demo.local": SECTIONS,
    "methodist@demo.local": SECTIONS,
    "curator@demo.local": SECTIONS,
    "director@demo.local": SECTIONS + ACCOUNT_FORMS,
    "teacher@demo.local": SECTIONS,
    "partner@demo.local": SECTIONS,
}


def resolve(path: str | Callable[[], str]) -> str:
    if callable(path):
        return path()
    return path if path.startswith("/") else reverse(path)
