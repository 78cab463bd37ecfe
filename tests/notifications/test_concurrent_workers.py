"""Two workers running the reminder loop at the same moment never send a reminder twice.

Needs PostgreSQL (real row locks and concurrent transactions): skipped locally on SQLite, a
failure in CI, which runs on PostgreSQL.
"""

import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from network_portal.notifications.models import Notification, NotificationStatus
from network_portal.notifications.services import reminders_send
from tests.factories import UserFactory
from tests.reports.factories import RoadmapFactory, RoadmapItemFactory
from tests.tools import missing


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        missing("needs PostgreSQL: set DATABASE_URL to a PostgreSQL database")


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_reminder_once(world):
    today = timezone.localdate()
    roadmap = RoadmapFactory(organisation=world.school)
    people = [UserFactory() for _ in range(30)]
    for n, person in enumerate(people):
        RoadmapItemFactory(
            roadmap=roadmap, responsible_user=person, due_date=today + timedelta(days=1 + n % 5)
        )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(reminders_send(kinds=["roadmap_due_soon"]))
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
    assert sum(r.emails for r in results) == 30
    assert len(mail.outbox) == 30
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert set(Notification.objects.values_list("status", flat=True)) == {NotificationStatus.SENT}
    assert Notification.objects.count() == 30
