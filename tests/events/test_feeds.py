"""iCal feeds: public per municipality, personal behind a secret token; round-trip parsed."""

from datetime import timedelta

import icalendar
import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.http import http_date, parse_http_date

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
    # fingerprint, municipality, the feed's (pk, updated_at), the rows of the uncached VEVENTs
    with django_assert_num_queries(4) as small:
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


# --- The online link: only in the personal feed of someone holding a place ----------------

ONLINE = "https://vk.com/call/secret-room"


def test_public_feed_does_not_carry_the_online_link(client, world):
    EventFactory(organiser=world.leader, place="", online_url=ONLINE, title="Вебинар по ОВЗ")
    response = client.get(reverse("events:public_feed", args=[world.mun.pk]))
    assert ONLINE.encode() not in response.content
    (item,) = parse(response).walk("VEVENT")
    assert str(item["LOCATION"]) == "Онлайн"
    assert "ссылка для подключения доступна записавшимся" in str(item["DESCRIPTION"])


def test_personal_feed_gives_the_link_to_the_registered_not_to_the_waiting(client, world, users):
    event = EventFactory(organiser=world.leader, place="", online_url=ONLINE)
    RegistrationFactory(event=event, user=users.teacher)
    RegistrationFactory(event=event, user=users.director, status="waitlisted")
    mine = client.get(
        reverse(
            "events:public_personal_feed",
            args=[services.calendar_token_get(user=users.teacher).key],
        )
    )
    (item,) = parse(mine).walk("VEVENT")
    assert str(item["LOCATION"]) == ONLINE and ONLINE in str(item["DESCRIPTION"])
    waiting = client.get(
        reverse(
            "events:public_personal_feed",
            args=[services.calendar_token_get(user=users.director).key],
        )
    )
    assert ONLINE.encode() not in waiting.content


def test_event_page_shows_the_link_to_participants_and_organisers_only(client_for, world, users):
    event = EventFactory(organiser=world.leader, place="", online_url=ONLINE)
    url = reverse("events:detail", args=[event.pk])
    assert ONLINE not in client_for(users.teacher).get(url).text
    assert "ссылка доступна записавшимся" in client_for(users.teacher).get(url).text
    RegistrationFactory(event=event, user=users.teacher)
    assert ONLINE in client_for(users.teacher).get(url).text
    assert ONLINE in client_for(users.methodologist).get(url).text


# --- What the feed writes -------------------------------------------------------------------


def test_summary_names_the_type_once_and_organizer_is_a_real_address(client, world):
    from .factories import EventTypeFactory

    day = EventTypeFactory(code="methodical-day", name="Методический день")
    world.leader.email = "sosh9@example.org"
    world.leader.save()
    EventFactory(organiser=world.leader, event_type=day, title="Методический день «ОВЗ»")
    EventFactory(organiser=world.school, event_type=day, title="Работа с ОВЗ")
    items = parse(client.get(reverse("events:public_feed", args=[world.mun.pk]))).walk("VEVENT")
    by_summary = {str(i["SUMMARY"]): i for i in items}
    assert set(by_summary) == {"Методический день «ОВЗ»", "Методический день: Работа с ОВЗ"}
    organizer = by_summary["Методический день «ОВЗ»"]["ORGANIZER"]
    assert str(organizer) == "mailto:sosh9@example.org"
    assert organizer.params["CN"] == "МОБУ «СОШ № 9»"
    # a school without an e-mail: no ORGANIZER rather than an empty one
    assert "ORGANIZER" not in by_summary["Методический день: Работа с ОВЗ"]
    assert "Организатор: МОБУ «СОШ № 5»" in str(
        by_summary["Методический день: Работа с ОВЗ"]["DESCRIPTION"]
    )
    assert [str(c) for c in by_summary["Методический день: Работа с ОВЗ"]["CATEGORIES"].cats] == [
        "Методический день"
    ]


# --- Last-Modified moves when an event leaves a feed --------------------------------------


