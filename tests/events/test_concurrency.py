"""The last place under concurrent requests: the event row lock serialises them (PostgreSQL).

SQLite serialises every write anyway and its test database is in memory, so this test runs
only on PostgreSQL (CI sets ``DATABASE_URL``; locally
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_events``).
"""

import threading
import time

import pytest
from django.db import connection, connections

from events import rules, services
from events.models import Registration, RegistrationStatus

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://… (CI does)",
)

RACERS = 8


@pytest.fixture(autouse=True)
def slow_decision(monkeypatch):
    """Widen the window between counting the places and writing the registration, so that
    without the row lock every racer would see the same free place (the test can fail)."""
    decide = rules.place_status

    def slow(**kwargs):
        time.sleep(0.15)
        return decide(**kwargs)

    monkeypatch.setattr(rules, "place_status", slow)


@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_never_exceed_capacity(world, make_teacher):
    event = EventFactory(organiser=world.leader, capacity=3)
    for _ in range(2):
        RegistrationFactory(event=event, user=make_teacher())
    racers = [make_teacher() for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def race(user):
        try:
            barrier.wait(timeout=10)
            outcomes.append(services.registration_register(event=event, user=user).status)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(user,)) for user in racers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert sorted(outcomes).count(RegistrationStatus.REGISTERED) == 1
    assert outcomes.count(RegistrationStatus.WAITLISTED) == RACERS - 1
    assert Registration.objects.filter(event=event, status="registered").count() == 3


@pytest.mark.django_db(transaction=True)
def test_parallel_cancel_and_register_keep_the_capacity(world, make_teacher):
    """One registered person leaves while others race for places: still never over capacity."""
    event = EventFactory(organiser=world.leader, capacity=2)
    leaving = RegistrationFactory(event=event, user=make_teacher())
    RegistrationFactory(event=event, user=make_teacher())
    racers = [make_teacher() for _ in range(RACERS - 1)]
    barrier = threading.Barrier(RACERS)
    errors: list[BaseException] = []

    def run(action):
        try:
            barrier.wait(timeout=10)
            action()
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    actions = [lambda: services.registration_cancel(registration=leaving)] + [
        (lambda u=u: services.registration_register(event=event, user=u)) for u in racers
    ]
    threads = [threading.Thread(target=run, args=(a,)) for a in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert not errors
    assert Registration.objects.filter(event=event, status="registered").count() == 2
