"""Who is reminded of what (reports.reminders), in a bounded number of queries."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from network_portal.accounts.models import Role
from reports import reminders
from tests.factories import OrganisationFactory, RoleAssignmentFactory, UserFactory

from .factories import (
    AgreementFactory,
    CycleFactory,
    EventFactory,
    PartnershipFactory,
    PartnershipMemberFactory,
    RegistrationFactory,
    RiskProfileFactory,
    RoadmapFactory,
    RoadmapItemFactory,
)

pytestmark = pytest.mark.django_db


def by_recipient(found):
    return {(r.recipient_id, r.object_key, r.due_date) for r in found}


def test_overdue_escalates_to_curator_then_methodologist(world, users):
    today = timezone.localdate()
    roadmap = RoadmapFactory(organisation=world.school)
    fresh = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.director, due_date=today - timedelta(days=3)
    )
    long = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.director, due_date=today - timedelta(days=20)
    )
    ancient = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.director, due_date=today - timedelta(days=40)
    )
    RoadmapItemFactory(roadmap=roadmap, due_date=today - timedelta(days=40), status="done")
    overdue = by_recipient(reminders.roadmap_overdue(today))
    assert {key for _, key, _ in overdue} == {f"item:{i.pk}" for i in (fresh, long, ancient)}
    escalated = by_recipient(reminders.roadmap_escalation(today))
    assert escalated == {
        (users.curator.pk, f"item:{long.pk}", long.due_date),
        (users.curator.pk, f"item:{ancient.pk}", ancient.due_date),
        (users.methodologist.pk, f"item:{ancient.pk}", ancient.due_date),
    }


def test_due_soon_window(world, users):
    today = timezone.localdate()
    roadmap = RoadmapFactory(organisation=world.school)
    inside = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.teacher, due_date=today + timedelta(days=7)
    )
    RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.teacher, due_date=today + timedelta(days=8)
    )
    found = reminders.roadmap_due_soon(today)
    assert [(r.recipient_id, r.object_key) for r in found] == [
        (users.teacher.pk, f"item:{inside.pk}")
    ]
    assert found[0].context["school"] == world.school.short_name


def test_events_tomorrow_go_to_registered_people_only(world, users):
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    tomorrow = timezone.make_aware(datetime.combine(today + timedelta(days=1), time(10)), tz)
    event = EventFactory(municipality=world.mun, organiser=world.leader, starts_at=tomorrow)
    later = EventFactory(
        municipality=world.mun, organiser=world.leader, starts_at=tomorrow + timedelta(days=1)
    )
    RegistrationFactory(event=event, user=users.teacher)
    RegistrationFactory(event=event, user=users.director, status="cancelled")
    RegistrationFactory(event=later, user=users.teacher)
    found = reminders.events_tomorrow(today)
    assert by_recipient(found) == {(users.teacher.pk, f"event:{event.pk}", tomorrow.date())}


def test_agreement_expiring_goes_to_member_directors_and_methodologist(world, users):
    today = timezone.localdate()
    partnership = PartnershipFactory(municipality=world.mun)
    PartnershipMemberFactory(partnership=partnership, organisation=world.school, role="supported")
    PartnershipMemberFactory(partnership=partnership, organisation=world.leader, role="leader")
    agreement = AgreementFactory(
        partnership=partnership,
        valid_from=today - timedelta(days=300),
        valid_until=today + timedelta(days=20),
    )
    AgreementFactory(
        partnership=partnership,
        valid_from=today - timedelta(days=300),
        valid_until=today + timedelta(days=60),
    )
    recipients = {r.recipient_id for r in reminders.agreements_expiring(today)}
    assert recipients == {users.director.pk, users.leader_director.pk, users.methodologist.pk}
    assert {r.object_key for r in reminders.agreements_expiring(today)} == {
        f"agreement:{agreement.pk}"
    }


def test_cycle_closing_reminds_schools_that_have_not_submitted(world, users):
    today = timezone.localdate()
    cycle = CycleFactory(municipality=world.mun, closes_on=today + timedelta(days=2))
    cycle.schools.set([world.school, world.leader])
    RiskProfileFactory(organisation=world.leader, cycle=cycle)
    found = reminders.cycles_closing(today)
    assert {r.recipient_id for r in found} == {users.director.pk, users.methodologist.pk}
    summary = next(r for r in found if r.recipient_id == users.methodologist.pk)
    assert summary.context["missing"] == [world.school.short_name]


def test_weekly_digest_for_methodologist_and_curator_once_a_week(world, users):
    today = timezone.localdate()
    RoadmapItemFactory(
        roadmap=RoadmapFactory(organisation=world.school), due_date=today - timedelta(days=5)
    )
    found = reminders.weekly_digest(today)
    assert {r.recipient_id for r in found} == {users.methodologist.pk, users.curator.pk}
    monday = today - timedelta(days=today.weekday())
    assert {r.due_date for r in found} == {monday}
    assert all(r.context["overdue_count"] == 1 for r in found)


def test_empty_digest_is_not_sent(world, users):
    assert reminders.weekly_digest(timezone.localdate()) == []


def _region(size: int, mun):
    today = timezone.localdate()
    for n in range(size):
        school = OrganisationFactory(municipality=mun)
        director = UserFactory()
        RoleAssignmentFactory(user=director, role=Role.DIRECTOR, organisation=school)
        RoleAssignmentFactory(user=UserFactory(), role=Role.CURATOR, organisation=school)
        roadmap = RoadmapFactory(organisation=school)
        for days in (-40, -20, -2, 2, 5):
            RoadmapItemFactory(roadmap=roadmap, due_date=today + timedelta(days=days + n % 2))


@pytest.mark.parametrize("size", [2, 12])
def test_every_selector_runs_a_constant_number_of_queries(
    world, users, size, django_assert_max_num_queries
):
    _region(size, world.mun)
    today = timezone.localdate()
    expected = {}
    for kind in reminders.KINDS:
        with django_assert_max_num_queries(5) as ctx:
            found = list(kind.collect(today))
        expected[kind.key] = (len(ctx.captured_queries), len(found))
    assert expected["roadmap_overdue"][1] == size * 3
    assert expected["roadmap_escalation"][1] >= size * 2


def _digest_region(size: int, mun):
    """``size`` schools, each with its own curator and five open items around today."""
    today = timezone.localdate()
    for n in range(size):
        school = OrganisationFactory(municipality=mun)
        RoleAssignmentFactory(user=UserFactory(), role=Role.CURATOR, organisation=school)
        roadmap = RoadmapFactory(organisation=school)
        for days in (-40, -20, -2, 2, 5):
            RoadmapItemFactory(roadmap=roadmap, due_date=today + timedelta(days=days + n % 2))


@pytest.mark.parametrize("size", [3, 15])
def test_digest_runs_four_queries_whatever_the_number_of_curators_and_items(
    world, users, size, django_assert_num_queries
):
    _digest_region(size, world.mun)
    today = timezone.localdate()
    with django_assert_num_queries(4):
        found = reminders.weekly_digest(today)
    # every new curator, the world's curator has no items; the methodologist sees them all
    assert len(found) == size + 1
    summary = next(r for r in found if r.recipient_id == users.methodologist.pk)
    overdue = sum(1 for days in (-40, -20, -2) for n in range(size) if days + n % 2 < 0)
    assert summary.context["overdue_count"] == overdue
    assert summary.context["due_count"] == size * 5 - overdue
    assert len(summary.context["due"]) == min(10, size * 5 - overdue)
    dates = [d["due_date"] for d in summary.context["due"]]
    assert dates == sorted(dates) and dates[0] >= today
    assert len(summary.context["overdue_by_school"]) == min(10, size)


def test_digest_of_a_curator_counts_only_their_schools(world, users):
    today = timezone.localdate()
    _digest_region(2, world.mun)
    RoadmapItemFactory(
        roadmap=RoadmapFactory(organisation=world.school), due_date=today - timedelta(days=3)
    )
    found = {r.recipient_id: r for r in reminders.weekly_digest(today)}
    mine = found[users.curator.pk].context
    assert (mine["overdue_count"], mine["due_count"]) == (1, 0)
    assert mine["overdue_by_school"] == [(world.school.short_name, 1)]
    assert found[users.methodologist.pk].context["overdue_count"] == 1 + 3 + 3


def test_a_sent_digest_is_not_read_again(world, users, django_assert_max_num_queries):
    from network_portal.notifications.services import reminders_send

    today = timezone.localdate()
    _digest_region(3, world.mun)
    assert reminders_send(today=today, kinds=["weekly_digest"]).emails == 4
    # only the people with an empty digest (the outsiders) are still read, in as many queries
    with django_assert_max_num_queries(4):
        assert reminders.weekly_digest(today) == []
    # a curator appointed later this week still gets this week's digest
    newcomer = UserFactory()
    RoleAssignmentFactory(user=newcomer, role=Role.CURATOR, organisation=world.school)
    RoadmapItemFactory(
        roadmap=RoadmapFactory(organisation=world.school), due_date=today - timedelta(days=1)
    )
    # (the school's first curator had an empty digest, which was not sent: now it is due)
    found = {r.recipient_id for r in reminders.weekly_digest(today)}
    assert found == {newcomer.pk, users.curator.pk}


def test_items_already_reminded_are_not_read_again_but_a_new_person_is_reminded(world, users):
    from network_portal.notifications.services import reminders_send

    today = timezone.localdate()
    roadmap = RoadmapFactory(organisation=world.school)
    named = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.teacher, due_date=today - timedelta(days=40)
    )
    unnamed = RoadmapItemFactory(roadmap=roadmap, due_date=today - timedelta(days=20))
    kinds = ["roadmap_overdue", "roadmap_escalation"]
    assert reminders_send(today=today, kinds=kinds).notifications == 5
    assert reminders.roadmap_overdue(today) == []
    assert reminders.roadmap_escalation(today) == []
    # the item changes hands and the school gets a second curator: each is reminded once
    named.responsible_user = users.director
    named.save()
    curator = UserFactory()
    RoleAssignmentFactory(user=curator, role=Role.CURATOR, organisation=world.school)
    assert by_recipient(reminders.roadmap_overdue(today)) == {
        (users.director.pk, f"item:{named.pk}", named.due_date)
    }
    escalated = by_recipient(reminders.roadmap_escalation(today))
    assert {(u, key) for u, key, _ in escalated} >= {
        (curator.pk, f"item:{named.pk}"),
        (curator.pk, f"item:{unnamed.pk}"),
    }
    assert reminders_send(today=today, kinds=kinds).notifications == 3
    assert reminders_send(today=today, kinds=kinds).notifications == 0