def _an_hour_ago(*objects):
    for obj in objects:
        type(obj).objects.filter(pk=obj.pk).update(updated_at=timezone.now() - timedelta(hours=1))


def test_cancelling_an_event_moves_the_public_feeds_last_modified(client, world, users):
    staying = EventFactory(organiser=world.leader, title="Остаётся")
    leaving = EventFactory(organiser=world.leader, title="Отменят")
    _an_hour_ago(staying, leaving)
    url = reverse("events:public_feed", args=[world.mun.pk])
    first = client.get(url)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    services.event_cancel(event=leaving, user=users.methodologist, reason="Карантин")
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200
    assert [str(i["SUMMARY"]) for i in parse(again).walk("VEVENT")] == ["Семинар: Остаётся"]
    assert again["Last-Modified"] != first["Last-Modified"]


def test_cancelling_a_registration_moves_the_personal_feeds_last_modified(client, world, users):
    staying = RegistrationFactory(event=EventFactory(organiser=world.leader), user=users.teacher)
    leaving = RegistrationFactory(event=EventFactory(organiser=world.leader), user=users.teacher)
    _an_hour_ago(staying, leaving, staying.event, leaving.event)
    url = reverse(
        "events:public_personal_feed", args=[services.calendar_token_get(user=users.teacher).key]
    )
    first = client.get(url)
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"]).status_code == 304
    services.registration_cancel(registration=leaving)
    again = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
    assert again.status_code == 200 and len(parse(again).walk("VEVENT")) == 1


def test_an_event_ageing_out_of_the_window_moves_last_modified(client, world):
    from events.models import Event
    from events.selectors import FEED_PAST

    ended = timezone.now() - FEED_PAST - timedelta(days=3)
    EventFactory(organiser=world.leader, starts_at=ended - timedelta(hours=2), ends_at=ended)
    EventFactory(organiser=world.leader)
    Event.objects.update(updated_at=timezone.now() - timedelta(days=10))
    url = reverse("events:public_feed", args=[world.mun.pk])
    response = client.get(url)
    assert len(parse(response).walk("VEVENT")) == 1
    # the old event left the year's window at a midnight two days ago, after the last edit
    seen_before = http_date((timezone.now() - timedelta(days=5)).timestamp())
    assert client.get(url, HTTP_IF_MODIFIED_SINCE=seen_before).status_code == 200
    last = parse_http_date(response["Last-Modified"])
    assert timezone.now().timestamp() - 3 * 86400 < last < timezone.now().timestamp() - 86400


def test_feed_last_modified_rule():
    from datetime import datetime

    from events.selectors import FEED_PAST, feed_last_modified

    tz = timezone.get_current_timezone()
    change = datetime(2026, 12, 1, 12, 0, tzinfo=tz)
    ended = datetime(2025, 12, 2, 15, 0, tzinfo=tz) - (FEED_PAST - timedelta(days=365))
    assert feed_last_modified(changes=[change, None], left_window=None) == change
    # it ended on 2 December 2025 at 15:00: it leaves the year's window at the midnight
    # after 2 December 2026
    assert feed_last_modified(changes=[change], left_window=ended) == datetime(
        2026, 12, 3, tzinfo=tz
    )
    assert feed_last_modified(changes=[None], left_window=None) is None


def test_a_cached_vevent_is_written_again_when_the_organiser_is_renamed(world):
    from events.feeds import VERSION_FIELDS, calendar_build
    from events.selectors import public_feed_events

    EventFactory(organiser=world.leader)
    feed = public_feed_events(municipality_id=world.mun.pk)

    def build():
        return calendar_build(
            name="Тест",
            versions=feed.values_list(*VERSION_FIELDS),
            load=lambda pks: feed.filter(pk__in=pks),
            cache_key="events:test:rename",
        ).decode()

    assert "МОБУ «СОШ № 9»" in build()
    world.leader.short_name = "МАОУ «Лицей № 9»"
    world.leader.save()
    body = build()
    assert "Лицей № 9" in body and "МОБУ «СОШ № 9»" not in body
