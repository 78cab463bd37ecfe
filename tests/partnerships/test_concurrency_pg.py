"""Concurrent requests on PostgreSQL: agreement numbers stay unique and gapless, and a leader's
capacity is never exceeded by parallel proposals.

SQLite serialises all writes, so the row locks are only meaningful on PostgreSQL:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_partnerships`` (CI sets it).
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections

from partnerships import services
from partnerships.models import Agreement

from .factories import pair

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://… (CI does)",
)

RACERS = 8


@pytest.mark.django_db(transaction=True)
def test_parallel_agreements_get_consecutive_unique_numbers(world, users):
    partnership = pair(supported=world.school, provider=world.leader, status="active")
    barrier = threading.Barrier(RACERS)
    errors: list[BaseException] = []

    def race(i):
        try:
            barrier.wait(timeout=10)
            services.agreement_create(
                partnership=partnership,
                kind="cooperation",
                date=dt.date(2026, 9, 1),
                valid_from=dt.date(2026, 9, 1),
                valid_until=dt.date(2027, 6, 30),
                subject=f"Соглашение {i}",
                obligations="",
                resources_text="",
                actor=users.methodologist,
            )
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(i,)) for i in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    sequences = sorted(Agreement.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, RACERS + 1))
    assert len(set(Agreement.objects.values_list("number", flat=True))) == RACERS


@pytest.mark.django_db(transaction=True)
def test_parallel_proposals_never_exceed_a_leaders_capacity(world, users):
    from django.core.exceptions import ValidationError

    from tests.factories import OrganisationFactory

    from .factories import ProviderProfileFactory

    ProviderProfileFactory(organisation=world.leader, capacity=2)
    schools = [OrganisationFactory(municipality=world.mun) for _ in range(RACERS)]
    barrier = threading.Barrier(RACERS)
    refused: list[str] = []
    errors: list[BaseException] = []

    def race(school):
        try:
            barrier.wait(timeout=10)
            services.partnership_create(
                actor=users.methodologist,
                data=services.PartnershipData(
                    title=f"Пара {school.pk}",
                    municipality=world.mun,
                    supported=[school],
                    leaders=[world.leader],
                ),
            )
        except ValidationError as exc:
            refused.append(" ".join(exc.messages))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=race, args=(s,)) for s in schools]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not errors
    from partnerships.models import PartnershipMember

    assert PartnershipMember.objects.filter(organisation=world.leader).count() == 2
    assert len(refused) == RACERS - 2 and all("ёмкость исчерпана" in r for r in refused)
