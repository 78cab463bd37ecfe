"""The reminder loop sends each reminder exactly once, retries failures, never duplicates."""

import smtplib
from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from network_portal.accounts.models import Role
from network_portal.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationStatus,
)
from network_portal.notifications.services import STALE_AFTER, reminders_send
from tests.factories import RoleAssignmentFactory, UserFactory
from tests.reports.factories import RoadmapFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db


class RefusingBackend:
    """An SMTP server that refuses every message."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    def open(self):
        pass

    def close(self):
        pass


class TimeoutBackend(RefusingBackend):
    def send_messages(self, messages):
        raise TimeoutError("timed out")


@pytest.fixture
def due_item(world, users):
    roadmap = RoadmapFactory(organisation=world.school)
    return RoadmapItemFactory(
        roadmap=roadmap,
        responsible_user=users.director,
        due_date=timezone.localdate() + timedelta(days=2),
    )


def _run(capsys=None):
    call_command("send_reminders")


def test_send_reminders_twice_sends_nothing_the_second_time(due_item, users, capsys):
    call_command("send_reminders", kind=["roadmap_due_soon"])
    first = capsys.readouterr().out
    assert "Sent 1 e-mails (1 reminders)" in first
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [users.director.email]
    assert due_item.task in mail.outbox[0].body
    call_command("send_reminders", kind=["roadmap_due_soon"])
    assert "Sent 0 e-mails" in capsys.readouterr().out
    assert len(mail.outbox) == 1
    row = Notification.objects.get()
    assert (row.status, row.attempts, row.object_key) == (
        NotificationStatus.SENT,
        1,
        f"item:{due_item.pk}",
    )


def test_email_is_russian_html_and_text_with_unsubscribe_link(due_item):
    reminders_send(kinds=["roadmap_due_soon"])
    message = mail.outbox[0]
    assert "дорожной карты" in message.subject
    html = message.alternatives[0][0]
    assert "/notifications/unsubscribe/" in html
    assert "/notifications/unsubscribe/" in message.body
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")


@pytest.mark.parametrize("backend", [RefusingBackend, TimeoutBackend])
def test_smtp_failure_leaves_reminder_for_retry_then_sends_once(due_item, backend):
    result = reminders_send(kinds=["roadmap_due_soon"], connection=backend())
    assert (result.emails, result.failed) == (0, 1)
    row = Notification.objects.get()
    assert row.status == NotificationStatus.FAILED
    assert row.last_error
    # the next run (SMTP back) sends it, once
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 1
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 0
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (NotificationStatus.SENT, 2, "")


def test_failing_backend_setting_is_respected(due_item, settings):
    settings.EMAIL_BACKEND = "tests.notifications.test_send_reminders.RefusingBackend"
    call_command("send_reminders", kind=["roadmap_due_soon"])
    assert Notification.objects.get().status == NotificationStatus.FAILED
    assert mail.outbox == []


def test_row_claimed_by_another_worker_is_not_sent_twice(due_item, users):
    Notification.objects.create(
        kind="roadmap_due_soon",
        recipient=users.director,
        object_key=f"item:{due_item.pk}",
        due_date=due_item.due_date,
        status=NotificationStatus.SENDING,
        claimed_at=timezone.now(),
        claim_token="other-worker",
    )
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 0
    assert mail.outbox == []


def test_row_stuck_in_sending_after_a_crash_is_retried(due_item, users):
    Notification.objects.create(
        kind="roadmap_due_soon",
        recipient=users.director,
        object_key=f"item:{due_item.pk}",
        due_date=due_item.due_date,
        status=NotificationStatus.SENDING,
        claimed_at=timezone.now() - STALE_AFTER - timedelta(minutes=1),
        claim_token="crashed-worker",
    )
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 1
    assert Notification.objects.get().status == NotificationStatus.SENT


def test_switched_off_kind_is_not_sent(due_item, users):
    NotificationPreference.objects.create(user=users.director, disabled_kinds=["roadmap_due_soon"])
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 0
    assert not Notification.objects.exists()


def test_several_items_of_one_person_make_one_email(world, users):
    roadmap = RoadmapFactory(organisation=world.school)
    for days in (1, 2, 3):
        RoadmapItemFactory(
            roadmap=roadmap,
            responsible_user=users.director,
            due_date=timezone.localdate() + timedelta(days=days),
        )
    result = reminders_send(kinds=["roadmap_due_soon"])
    assert (result.emails, result.notifications) == (1, 3)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(
    ("kind", "days", "phrases"),
    [
        (
            "roadmap_overdue",
            (-1, -3, -5),
            (
                "просрочено на 1 день",
                "просрочено на 3 дня",
                "просрочено на 5 дней",
            ),
        ),
        ("roadmap_due_soon", (1, 3, 5), ("остался 1 день", "осталось 3 дня", "осталось 5 дней")),
    ],
)
def test_a_letter_lists_every_item_with_its_date_link_and_days(world, users, kind, days, phrases):
    """Both parts of a letter print each item: its task, due date (d.m.Y), link and, in the
    HTML, the days overdue or left with the plural form of the number."""
    roadmap = RoadmapFactory(organisation=world.school)
    today = timezone.localdate()
    items = [
        RoadmapItemFactory(
            roadmap=roadmap,
            responsible_user=users.director,
            task=f"Задача <{n}> & проверка",
            due_date=today + timedelta(days=n),
        )
        for n in days
    ]
    assert reminders_send(kinds=[kind]).emails == 1
    message = mail.outbox[0]
    html = message.alternatives[0][0]
    link = f"{settings.SITE_URL}{reverse('roadmaps:detail', args=[roadmap.pk])}"
    for item, phrase in zip(items, phrases, strict=True):
        due = item.due_date.strftime("%d.%m.%Y")
        school = world.school.short_name
        assert f"- {item.task} — {school}, срок {due}: {link}\n" in message.body + "\n"
        assert (
            f'href="{link}">{escape(item.task)}</a> — {escape(school)}, срок {due} ({phrase})</li>'
        ) in html
    assert html.count("<li>") == len(items)


def test_new_due_date_is_a_new_reminder(due_item):
    reminders_send(kinds=["roadmap_due_soon"])
    due_item.due_date += timedelta(days=1)
    due_item.save()
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 1


def test_item_without_responsible_user_goes_to_the_director(world, users):
    RoadmapItemFactory(roadmap=RoadmapFactory(organisation=world.school))
    reminders_send(kinds=["roadmap_due_soon"])
    assert [m.to for m in mail.outbox] == [[users.director.email]]


def test_inactive_user_gets_nothing(due_item, users):
    users.director.is_active = False
    users.director.save()
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 0


def test_a_second_user_in_scope_does_not_share_the_key(world, users):
    other = UserFactory()
    RoleAssignmentFactory(user=other, role=Role.DIRECTOR, organisation=world.school)
    RoadmapItemFactory(roadmap=RoadmapFactory(organisation=world.school))
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 2


def test_subject_is_not_html_escaped(world, users):
    roadmap = RoadmapFactory(organisation=world.school)
    RoadmapItemFactory(roadmap=roadmap, responsible_user=users.director)
    from datetime import datetime, time

    from tests.reports.factories import EventFactory, RegistrationFactory

    tomorrow = timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=1), time(10))
    )
    event = EventFactory(
        municipality=world.mun,
        organiser=world.leader,
        title='Семинар "Оценивание" & практика',
        starts_at=tomorrow,
    )
    RegistrationFactory(event=event, user=users.teacher)
    reminders_send(kinds=["event_tomorrow"])
    assert mail.outbox[0].subject == 'Завтра: Семинар "Оценивание" & практика'
    assert "&quot;" not in mail.outbox[0].body


def test_beat_runs_the_loop_as_a_celery_task(due_item, settings):
    from network_portal.notifications.tasks import send_reminders

    entry = settings.CELERY_BEAT_SCHEDULE["send-reminders"]
    assert entry["task"] == send_reminders.name
    assert send_reminders.apply().get() >= 1
    assert send_reminders.apply().get() == 0


# --- bounded queries, whatever the history -------------------------------------------------


def _people_with_due_items(world, n: int) -> list:
    roadmap = RoadmapFactory(organisation=world.school)
    people = [UserFactory() for _ in range(n)]
    for k, person in enumerate(people):
        RoadmapItemFactory(
            roadmap=roadmap,
            responsible_user=person,
            due_date=timezone.localdate() + timedelta(days=1 + k % 5),
        )
    return people


def _history(users, rows: int) -> None:
    """Reminders sent long ago (two years of overdue items): earlier runs' rows."""
    today = timezone.localdate()
    Notification.objects.bulk_create(
        Notification(
            kind="roadmap_due_soon",
            recipient=users.director,
            object_key=f"item:old{k}",
            due_date=today - timedelta(days=k % 730),
            status=NotificationStatus.SENT,
            attempts=1,
        )
        for k in range(rows)
    )


