"""The teacher's home page panel (``reports/panels/teacher.html``) and its events."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def test_certificate_on_the_home_page_is_a_post_that_builds_it(client_for, users, world):
    start = timezone.now() - timedelta(days=3)
    event = EventFactory(
        organiser=world.leader,
        title="Методический день",
        status=EventStatus.HELD,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    RegistrationFactory(event=event, user=users.teacher, attended=True)
    client = client_for(users.teacher)
    page = client.get(reverse("ui:home")).text
    url = reverse("events:certificate", args=[event.pk])
    assert f'href="{url}"' not in page  # a GET link answers 405
    form = re.search(rf'<form method="post" action="{url}"[^>]*>(.*?)</form>', page, re.S)
    assert form and "csrfmiddlewaretoken" in form.group(1) and "сертификат" in form.group(1)
    response = client.post(url)
    assert response.status_code == 302 and "/documents/" in response.url


def test_no_certificate_button_where_none_is_issued(client_for, users, world):
    start = timezone.now() - timedelta(days=3)
    event = EventFactory(
        organiser=world.leader,
        status=EventStatus.CANCELLED,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    RegistrationFactory(event=event, user=users.teacher, attended=True)
    page = client_for(users.teacher).get(reverse("ui:home")).text
    assert reverse("events:certificate", args=[event.pk]) not in page


def test_a_cancelled_event_is_marked_among_my_upcoming_events(client_for, users, world):
    event = EventFactory(organiser=world.leader, status=EventStatus.CANCELLED, title="Семинар Х")
    RegistrationFactory(event=event, user=users.teacher)
    page = client_for(users.teacher).get(reverse("ui:home")).text
    row = re.search(r"<li[^>]*>(?:(?!</li>).)*Семинар Х(?:(?!</li>).)*</li>", page, re.S)
    assert row and 'badge text-bg-danger">Отменено<' in row.group(0)
