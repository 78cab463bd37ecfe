"""Registration, the waiting list, promotion with an e-mail (once), group registration."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from events import emails, services
from events.models import EventStatus, Registration, RegistrationStatus
from events.rules import RegistrationRefused
from events.services import EventChangeRefused
from network_portal.notifications.models import Notification, NotificationStatus

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(world):
    return EventFactory(organiser=world.leader, capacity=2)


def test_teacher_registers_then_the_event_is_full_and_the_next_waits(event, make_teacher):
    first, second, third = make_teacher(), make_teacher(), make_teacher()
    assert services.registration_register(event=event, user=first).status == "registered"
    assert services.registration_register(event=event, user=second).status == "registered"
    assert services.registration_register(event=event, user=third).status == "waitlisted"
    assert Registration.objects.filter(event=event, status="registered").count() == 2


def test_registering_twice_is_refused(event, make_teacher):
    teacher = make_teacher()
    services.registration_register(event=event, user=teacher)
    with pytest.raises(RegistrationRefused, match="уже записаны"):
        services.registration_register(event=event, user=teacher)
    assert Registration.objects.filter(event=event, user=teacher).count() == 1


def test_registering_after_the_deadline_is_refused(world, make_teacher):
    event = EventFactory(
        organiser=world.leader, registration_deadline=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(RegistrationRefused, match="закрылась"):
        services.registration_register(event=event, user=make_teacher())
    assert not Registration.objects.exists()


def test_registering_for_a_cancelled_event_is_refused(world, make_teacher):
    event = EventFactory(organiser=world.leader, status=EventStatus.CANCELLED)
    with pytest.raises(RegistrationRefused, match="отменено"):
        services.registration_register(event=event, user=make_teacher())


def test_user_outside_the_audience_cannot_register(world, make_teacher):
    event = EventFactory(organiser=world.leader, for_teachers=False, for_parents=True)
    with pytest.raises(RegistrationRefused):
        services.registration_register(event=event, user=make_teacher())


def test_cancel_promotes_the_first_waiting_and_emails_them_once(
    event, make_teacher, django_capture_on_commit_callbacks
):
    first, second, waiting, later = (make_teacher() for _ in range(4))
    for person in (first, second, waiting, later):
        services.registration_register(event=event, user=person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(registration=Registration.objects.get(user=first))
    promoted = Registration.objects.get(user=waiting)
    assert promoted.status == RegistrationStatus.REGISTERED and promoted.promoted_at
    assert Registration.objects.get(user=later).status == RegistrationStatus.WAITLISTED
    assert [m.to for m in mail.outbox] == [[waiting.email]]
    assert "Место" in mail.outbox[0].subject or event.title in mail.outbox[0].subject
    # a retried task (or a second worker) does not send it again
    assert emails.send_promoted(registration_id=promoted.pk) is False
    assert len(mail.outbox) == 1
    note = Notification.objects.get(kind=emails.KIND_PROMOTED, recipient=waiting)
    assert note.status == NotificationStatus.SENT


def test_come_back_after_cancelling_goes_to_the_end_of_the_queue(event, make_teacher):
    a, b, c = make_teacher(), make_teacher(), make_teacher()
    for person in (a, b):
        services.registration_register(event=event, user=person)
    services.registration_cancel(registration=Registration.objects.get(user=a))
    services.registration_register(event=event, user=c)
    assert services.registration_register(event=event, user=a).status == "waitlisted"


def test_capacity_lowered_below_registered_is_refused_with_numbers(event, make_teacher, users):
    for _ in range(2):
        services.registration_register(event=event, user=make_teacher())
    with pytest.raises(EventChangeRefused) as refused:
        services.event_update(event=event, user=users.methodologist, data={"capacity": 1})
    text = " ".join(refused.value.message_dict["capacity"])
    assert "1" in text and "2" in text
    event.refresh_from_db()
    assert event.capacity == 2


def test_capacity_raised_promotes_the_waiting(event, make_teacher, users):
    people = [make_teacher() for _ in range(4)]
    for person in people:
        services.registration_register(event=event, user=person)
    services.event_update(event=event, user=users.methodologist, data={"capacity": 3})
    statuses = [Registration.objects.get(user=p).status for p in people]
    assert statuses == ["registered", "registered", "registered", "waitlisted"]


def test_group_registration_fills_places_then_the_waiting_list(event, make_teacher, users):
    teachers = [make_teacher() for _ in range(3)]
    services.registration_register(event=event, user=teachers[0])
    result = services.registration_register_group(event=event, users=teachers, by=users.director)
    assert result.registered == [teachers[1]]
    assert result.waitlisted == [teachers[2]]
    assert [person for person, _reason in result.skipped] == [teachers[0]]
    assert Registration.objects.get(user=teachers[1]).registered_by == users.director


def test_cancelling_the_event_notifies_everyone_registered_and_waiting(
    event, make_teacher, users, django_capture_on_commit_callbacks
):
    people = [make_teacher() for _ in range(3)]
    for person in people:
        services.registration_register(event=event, user=person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, user=users.methodologist, reason="Карантин")
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert "Карантин" in mail.outbox[0].body
    assert emails.send_cancelled(event_id=event.pk) == 0  # once
    with pytest.raises(RegistrationRefused):
        services.registration_register(event=event, user=make_teacher())


def test_unregistering_after_the_start_is_refused(world, make_teacher):
    registration = RegistrationFactory(
        event=EventFactory(organiser=world.leader), user=make_teacher()
    )
    with pytest.raises(RegistrationRefused):
        services.registration_cancel(
            registration=registration, now=registration.event.starts_at + timedelta(minutes=1)
        )


def test_group_registration_keeps_to_the_audience(world, make_teacher, users):
    parents_evening = EventFactory(organiser=world.leader, for_teachers=False, for_parents=True)
    teacher = make_teacher()
    result = services.registration_register_group(
        event=parents_evening, users=[teacher], by=users.director
    )
    assert result.registered == [] and result.waitlisted == []
    ((person, reason),) = result.skipped
    assert person == teacher and "предназначено для аудитории «Родители»" in reason
    assert not Registration.objects.filter(event=parents_evening).exists()