def test_the_loop_runs_one_query_per_email_and_none_per_item_or_past_row(
    world, users, django_assert_num_queries
):
    """One ``UPDATE`` per letter (marked the moment it went out); a long history is not read."""
    _people_with_due_items(world, 2)
    with django_assert_num_queries(QUERIES_FIRST_RUN + 2):
        assert reminders_send(kinds=["roadmap_due_soon"]).emails == 2
    people = _people_with_due_items(world, 22)
    roadmap = RoadmapFactory(organisation=world.school)
    for person in people:  # three items each, still one letter each
        for days in (2, 3):
            RoadmapItemFactory(
                roadmap=roadmap,
                responsible_user=person,
                due_date=timezone.localdate() + timedelta(days=days),
            )
    _history(users, 3000)
    with django_assert_num_queries(QUERIES_FIRST_RUN + 22):
        result = reminders_send(kinds=["roadmap_due_soon"])
    assert (result.emails, result.notifications) == (22, 66)
    with django_assert_num_queries(QUERIES_SECOND_RUN):
        assert reminders_send(kinds=["roadmap_due_soon"]).emails == 0
    assert len(mail.outbox) == 24


#: collect (the selector: items with a responsible person, and the directors' pairs of items
#: with nobody named) + recipients and preferences + read/insert (returning the new rows) a
#: batch + claim it (returning the claimed rows); then one UPDATE per e-mail marking it sent.
QUERIES_FIRST_RUN = 7
#: collect only: the selector reads the (item, person) pairs still due, none once they were
#: sent.
QUERIES_SECOND_RUN = 2


