"""Issue 15: an event dated 2020 was published with «Записаться»."""

from datetime import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus

from .factories import EventFactory

pytestmark = pytest.mark.django_db


def _past():
    return timezone.make_aware(datetime(2020, 10, 15, 10, 0))


def test_a_past_draft_cannot_be_published(client_for, users, world):
    event = EventFactory(organiser=world.leader, status=EventStatus.DRAFT, starts_at=_past())
    response = client_for(users.methodologist).post(
        reverse("events:publish", args=[event.pk]), follow=True
    )
    assert "15.10.2020" in response.text and "прошла" in response.text
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT


def test_a_past_published_event_offers_no_registration(client_for, users, world, client):
    event = EventFactory(organiser=world.leader, starts_at=_past())
    page = client_for(users.teacher).get(reverse("events:detail", args=[event.pk]))
    assert page.status_code == 200
    assert reverse("events:register", args=[event.pk]) not in page.text
    public = client.get(reverse("events:public_detail", args=[event.pk]))
    if public.status_code == 200:
        assert "Записаться" not in public.text
    future = EventFactory(organiser=world.leader)
    page = client_for(users.teacher).get(reverse("events:detail", args=[future.pk]))
    assert reverse("events:register", args=[future.pk]) in page.text


def test_outsider_cannot_publish(client_for, users, world):
    event = EventFactory(organiser=world.leader, status=EventStatus.DRAFT)
    response = client_for(users.outsider).post(reverse("events:publish", args=[event.pk]))
    assert response.status_code == 404
    event.refresh_from_db()
    assert event.status == EventStatus.DRAFT


@pytest.mark.parametrize("who", ["teacher", "partner", "nobody", "methodologist", "director"])
def test_the_planning_calendar_link_is_never_dead(client_for, users, world, who):
    """Issue 15: «Календарь планирования» on /events/ was a 404 for some roles."""
    client = client_for(getattr(users, who))
    page = client.get(reverse("events:list")).text
    url = reverse("events:planning")
    if f'href="{url}"' in page:
        assert client.get(url).status_code == 200
    else:
        assert client.get(url).status_code == 404
