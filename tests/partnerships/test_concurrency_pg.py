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


def _race(work, args) -> tuple[list[str], list[BaseException]]:
    """Run ``work(arg)`` for every arg in parallel threads started together; (refusals, errors)."""
    from django.core.exceptions import ValidationError

    barrier = threading.Barrier(len(args))
    refused: list[str] = []
    errors: list[BaseException] = []

    def run(arg):
        try:
            barrier.wait(timeout=10)
            work(arg)
        except ValidationError as exc:
            refused.append(" ".join(exc.messages))
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return refused, errors


@pytest.mark.django_db(transaction=True)
def test_the_same_suggestion_accepted_in_parallel_makes_one_partnership(world, users):
    from partnerships.models import Partnership

    def accept(_i):
        services.suggestion_accept(
            school=world.school, provider=world.leader, actor=users.methodologist
        )

    refused, errors = _race(accept, range(RACERS))
    assert not errors
    assert Partnership.objects.count() == 1
    assert len(refused) == RACERS - 1
    assert all("уже работают вместе в партнёрстве" in r for r in refused)


# It reads the risk factors of the data migrations: restored by serialized rollback.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_plans_approved_at_once_pair_a_school_once(world, users):
    from partnerships.models import PartnershipMember
    from schools.models import Category

    from .factories import ProviderProfileFactory, category, profile

    category(world.school, Category.SHNOR)
    profile(world.school, {9: "high"})
    for provider in (world.leader, world.partner_org):
        category(provider, Category.LEADER)
        profile(provider, {9: "low"})
        ProviderProfileFactory(organisation=provider, capacity=5)
    plans = [
        services.pairing_plan_create(actor=users.methodologist, region=world.region)
        for _ in range(2)
    ]
    # the second plan pairs the school with the other provider: no duplicate pair to catch it
    row = plans[1].rows.get()
    other = world.partner_org if row.provider_id == world.leader.pk else world.leader
    services.pairing_row_update(row=row, provider_id=other.pk, include=True)
    refused, errors = _race(
        lambda plan: services.pairing_plan_approve(plan=plan, actor=users.methodologist), plans
    )
    assert not errors
    assert len(refused) == 1 and "после составления плана" in refused[0]
    supported = PartnershipMember.objects.filter(organisation=world.school, role="supported")
    assert supported.count() == 1
