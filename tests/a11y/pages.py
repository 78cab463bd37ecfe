"""The pages each demo role opens first, and the main forms, for the accessibility checks.

Each entry is ``(label, path)``; ``path`` is a URL name or a function of nothing that
returns a path (it may look objects up in the seeded demo data).
"""

from __future__ import annotations

from collections.abc import Callable

from django.urls import reverse
from django.utils import timezone

from diagnostics.models import Questionnaire
from events.models import Event
from roadmaps.models import Roadmap
from schools.models import Organisation

Page = tuple[str, str | Callable[[], str]]


def _demo_school() -> Organisation:
    return Organisation.objects.get(
        short_name__contains="СОШ № 5", municipality__name__startswith="Северогорск"
    )


def _school_card() -> str:
    return reverse("schools:detail", args=[_demo_school().pk])


def _school_edit() -> str:
    return reverse("schools:edit", args=[_demo_school().pk])


def _roadmap() -> str:
    roadmap = Roadmap.objects.filter(organisation=_demo_school()).order_by("pk").first()
    return reverse("roadmaps:detail", args=[roadmap.pk])


def _questionnaire() -> str:
    questionnaire = (
        Questionnaire.objects.filter(organisation=_demo_school()).order_by("-pk").first()
    )
    return reverse("diagnostics:questionnaire", args=[questionnaire.pk])


def _upcoming_event() -> str:
    event = (
        Event.objects.filter(status="published", starts_at__gt=timezone.now())
        .order_by("starts_at")
        .first()
    )
    return reverse("events:detail", args=[event.pk])


ANONYMOUS: list[Page] = [
    ("login", "accounts:login"),
    ("password reset", "accounts:password_reset"),
    ("public announcements", "events:public_index"),
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

#: The main forms and pages of each role's work.
ROLES: dict[str, list[Page]] = {
    "admin@demo.local": [("home", "ui:home")],
    "coordinator@demo.local": [
        *SECTIONS,
        ("category rules form", "schools:rules"),
        ("monitoring", "reports:monitoring"),
    ],
    "methodist@demo.local": [
        *SECTIONS,
        ("school card", _school_card),
        ("import form", "schools:import_new"),
        ("new cycle form", "diagnostics:cycle_create"),
        ("new partnership form", "partnerships:create"),
        ("new event form", "events:create"),
        ("monitoring", "reports:monitoring"),
        ("heatmap", "diagnostics:heatmap"),
    ],
    "curator@demo.local": [*SECTIONS, ("reports", "reports:list")],
    "director@demo.local": [
        *SECTIONS,
        *ACCOUNT_FORMS,
        ("school edit form", _school_edit),
        ("questionnaire", _questionnaire),
        ("roadmap", _roadmap),
    ],
    "teacher@demo.local": [*SECTIONS, ("event", _upcoming_event)],
    "partner@demo.local": SECTIONS,
}


def resolve(path: str | Callable[[], str]) -> str:
    if callable(path):
        return path()
    return path if path.startswith("/") else reverse(path)
