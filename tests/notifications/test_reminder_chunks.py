"""The beat hands the letters on in chunks, each a task of its own that claims its own rows: a
chunk delivered twice, or two chunks (two workers) over the same reminders, send each reminder
once; a chunk that is lost is sent by the next run."""

import smtplib
import threading
import time
import uuid
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, connections
from django.utils import timezone

from network_portal.celery import app as celery_app
from network_portal.notifications import services
from network_portal.notifications.models import Notification, NotificationStatus
from network_portal.notifications.services import reminders_send
from network_portal.notifications.tasks import send_reminder_chunk, send_reminders
from roadmaps.models import RoadmapItem
from tests.factories import UserFactory
from tests.reports.factories import RoadmapFactory, RoadmapItemFactory
from tests.tools import missing

KIND = "roadmap_due_soon"


def _people_with_due_items(world, n: int) -> list:
    roadmap = RoadmapFactory(organisation=world.school)
    people = [UserFactory() for _ in range(n)]
    for k, person in enumerate(people):
        for days in (1 + k % 5, 6):  # two items each: one letter each
            RoadmapItemFactory(
                roadmap=roadmap,
                responsible_user=person,
                due_date=timezone.localdate() + timedelta(days=days),
            )
    return people


def _queued(**kwargs) -> tuple[services.SendResult, list[str]]:
    """A run whose chunks are kept (as if queued for workers), not sent."""
    payloads: list[str] = []
    result = reminders_send(kinds=[KIND], send_chunk=lambda p: payloads.append(p), **kwargs)
    return result, payloads


def _statuses() -> list[str]:
    return sorted(Notification.objects.values_list("status", flat=True))


@pytest.mark.django_db
def test_the_beat_queues_chunks_whose_rows_exist_and_each_chunk_sends_its_letters(
    world, monkeypatch
):
    monkeypatch.setattr(services, "CHUNK", 4)
    people = _people_with_due_items(world, 10)
    result, payloads = _queued()
    assert (result.queued, result.emails, len(payloads)) == (10, 0, 3)
    assert mail.outbox == []
    # every row is there before any chunk runs: a lost chunk leaves them pending
    assert _statuses() == [NotificationStatus.PENDING] * 20
    sent = [send_reminder_chunk(p) for p in payloads]
    assert [s["emails"] for s in sent] == [4, 4, 2]
    assert sum(s["notifications"] for s in sent) == 20
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert all(len(m.body.split("\n- ")) == 3 for m in mail.outbox)  # both items in one letter
    assert _statuses() == [NotificationStatus.SENT] * 20
    assert reminders_send(kinds=[KIND]).emails == 0


@pytest.mark.django_db
def test_a_chunk_is_handed_on_as_plain_values_that_the_task_encodes_once(world):
    """Not text of JSON that Celery's serialiser would encode a second time: the values
    themselves, which Celery's JSON carries unchanged (dates included)."""
    from kombu.utils import json as celery_json

    _people_with_due_items(world, 3)
    _, [chunk] = _queued()
    assert isinstance(chunk, list)
    assert all(isinstance(letter, list) for letter in chunk)
    assert celery_json.loads(celery_json.dumps(chunk)) == chunk
    assert send_reminder_chunk.apply(args=[chunk]).get()["emails"] == 3


@pytest.mark.django_db
def test_a_chunk_delivered_twice_sends_each_letter_once(world):
    people = _people_with_due_items(world, 3)
    _, [payload] = _queued()
    assert send_reminder_chunk(payload)["emails"] == 3
    assert send_reminder_chunk(payload)["emails"] == 0
    assert len(mail.outbox) == len(people)
    assert Notification.objects.filter(attempts=1).count() == 6


@pytest.mark.django_db
def test_two_runs_queue_the_same_reminders_and_each_goes_once(world):
    """The next hourly run comes while the first run's chunks are still in the queue."""
    _people_with_due_items(world, 3)
    _, first = _queued()
    _, second = _queued()
    assert first == second  # nothing sent yet: the same letters again
    assert sum(send_reminder_chunk(p)["emails"] for p in second + first) == 3
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_a_lost_chunk_is_sent_by_the_next_run(world, settings):
    settings.REMINDERS_INCREMENTAL = True
    people = _people_with_due_items(world, 2)
    _queued()  # the chunk never arrives
    RoadmapItem.objects.update(updated_at=timezone.now() - timedelta(hours=2))
    assert reminders_send(kinds=[KIND]).emails == 2  # the watermark reads the pending rows
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)


@pytest.mark.django_db
def test_the_beat_task_runs_its_chunks_eagerly(world, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 2)
    _people_with_due_items(world, 5)
    assert send_reminders.apply().get() == 5
    assert len(mail.outbox) == 5
    assert send_reminders.apply().get() == 0


