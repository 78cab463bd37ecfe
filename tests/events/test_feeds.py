"""iCal feeds: public per municipality, personal behind a secret token; round-trip parsed."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import EventStatus

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def parse(response):
    assert response["Content-Type"].startswith("text/calendar")
    return icalendar.Calendar.from_ical(response.content)


def test_municipality_feed_round_trip_with_a_reminder(client, world):
    event = EventFactory(organiser=world.leader, title="Методический день", place="СОШ № 9")
    EventFactory(organiser=world.leader, title="Черновик", status=EventStatus.DRAFT)
    EventFactory(organiser=world.other_school, title="Чужое")
    response = client.get(reverse("events:public_feed", args=[world.mun.pk]))
    assert response.status_code == 200
    items = parse(response).walk("VEVENT")
    assert len(items) == 1
    item = items[0]
    assert "Методический день" in str(item["SUMMARY"])
    assert item.decoded("DTSTART") == event.starts_at
    assert item.decoded("DTEND") == event.ends_at
    assert str(item["LOCATION"]) == "СОШ № 9"
    assert str(item["UID"]).startswith(f"event-{event.pk}@")
    alarms = item.walk("VALARM")
    assert len(alarms) == 1 and alarms[0].decoded("TRIGGER") == -timedelta(days=1)


def test_feed_is_cacheable_with_etag_and_last_modified(client, world):
    event = EventFactory(organiser=world.leader)
    url = reverse("events:public_feed", args=[world.mun.pk])
    first = client.get(url)
    assert first["ETag"] and first["Last-Modified"]
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    event.title = "Новое название"
    event.save()
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]


def test_feed_query_count_is_constant(client, world, django_assert_num_queries):
    url = reverse("events:public_feed", args=[world.mun.pk])
    for _ in range(3):
        EventFactory(organiser=world.leader)
    with django_assert_num_queries(3) as small:
        client.get(url)
    for _ in range(30):
        EventFactory(organiser=world.leader)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)


def test_personal_feed_lists_my_registrations_behind_a_token(client, world, users):
    mine = EventFactory(organiser=world.leader, title="Моё мероприятие")
    waiting = EventFactory(organiser=world.leader, title="Жду места")
    EventFactory(organiser=world.leader, title="Не моё")
    RegistrationFactory(event=mine, user=users.teacher)
    RegistrationFactory(event=waiting, user=users.teacher, status="waitlisted")
    token = services.calendar_token_get(user=users.teacher)
    response = client.get(reverse("events:public_personal_feed", args=[token.key]))
    assert response.status_code == 200
    by_title = {str(e["SUMMARY"]): e for e in parse(response).walk("VEVENT")}
    assert set(by_title) == {"Семинар: Моё мероприятие", "Семинар: Жду места"}
    assert str(by_title["Семинар: Жду места"]["STATUS"]) == "TENTATIVE"
    assert response["Cache-Control"].startswith("private")


def test_wrong_or_reset_token_gives_404_and_no_data(client, users):
    token = services.calendar_token_get(user=users.teacher)
    old = token.key
    assert client.get(reverse("events:public_personal_feed", args=["nope"])).status_code == 404
    services.calendar_token_reset(user=users.teacher)
    response = client.get(reverse("events:public_personal_feed", args=[old]))
    assert response.status_code == 404
    assert b"VCALENDAR" not in response.content


def test_calendar_page_shows_and_resets_the_address(client_for, users):
    client = client_for(users.teacher)
    key = services.calendar_token_get(user=users.teacher).key
    assert key in client.get(reverse("events:calendar")).text
    client.post(reverse("events:calendar"))
    assert services.calendar_token_get(user=users.teacher).key != key


def test_cancelled_event_stays_in_my_feed_as_cancelled(client, world, users):
    event = EventFactory(
        organiser=world.leader,
        status=EventStatus.CANCELLED,
        starts_at=timezone.now() + timedelta(days=2),
    )
    RegistrationFactory(event=event, user=users.teacher)
    token = services.calendar_token_get(user=users.teacher)
    items = parse(client.get(reverse("events:public_personal_feed", args=[token.key]))).walk(
        "VEVENT"
    )
    assert [str(i["STATUS"]) for i in items] == ["CANCELLED"]
