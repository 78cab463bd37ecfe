"""``event_permissions`` is read from the user's scope and the event's columns: it agrees
with the scoped querysets (``_editable_q``, the directors' schools) and costs no query, so the
event page's number of queries does not grow with the events and registrations."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from events import selectors
from events.models import EventStatus
from network_portal.access.policy import scope_for
from network_portal.accounts.models import Role
from schools.models import Organisation

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

WHO = ("admin", "coordinator", "methodologist", "curator", "director", "teacher", "outsider",
       "outsider_director", "nobody")  # fmt: skip


def _events(world):
    return [
        EventFactory(organiser=world.school),
        EventFactory(organiser=world.school, status=EventStatus.DRAFT),
        EventFactory(organiser=world.leader),  # same municipality, another organiser
        EventFactory(organiser=world.other_school),
        # organised by a school of mun, held in other_mun
        EventFactory(organiser=world.school, municipality=world.other_mun),
    ]


@pytest.mark.parametrize("who", WHO)
def test_permissions_agree_with_the_scoped_querysets(users, world, who):
    user = getattr(users, who)
    scope = scope_for(user)
    for event in _events(world):
        perms = selectors.event_permissions(user=user, event=event)
        editable = selectors.event_edit_list_for_user(user=user).filter(pk=event.pk).exists()
        group = scope.is_admin or (
            event.municipality_id in scope.municipality_ids
            or Organisation.objects.filter(
                pk__in=scope.organisation_ids(Role.DIRECTOR), municipality_id=event.municipality_id
            ).exists()
        )
        assert (perms.can_edit, perms.can_register_group) == (editable, group), event


def test_permissions_cost_no_query_once_the_scope_is_read(users, world, django_assert_num_queries):
    event = EventFactory(organiser=world.leader)
    scope_for(users.director)
    with django_assert_num_queries(0):
        perms = selectors.event_permissions(user=users.director, event=event)
    assert perms == selectors.EventPermissions(can_edit=False, can_register_group=True)


def _page_queries(client, event) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("events:detail", args=[event.pk])).status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("who", ["director", "methodologist"])
def test_the_event_page_query_count_does_not_grow(
    client_for, users, world, who, django_assert_num_queries
):
    client = client_for(getattr(users, who))
    event = EventFactory(organiser=world.school)
    _page_queries(client, event)  # warm: session, content types
    # session, user, scope; the event, my registration, its counts; report, attended,
    # roadmap items, risk factors, materials, the practices slot — no permission query
    with django_assert_num_queries(12):
        client.get(reverse("events:detail", args=[event.pk]))
    for n in range(10):
        other = EventFactory(organiser=world.school, title=f"Ещё {n}")
        RegistrationFactory(event=other)
        RegistrationFactory(event=event, attended=n % 2 == 0)
    with django_assert_num_queries(12):
        client.get(reverse("events:detail", args=[event.pk]))
