"""The events that served a partnership or a roadmap's items, with their reports, on the
partnership and roadmap pages — as far as the user may see them (issue 8, item 3)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events import services
from events.models import EventStatus
from tests.roadmaps.factories import RoadmapFactory, RoadmapItemFactory, partnership_of

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def served(world, users):
    partnership = partnership_of(supported=world.school, leader=world.leader)
    roadmap = RoadmapFactory(organisation=world.school, partnership=partnership)
    item = RoadmapItemFactory(roadmap=roadmap, task="Взаимопосещение уроков")
    start = timezone.now() - timedelta(days=5)
    held = EventFactory(
        organiser=world.leader,
        title="Методический день в СОШ № 9",
        partnership=partnership,
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )
    held.roadmap_items.set([item])
    RegistrationFactory(event=held, user=users.teacher, attended=True)
    services.report_save(
        event=held, user=users.methodologist, summary="Провели два открытых урока по ОВЗ."
    )
    draft = EventFactory(
        organiser=world.leader,
        title="Черновик для пары",
        partnership=partnership,
        status=EventStatus.DRAFT,
    )
    draft.roadmap_items.set([item])
    return partnership, roadmap, held


def test_the_partnership_page_shows_its_events_and_their_reports(client_for, users, served):
    partnership, _roadmap, held = served
    page = client_for(users.director).get(reverse("partnerships:detail", args=[partnership.pk]))
    assert page.status_code == 200
    text = page.text
    assert held.title in text and "Провели два открытых урока по ОВЗ." in text
    assert "присутствовали: 1" in text
    assert "Черновик для пары" not in text  # a draft: only the organiser's side sees it
    assert (
        "Черновик для пары"
        in client_for(users.methodologist)
        .get(reverse("partnerships:detail", args=[partnership.pk]))
        .text
    )


def test_the_roadmap_page_shows_the_events_that_served_its_items(client_for, users, served):
    _partnership, roadmap, held = served
    text = client_for(users.curator).get(reverse("roadmaps:detail", args=[roadmap.pk])).text
    assert held.title in text and "Провели два открытых урока по ОВЗ." in text
    assert "Взаимопосещение уроков" in text


def test_a_roadmap_without_events_has_no_events_section(client_for, users, world):
    roadmap = RoadmapFactory(organisation=world.school)
    RoadmapItemFactory(roadmap=roadmap)
    text = client_for(users.director).get(reverse("roadmaps:detail", args=[roadmap.pk])).text
    assert 'id="served-events-h"' not in text


def test_the_sections_read_in_constant_queries(rf, users, served, world, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from events.sections import partnership_events_context, roadmap_events_context

    partnership, roadmap, _held = served
    request = rf.get("/")
    request.user = users.methodologist
    partnership_events_context(request, partnership)  # the user's scope is read once, cached
    with CaptureQueriesContext(connection) as small:
        partnership_events_context(request, partnership)
        roadmap_events_context(request, roadmap)
    for n in range(15):
        event = EventFactory(organiser=world.leader, partnership=partnership, title=f"Ещё {n}")
        event.roadmap_items.set(roadmap.items.all())
        RegistrationFactory(event=event, attended=True)
    with django_assert_num_queries(len(small.captured_queries)):
        shown = partnership_events_context(request, partnership)["served_events"]
        roadmap_events_context(request, roadmap)
    assert len(shown) == 17


def test_attendance_on_the_roadmap_page_counts_the_reports_other_participants(
    client_for, users, served
):
    """The event page says «записавшихся — 1, других участников — 6»: the roadmap and
    partnership pages said «присутствовали: 1» about the same event."""
    partnership, roadmap, held = served
    services.report_save(
        event=held,
        user=users.methodologist,
        summary="Провели два открытых урока по ОВЗ.",
        other_participants=6,
    )
    director = client_for(users.director)
    for url in (
        reverse("roadmaps:detail", args=[roadmap.pk]),
        reverse("partnerships:detail", args=[partnership.pk]),
    ):
        assert "присутствовали: 7" in director.get(url).text
    card = client_for(users.methodologist).get(reverse("schools:detail", args=[held.organiser_id]))
    assert "присутствовали: 7" in card.text  # the organiser's card lists the event too
