from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import selectors
from events.models import EventStatus

from .factories import EventFactory

pytestmark = pytest.mark.django_db


def test_month_calendar_shows_the_municipality_events(client_for, users, world):
    today = timezone.localdate()
    EventFactory(organiser=world.leader, title="Семинар месяца")
    EventFactory(organiser=world.other_school, title="Семинар соседей")
    month = (today + timedelta(days=7)).strftime("%Y-%m")
    response = client_for(users.methodologist).get(reverse("events:planning"), {"month": month})
    assert response.status_code == 200
    assert "Семинар месяца" in response.text and "Семинар соседей" not in response.text
    assert response.context["prev"] < month < response.context["next"]


def test_bad_month_falls_back_to_today(client_for, users):
    response = client_for(users.methodologist).get(reverse("events:planning"), {"month": "2026-13"})
    assert response.context["month_start"].month == timezone.localdate().month


def test_needs_without_a_planned_event(client_for, users, world, monkeypatch):
    survey = [
        {"need": "ovz", "label": "Обучение детей с ОВЗ", "count": 12, "share": 40.0},
        {"need": "digital", "label": "Цифровые инструменты", "count": 20, "share": 66.7},
    ]
    monkeypatch.setattr(selectors, "teacher_needs_survey", lambda municipality: survey)
    EventFactory(organiser=world.leader, teacher_needs=["digital"], status=EventStatus.DRAFT)
    EventFactory(
        organiser=world.leader,
        teacher_needs=["ovz"],
        starts_at=timezone.now() - timedelta(days=30),
    )  # past: does not count as planned
    response = client_for(users.methodologist).get(reverse("events:planning"))
    assert [g.need for g in response.context["gaps"]] == ["ovz"]
    assert "Обучение детей с ОВЗ" in response.text


def test_outsider_cannot_plan_another_municipality(client_for, users, world):
    response = client_for(users.outsider).get(reverse("events:planning"), {"m": world.mun.pk})
    assert response.status_code == 404


def test_school_card_section_and_home_panel(client_for, users, world):
    from events.card import events_section_context, panel_context
    from network_portal.access.policy import scope_for

    from .factories import RegistrationFactory

    held = EventFactory(
        organiser=world.leader,
        status=EventStatus.HELD,
        starts_at=timezone.now() - timedelta(days=5),
    )
    RegistrationFactory(event=held, user=users.teacher, attended=True)
    request = type("R", (), {"user": users.methodologist})()
    section = events_section_context(request, world.leader)
    assert section["organised"] == [held] and section["organised"][0].attended_count == 1
    assert events_section_context(request, world.school)["attended"] == 1
    upcoming = EventFactory(organiser=world.leader)
    RegistrationFactory(event=upcoming, user=users.teacher)
    panel = panel_context(users.teacher, scope_for(users.teacher))
    assert [r.event for r in panel["mine"]] == [upcoming] and panel["upcoming"] == 1
    assert panel_context(users.outsider, scope_for(users.outsider)) is None
