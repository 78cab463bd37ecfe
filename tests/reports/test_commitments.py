"""Issue 15, item 4: a partner representative sees its commitments (roadmap items and events
where its organisation is responsible, with due dates), has «Дорожные карты» and «Мои
обязательства» in its menu, and is reminded of them once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from network_portal.notifications.services import reminders_send
from reports import reminders
from tests.roadmaps.factories import RoadmapFactory, RoadmapItemFactory, partnership_of

from .factories import EventFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(world):
    """A partnership roadmap of world.school: one item of the college, one co-owned by it, one
    of the school alone; an event organised by the college."""
    today = timezone.localdate()
    partnership = partnership_of(
        supported=world.school, leader=world.leader, partners=[world.partner_org]
    )
    roadmap = RoadmapFactory(organisation=world.school, partnership=partnership)
    college = RoadmapItemFactory(
        roadmap=roadmap,
        task="Профпробы в колледже",
        responsible_organisation=world.partner_org,
        due_date=today + timedelta(days=5),
    )
    shared = RoadmapItemFactory(
        roadmap=roadmap,
        task="Совместный семинар",
        co_responsible_organisation=world.partner_org,
        start_date=today - timedelta(days=30),
        due_date=today - timedelta(days=2),
    )
    own = RoadmapItemFactory(roadmap=roadmap, task="Своя задача школы")
    event = EventFactory(
        municipality=world.mun, organiser=world.partner_org, title="День открытых дверей"
    )
    return type("Pair", (), {"college": college, "shared": shared, "own": own, "event": event})


def test_partner_sees_its_items_with_due_dates_and_its_events(pair, users, client_for):
    response = client_for(users.partner).get(reverse("reports:commitments"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Профпробы в колледже" in body and "Совместный семинар" in body
    assert "Своя задача школы" not in body
    assert pair.college.due_date.strftime("%d.%m.%Y") in body
    assert "День открытых дверей" in body
    assert "просрочено" in body.lower()


def test_partner_menu_has_roadmaps_and_commitments(pair, users, client_for):
    home = client_for(users.partner).get("/").content.decode()
    assert 'href="/roadmaps/"' in home and 'href="/reports/commitments/"' in home
    roadmaps = client_for(users.partner).get(reverse("roadmaps:list"))
    assert roadmaps.status_code == 200


def test_commitments_are_for_partners_and_member_schools_only(pair, users, client_for):
    assert client_for(users.methodologist).get(reverse("reports:commitments")).status_code == 403
    assert client_for(users.nobody).get(reverse("reports:commitments")).status_code == 403
    other = client_for(users.outsider_director).get(reverse("reports:commitments"))
    assert other.status_code == 200 and "Профпробы" not in other.content.decode()


def test_commitments_page_queries_do_not_grow(pair, users, client_for, world,
                                              django_assert_num_queries):  # fmt: skip
    client = client_for(users.partner)
    client.get(reverse("reports:commitments"))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        client.get(reverse("reports:commitments"))
    for n in range(10):
        RoadmapItemFactory(
            roadmap=pair.own.roadmap,
            task=f"Ещё {n}",
            responsible_organisation=world.partner_org,
        )
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("reports:commitments"))


def test_partner_is_reminded_of_its_items_once(pair, users, settings):
    today = timezone.localdate()
    found = reminders.partner_commitments(today)
    keys = {(r.recipient_id, r.object_key) for r in found}
    assert keys == {
        (users.partner.pk, f"item:{pair.college.pk}"),
        (users.partner.pk, f"item:{pair.shared.pk}:overdue"),
    }
    mail.outbox.clear()
    reminders_send(today=today, kinds=["partner_commitment"])
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [users.partner.email]
    assert "Профпробы в колледже" in message.body and "/reports/commitments/" in message.body
    reminders_send(today=today, kinds=["partner_commitment"])
    assert len(mail.outbox) == 1  # exactly once
