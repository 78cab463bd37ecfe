"""Public announcements: no login, published events only, no personal data, framable embed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus
from network_portal.access.public import PUBLIC_URL_NAME_PREFIXES

from .factories import EventFactory, EventTypeFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def events(world, users):
    published = EventFactory(
        organiser=world.leader, title="Открытый урок по математике", capacity=10
    )
    RegistrationFactory(event=published, user=users.teacher)
    return {
        "published": published,
        "draft": EventFactory(
            organiser=world.leader, title="Секретный черновик", status=EventStatus.DRAFT
        ),
        "cancelled": EventFactory(
            organiser=world.leader, title="Отменённый семинар", status=EventStatus.CANCELLED
        ),
        "other": EventFactory(organiser=world.other_school, title="Чужой семинар"),
    }


def test_public_url_names_are_covered_by_the_public_prefix():
    assert "events:public_" in PUBLIC_URL_NAME_PREFIXES


def test_announcements_answer_without_login_and_show_only_published(client, world, events):
    response = client.get(reverse("events:public_list", args=[world.mun.pk]))
    assert response.status_code == 200
    assert "Открытый урок по математике" in response.text
    for hidden in ("Секретный черновик", "Отменённый семинар", "Чужой семинар"):
        assert hidden not in response.text


def test_public_pages_show_no_personal_data(client, world, users, events):
    pages = [
        reverse("events:public_list", args=[world.mun.pk]),
        reverse("events:public_detail", args=[events["published"].pk]),
        reverse("events:public_embed", args=[world.mun.pk]),
        reverse("events:public_feed", args=[world.mun.pk]),
    ]
    for url in pages:
        body = client.get(url).content.decode()
        assert users.teacher.last_name not in body, url
        assert users.teacher.email not in body, url


@pytest.mark.parametrize("key", ["draft", "cancelled"])
def test_public_detail_of_unpublished_is_404(client, events, key):
    assert client.get(reverse("events:public_detail", args=[events[key].pk])).status_code == 404


def test_filters_by_type_audience_and_date(client, world, events):
    webinar = EventFactory(
        organiser=world.leader,
        title="Вебинар для родителей",
        event_type=EventTypeFactory(code="webinar", name="Вебинар"),
        for_teachers=False,
        for_parents=True,
        starts_at=timezone.now() + timedelta(days=40),
    )
    url = reverse("events:public_list", args=[world.mun.pk])
    by_type = client.get(url, {"type": "webinar"}).context["events"]
    assert list(by_type) == [webinar]
    by_audience = client.get(url, {"audience": "parents"}).context["events"]
    assert list(by_audience) == [webinar]
    soon = (timezone.localdate() + timedelta(days=20)).isoformat()
    by_date = client.get(url, {"date_to": soon}).context["events"]
    assert webinar not in list(by_date) and events["published"] in list(by_date)


def test_past_events_are_not_announced_by_default(client, world):
    EventFactory(
        organiser=world.leader,
        title="Вчерашний семинар",
        starts_at=timezone.now() - timedelta(days=2),
    )
    response = client.get(reverse("events:public_list", args=[world.mun.pk]))
    assert "Вчерашний семинар" not in response.text


def test_embed_is_framable_but_other_pages_are_not(client, world, events):
    embed = client.get(reverse("events:public_embed", args=[world.mun.pk]))
    assert embed.status_code == 200
    assert "X-Frame-Options" not in embed.headers
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    listing = client.get(reverse("events:public_list", args=[world.mun.pk]))
    assert listing.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in listing.headers["Content-Security-Policy"]
    assert "&lt;iframe" in listing.text  # the snippet to copy


def test_announcements_query_count_is_constant(client, world, django_assert_num_queries):
    url = reverse("events:public_list", args=[world.mun.pk])
    for _ in range(3):
        EventFactory(organiser=world.leader)
    with django_assert_num_queries(4) as small:
        client.get(url)
    for _ in range(30):
        EventFactory(organiser=world.leader)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(url)
