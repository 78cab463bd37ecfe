"""Two people booking the last place of a mentor at once: one gets it, the other a refusal.

SQLite serialises all writes, so the row lock means something only on PostgreSQL
(``DATABASE_URL=postgres://…``; CI sets it)."""

import threading

import pytest
from django.db import connection, connections

from knowledge import services
from knowledge.models import Mentorship

from .factories import mentor

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://… (CI does)",
)

RACERS = 6


@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_never_exceed_the_mentors_places(world, users):
    m = mentor(world.mun, capacity=2, factors=[6])
    barrier = threading.Barrier(RACERS)
    refused: list[str] = []
    errors: list[BaseException] = []

    def race(i):
        try:
            barrier.wait(timeout=10)
            services.mentorship_propose(
                mentor=m, organisation=world.school, mentee=f"Учитель {i}", topic="ОВЗ",
                user=users.director,
            )  # fmt: skip
        except services.CapacityError as exc:
            refused.append(str(exc))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Mentorship.objects.filter(mentor=m).count() == 2
    assert len(refused) == RACERS - 2