def test_a_worker_stopped_half_way_records_the_letters_that_went_out(world, settings):
    """Outcomes are written in batches, and also when the worker is stopped (``finally``)."""
    people = _people_with_due_items(world, 5)

    class StoppedAfterTwo:
        sent = 0

        def send_messages(self, messages):
            if StoppedAfterTwo.sent == 2:
                raise SystemExit(1)
            StoppedAfterTwo.sent += 1
            mail.outbox.extend(messages)
            return len(messages)

    with pytest.raises(SystemExit):
        reminders_send(kinds=["roadmap_due_soon"], connection=StoppedAfterTwo())
    statuses = sorted(Notification.objects.values_list("status", flat=True))
    assert statuses.count(NotificationStatus.SENT) == 2
    assert statuses.count(NotificationStatus.SENDING) == 3
    # the next run after the stale timeout sends the three others, and nothing twice
    Notification.objects.filter(status=NotificationStatus.SENDING).update(
        claimed_at=timezone.now() - STALE_AFTER - timedelta(minutes=1)
    )
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


@pytest.mark.parametrize(
    ("exc", "text"),
    [
        (
            smtplib.SMTPRecipientsRefused({"ivanova@school5.ru": (550, b"5.1.1 unknown user")}),
            "SMTPRecipientsRefused (550)",
        ),
        (
            smtplib.SMTPSenderRefused(553, b"<portal@region.ru> refused", "portal@region.ru"),
            "SMTPSenderRefused (553)",
        ),
        (
            smtplib.SMTPDataError(554, b"message to ivanova@school5.ru rejected"),
            "SMTPDataError (554)",
        ),
        (TimeoutError("timed out"), "TimeoutError"),
    ],
)
def test_a_failed_email_is_described_by_class_and_smtp_code_only(exc, text):
    from network_portal.notifications.email import email_error_text

    assert email_error_text(exc) == text
