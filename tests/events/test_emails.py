"""Event e-mails are never lost: a letter that failed, never went out or was left «sending» by
a crashed worker is sent later by the periodic retry, and never twice."""

from __future__ import annotations

from datetime import timedelta
from smtplib import SMTPRecipientsRefused

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.utils import timezone

from events import emails, services, tasks
from events.models import EventStatus, Registration, RegistrationStatus
from network_portal.celery import app as celery_app
from network_portal.notifications.models import Notification, NotificationStatus
from network_portal.notifications.services import STALE_AFTER

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

#: Addresses the mail server refuses while the test says so.
REFUSED: set[str] = set()


class FlakyBackend(EmailBackend):
    """The locmem backend, except that it refuses the addresses in ``REFUSED``."""

    def send_messages(self, messages):
        for message in messages:
            refused = set(message.to) & REFUSED
            if refused:
                raise SMTPRecipientsRefused(dict.fromkeys(refused, (550, b"mailbox unavailable")))
        return super().send_messages(messages)


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.events.test_emails.FlakyBackend"
    REFUSED.clear()
    yield REFUSED
    REFUSED.clear()


@pytest.fixture
def cancelled(world, make_teacher):
    event = EventFactory(organiser=world.leader, status=EventStatus.CANCELLED)
    people = [make_teacher() for _ in range(3)]
    for person in people:
        RegistrationFactory(event=event, user=person)
    return event, people


def test_one_refused_address_does_not_stop_the_others_and_is_sent_later(
    cancelled, flaky_mail, caplog
):
    event, (first, refused, third) = cancelled
    flaky_mail.add(refused.email)
    with pytest.raises(emails.EmailsNotSent):
        emails.send_cancelled(event_id=event.pk)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([first.email, third.email])
    row = Notification.objects.get(kind=emails.KIND_CANCELLED, recipient=refused)
    assert row.status == NotificationStatus.FAILED and "SMTPRecipientsRefused" in row.last_error
    assert refused.email not in row.last_error  # no address stored or logged
    assert "SMTPRecipientsRefused (550)" in caplog.text and refused.email not in caplog.text

    assert emails.emails_retry() == 0  # the server still refuses: kept, not lost
    assert Notification.objects.get(pk=row.pk).status == NotificationStatus.FAILED
    flaky_mail.clear()
    assert emails.emails_retry() == 1
    assert emails.emails_retry() == 0  # and only once
    assert [m.to for m in mail.outbox].count([refused.email]) == 1
    assert len(mail.outbox) == 3


def test_a_letter_stuck_in_sending_by_a_crashed_worker_is_taken_back_after_the_timeout(
    cancelled,
):
    event, people = cancelled
    now = timezone.now()
    for person in people:  # a worker claimed them and died before sending
        Notification.objects.create(
            kind=emails.KIND_CANCELLED,
            recipient=person,
            object_key=f"event:{event.pk}",
            due_date=timezone.localdate(event.starts_at),
            status=NotificationStatus.SENDING,
            claimed_at=now - timedelta(minutes=5),
            attempts=1,
        )
    assert emails.emails_retry() == 0  # still within the timeout: maybe it is sending now
    assert emails.send_cancelled(event_id=event.pk) == 0
    assert mail.outbox == []
    later = now + STALE_AFTER + timedelta(minutes=1)
    assert emails.emails_retry(now=later) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert emails.emails_retry(now=later) == 0


def test_a_promotion_letter_whose_task_never_ran_is_sent_by_the_retry(
    world, make_teacher, django_capture_on_commit_callbacks
):
    """The broker was down when the place freed up: no task, not even a row — the retry
    reads what is owed from the registrations."""
    event = EventFactory(organiser=world.leader, capacity=1)
    first, waiting = make_teacher(), make_teacher()
    services.registration_register(event=event, user=first)
    services.registration_register(event=event, user=waiting)
    with django_capture_on_commit_callbacks(execute=False):  # the task is never queued
        services.registration_cancel(registration=Registration.objects.get(user=first))
    assert Registration.objects.get(user=waiting).status == RegistrationStatus.REGISTERED
    assert mail.outbox == [] and not Notification.objects.exists()
    assert tasks.retry_emails.delay().get() == 1
    assert [m.to for m in mail.outbox] == [[waiting.email]]
    assert tasks.retry_emails.delay().get() == 0
    assert emails.send_promoted(registration_id=Registration.objects.get(user=waiting).pk) is False


def test_a_failed_promotion_letter_is_sent_by_the_retry_once(world, make_teacher, flaky_mail):
    event = EventFactory(organiser=world.leader, capacity=1)
    first, waiting = make_teacher(), make_teacher()
    services.registration_register(event=event, user=first)
    services.registration_register(event=event, user=waiting)
    flaky_mail.add(waiting.email)
    registration = Registration.objects.get(user=waiting)
    services.registration_cancel(registration=Registration.objects.get(user=first))
    registration.refresh_from_db()
    with pytest.raises(emails.EmailsNotSent):  # what the task's last retry meets
        emails.send_promoted(registration_id=registration.pk)
    row = Notification.objects.get(kind=emails.KIND_PROMOTED)
    assert row.status == NotificationStatus.FAILED
    flaky_mail.clear()
    assert emails.emails_retry() == 1 and emails.emails_retry() == 0
    assert [m.to for m in mail.outbox] == [[waiting.email]]


def test_a_letter_that_no_longer_applies_is_not_sent(world, make_teacher, flaky_mail):
    event = EventFactory(organiser=world.leader, capacity=1)
    first, waiting = make_teacher(), make_teacher()
    services.registration_register(event=event, user=first)
    services.registration_register(event=event, user=waiting)
    flaky_mail.add(waiting.email)
    services.registration_cancel(registration=Registration.objects.get(user=first))
    with pytest.raises(emails.EmailsNotSent):
        emails.send_promoted(registration_id=Registration.objects.get(user=waiting).pk)
    # the promoted person leaves again before the mail server comes back
    services.registration_cancel(registration=Registration.objects.get(user=waiting))
    flaky_mail.clear()
    assert emails.emails_retry() == 0
    assert mail.outbox == []


def test_nothing_is_sent_for_an_event_already_past(world, make_teacher):
    start = timezone.now() - timedelta(days=1)
    event = EventFactory(
        organiser=world.leader,
        status=EventStatus.CANCELLED,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    RegistrationFactory(event=event, user=make_teacher())
    assert emails.emails_retry() == 0 and mail.outbox == []


def test_the_retry_is_a_registered_celery_task():
    celery_app.loader.import_default_modules()
    assert "events.retry_emails" in celery_app.tasks