class SessionBackend(BaseEmailBackend):
    """Like Django's SMTP backend: ``send_messages`` opens a session and closes it after unless
    one is open already. Counts the sessions; refuses the addresses in ``refuse``."""

    sessions: list[list[str]] = []
    refuse: set[str] = set()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session = None

    def open(self):
        if self.session is not None:
            return False
        self.session = []
        SessionBackend.sessions.append(self.session)
        return True

    def close(self):
        self.session = None

    def send_messages(self, messages):
        new = self.open()
        try:
            for message in messages:
                if message.to[0] in SessionBackend.refuse:
                    raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
                self.session.append(message.to[0])
                mail.outbox.append(message)
        finally:
            if new:
                self.close()
        return len(messages)


@pytest.fixture
def sessions(settings):
    settings.EMAIL_BACKEND = f"{__name__}.SessionBackend"
    SessionBackend.sessions, SessionBackend.refuse = [], set()
    return SessionBackend


@pytest.mark.django_db
def test_a_chunk_sends_its_letters_in_one_smtp_session(world, sessions):
    people = _people_with_due_items(world, 5)
    assert reminders_send(kinds=[KIND]).emails == 5
    assert sessions.sessions == [[p.email for p in people]]


@pytest.mark.django_db
def test_a_session_that_failed_is_not_used_again(world, sessions):
    people = _people_with_due_items(world, 5)
    sessions.refuse = {people[1].email}
    result = reminders_send(kinds=[KIND])
    assert (result.emails, result.failed) == (4, 2)
    assert sessions.sessions == [[people[0].email], [p.email for p in people[2:]]]


@pytest.mark.django_db(transaction=True)
def test_two_workers_running_the_same_chunk_at_once_send_each_reminder_once(world):
    if connection.vendor != "postgresql":
        missing("needs PostgreSQL: set DATABASE_URL to a PostgreSQL database")
    people = _people_with_due_items(world, 30)
    _, [payload] = _queued()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(send_reminder_chunk(payload))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sum(r["emails"] for r in results) == 30
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert _statuses() == [NotificationStatus.SENT] * 60
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}


@pytest.fixture
def broker_url():
    url = settings.CELERY_BROKER_URL
    if not url:
        missing("CELERY_BROKER_URL is not set; CI sets it to the local Redis")
    try:
        with celery_app.connection_for_write(url=url) as conn:
            conn.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # a configured broker must answer: fail, do not skip
        pytest.fail(f"CELERY_BROKER_URL is set but the broker does not answer: {exc!r}")
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield url
    celery_app.conf.task_always_eager = saved


@pytest.mark.broker
def test_chunks_go_through_the_broker_to_a_real_worker(
    broker_url, transactional_db, world, monkeypatch
):
    monkeypatch.setattr(services, "CHUNK", 2)
    people = _people_with_due_items(world, 5)
    queue = f"reminders-test-{uuid.uuid4().hex}"  # no other worker on this Redis takes it
    with start_worker(
        celery_app,
        pool="solo",
        queues=[queue],
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
    ):
        result = reminders_send(
            kinds=[KIND],
            send_chunk=lambda p: send_reminder_chunk.apply_async(args=[p], queue=queue) and None,
        )
        assert result.queued == 5
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(mail.outbox) < 5:
            time.sleep(0.2)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert _statuses() == [NotificationStatus.SENT] * 10


@pytest.mark.django_db
def test_a_new_rows_other_columns_are_the_models_defaults():
    """The send loop's raw INSERT writes the fields' own defaults (NULL where there is none),
    read from the model, so a new column cannot be left out of it."""
    user = UserFactory()
    reminder = services.Reminder(
        kind="roadmap_due", recipient_id=user.pk, object_key="item:1", due_date=timezone.localdate()
    )
    ((pk, *_rest),) = services._insert([reminder]).values()
    inserted = Notification.objects.values().get(pk=pk)
    saved = Notification.objects.create(
        kind="roadmap_due", recipient=user, object_key="item:2", due_date=reminder.due_date
    )
    expected = Notification.objects.values().get(pk=saved.pk)
    different = {"id", "object_key", "created_at"}
    assert {k: v for k, v in inserted.items() if k not in different} == {
        k: v for k, v in expected.items() if k not in different
    }


def test_a_callable_default_is_refused_rather_than_repeated_over_a_batch(monkeypatch):
    field = Notification._meta.get_field("subject")
    monkeypatch.setattr(field, "default", lambda: "per row")
    with pytest.raises(services.ImproperlyConfigured):
        services._other_columns()
