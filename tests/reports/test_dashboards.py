"""Home-page panels per role: the right content, in a constant number of queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network_portal.access.policy import scope_for
from network_portal.accounts.models import Role
from reports import dashboards
from tests.factories import OrganisationFactory, RoleAssignmentFactory

from .factories import (
    CategoryAssignmentFactory,
    EventFactory,
    PartnershipFactory,
    RegistrationFactory,
    RoadmapFactory,
    RoadmapItemFactory,
    profile_with_levels,
)

pytestmark = pytest.mark.django_db


def grow(world, users, n: int):
    """Add n schools to the curator's and the methodologist's world, with items and events."""
    today = timezone.localdate()
    for i in range(n):
        school = OrganisationFactory(municipality=world.mun)
        RoleAssignmentFactory(user=users.curator, role=Role.CURATOR, organisation=school)
        CategoryAssignmentFactory(organisation=school, category="shnor" if i % 2 else "risk")
        roadmap = RoadmapFactory(organisation=school)
        for days in (-10, 3, 30):
            RoadmapItemFactory(roadmap=roadmap, due_date=today + timedelta(days=days))
        RoadmapItemFactory(
            roadmap=roadmap, responsible_user=users.director, due_date=today + timedelta(days=5)
        )
        PartnershipFactory(municipality=world.mun, status="active")
        event = EventFactory(municipality=world.mun, organiser=world.leader)
        RegistrationFactory(event=event, user=users.teacher, attended=bool(i % 2))
    roadmap = RoadmapFactory(organisation=world.school)
    for _ in range(n):
        RoadmapItemFactory(roadmap=roadmap, due_date=today + timedelta(days=2))
    profile_with_levels(world.school, timezone.now(), {1: "high", 2: "low"})


PANELS = [
    ("methodologist", dashboards.methodologist_panel),
    ("curator", dashboards.curator_panel),
    ("director", dashboards.director_panel),
    ("teacher", dashboards.teacher_panel),
    ("coordinator", dashboards.coordinator_panel),
]


def count_queries(func, user):
    from django.core.cache import cache

    cache.clear()  # the coordinator's figures are kept a few minutes: count their computation
    user = type(user).objects.get(pk=user.pk)  # a fresh scope cache
    scope = scope_for(user)
    with CaptureQueriesContext(connection) as ctx:
        context = func(user, scope)
    return len(ctx.captured_queries), context


@pytest.mark.parametrize(("role", "func"), PANELS)
def test_panel_query_count_does_not_grow_with_data(world, users, role, func):
    user = getattr(users, role)
    grow(world, users, 2)
    small, context = count_queries(func, user)
    assert context is not None
    grow(world, users, 8)
    large, _ = count_queries(func, user)
    assert small == large, f"{role}: {small} queries with little data, {large} with more"


def test_panels_show_what_needs_each_role(world, users, client_for):
    grow(world, users, 3)
    pages = {}
    for role in ("methodologist", "curator", "director", "teacher", "coordinator"):
        pages[role] = client_for(getattr(users, role)).get(reverse("ui:home")).content.decode()
    assert f"Сводка по муниципалитету: {world.mun.name}" in pages["methodologist"]
    assert "Муниципалитет: сводка:" not in pages["methodologist"]  # two colons in a heading
    assert "Школы по категориям" in pages["methodologist"]
    chart = (
        pages["methodologist"].split('aria-label="Школы по категориям"', 1)[1].split("</svg>")[0]
    )
    labels = re.findall(r"</title>([^<]*)</text>", chart)
    assert labels == ["ШНОР", "ШНСУ", "Зона риска", "Школа-лидер", "Без особой категории"]
    assert "Мои школы" in pages["curator"] and reverse("reports:order_bundle") in pages["curator"]
    assert pages["curator"].count('name="school-target"') == 4
    assert (
        "Рисковый профиль" in pages["director"]
        and "Напечатать отчёт о ходе реализации" in pages["director"]
    )
    assert "Мои мероприятия" in pages["teacher"] and "сертификат" in pages["teacher"]
    assert (
        "Регион по муниципалитетам" in pages["coordinator"]
        and world.other_mun.name in pages["coordinator"]
    )


def test_outsider_panel_shows_nothing_of_other_municipality(world, users, client_for):
    grow(world, users, 2)
    page = client_for(users.outsider).get(reverse("ui:home")).content.decode()
    assert world.school.short_name not in page
    assert world.other_mun.name in page


def test_user_without_roles_gets_no_report_panels(world, users):
    assert dashboards.curator_panel(users.nobody, scope_for(users.nobody)) is None
    assert dashboards.methodologist_panel(users.nobody, scope_for(users.nobody)) is None


def test_coordinator_figures_are_kept_and_the_panel_says_when(world, users, client_for):
    grow(world, users, 2)
    user = type(users.coordinator).objects.get(pk=users.coordinator.pk)
    first = dashboards.coordinator_panel(user, scope_for(user))
    with CaptureQueriesContext(connection) as ctx:
        again = dashboards.coordinator_panel(user, scope_for(user))
    assert len(ctx.captured_queries) == 0
    assert again["computed_at"] == first["computed_at"]
    page = client_for(users.coordinator).get("/").content.decode()
    assert "Данные на" in page
