"""The reminder watermark (``notifications/watermark.py``): a run of the same day reads only the
items changed since the last run, and still sends each reminder exactly once, missing none."""

import smtplib
from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.utils import timezone

from network_portal.accounts.models import Role
from network_portal.notifications import services, watermark
from network_portal.notifications.models import (
    Notification,
    NotificationPreference,
    NotificationStatus,
)
from network_portal.notifications.services import reminders_send
from reports import reminders
from roadmaps.models import RoadmapItem
from tests.factories import RoleAssignmentFactory, UserFactory
from tests.reports.factories import RoadmapFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db

KINDS = ["roadmap_due_soon", "roadmap_overdue", "roadmap_escalation"]


@pytest.fixture(autouse=True)
def _incremental(settings):
    settings.REMINDERS_INCREMENTAL = True


def _sent(kind: str, item) -> list:
    return sorted(
        Notification.objects.filter(
            kind=kind, object_key=f"item:{item.pk}", status=NotificationStatus.SENT
        ).values_list("recipient_id", "due_date")
    )


def _age(item, minutes: int) -> None:
    """As if the item had last been saved ``minutes`` ago (``update()`` keeps ``auto_now`` off)."""
    RoadmapItem.objects.filter(pk=item.pk).update(
        updated_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_a_second_run_of_the_day_reads_only_the_changed_items(world, users):
    today = timezone.localdate()
    roadmap = RoadmapFactory(organisation=world.school)
    old = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.director, due_date=today - timedelta(days=3)
    )
    assert reminders_send(kinds=KINDS).emails >= 1
    assert watermark.reminders_since("roadmap_overdue", today) is not None
    assert reminders_send(kinds=KINDS).emails == 0
    # an item nobody touched since, whose reminder is missing (a row deleted behind the signals'
    # back): the runs of the same week do not read it, the first run of the next week does
    _age(old, 120)
    Notification.objects.filter(kind="roadmap_overdue")._raw_delete("default")
    assert reminders.roadmap_overdue(today) == []
    assert [r.object_key for r in reminders.roadmap_overdue(today + timedelta(days=7))] == [
        f"item:{old.pk}"
    ]
    # a new item is read at once
    new = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.director, due_date=today - timedelta(days=1)
    )
    assert [r.object_key for r in reminders.roadmap_overdue(today)] == [f"item:{new.pk}"]


def test_a_due_date_moved_backwards_is_reminded_again(world, users):
    today = timezone.localdate()
    roadmap = RoadmapFactory(organisation=world.school)
    soon = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.director, due_date=today + timedelta(days=5)
    )
    late = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.director, due_date=today - timedelta(days=2)
    )
    reminders_send(kinds=KINDS)
    assert _sent("roadmap_due_soon", soon) == [(users.director.pk, today + timedelta(days=5))]
    assert _sent("roadmap_overdue", late) == [(users.director.pk, today - timedelta(days=2))]
    for item, days in ((soon, 1), (late, -40)):
        item.due_date = today + timedelta(days=days)
        item.start_date = min(item.start_date, item.due_date)
        item.save()
    reminders_send(kinds=KINDS)
    assert _sent("roadmap_due_soon", soon) == [
        (users.director.pk, today + timedelta(days=1)),
        (users.director.pk, today + timedelta(days=5)),
    ]
    assert _sent("roadmap_overdue", late) == [
        (users.director.pk, today - timedelta(days=40)),
        (users.director.pk, today - timedelta(days=2)),
    ]
    # 40 days overdue: the school's curator and the municipality's methodologist too
    assert {r for r, _ in _sent("roadmap_escalation", late)} == {
        users.curator.pk,
        users.methodologist.pk,
    }
    assert reminders_send(kinds=KINDS).emails == 0


def test_an_item_that_became_due_while_a_run_was_in_progress_goes_with_the_next(world, users):
    today = timezone.localdate()
    roadmap = RoadmapFactory(organisation=world.school)
    RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.director, due_date=today + timedelta(days=2)
    )
    during = []
    recipients = services._recipients

    def meanwhile(ids):  # after the selectors read, before the letters go
        if not during:
            during.append(
                RoadmapItemFactory(
                    roadmap=roadmap,
                    responsible_user=users.curator,
                    due_date=today + timedelta(days=3),
                )
            )
        return recipients(ids)

    with mock.patch.object(services, "_recipients", meanwhile):
        assert reminders_send(kinds=["roadmap_due_soon"]).emails == 1
    assert _sent("roadmap_due_soon", during[0]) == []
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 1
    assert _sent("roadmap_due_soon", during[0]) == [(users.curator.pk, today + timedelta(days=3))]


def test_a_change_committed_after_the_run_read_is_within_the_margin(world, users):
    """Saved before the last run started but committed after it read: ``MARGIN`` covers it."""
    today = timezone.localdate()
    roadmap = RoadmapFactory(organisation=world.school)
    reminders_send(kinds=["roadmap_overdue"])
    started = watermark.reminders_since("roadmap_overdue", today).moment + watermark.MARGIN
    item = RoadmapItemFactory(
        roadmap=roadmap, responsible_user=users.director, due_date=today - timedelta(days=1)
    )
    RoadmapItem.objects.filter(pk=item.pk).update(updated_at=started - timedelta(minutes=1))
    assert reminders_send(kinds=["roadmap_overdue"]).emails == 1
    assert _sent("roadmap_overdue", item) == [(users.director.pk, today - timedelta(days=1))]


def test_a_refused_letter_is_retried_by_the_next_run(world, users, settings):
    today = timezone.localdate()
    item = RoadmapItemFactory(
        roadmap=RoadmapFactory(organisation=world.school),
        responsible_user=users.director,
        due_date=today + timedelta(days=2),
    )

    class Refusing:
        def __init__(self, *args, **kwargs):
            pass

        def send_messages(self, messages):
            raise smtplib.SMTPServerDisconnected("closed")

    with mock.patch("network_portal.notifications.services.get_connection", Refusing):
        assert reminders_send(kinds=["roadmap_due_soon"]).failed == 1
    _age(item, 120)
    assert watermark.reminders_since("roadmap_due_soon", today) is not None
    assert reminders_send(kinds=["roadmap_due_soon"]).emails == 1
    assert _sent("roadmap_due_soon", item) == [(users.director.pk, today + timedelta(days=2))]
    assert len(mail.outbox) == 1


def test_people_changed_make_the_next_run_a_full_sweep(world, users):
    """A director appointed, a kind switched back on: no item changed, the pairs are new."""
    today = timezone.localdate()
    school = world.school
    item = RoadmapItemFactory(
        roadmap=RoadmapFactory(organisation=school), due_date=today - timedelta(days=2)
    )
    NotificationPreference.objects.create(user=users.director, disabled_kinds=["roadmap_overdue"])
    reminders_send(kinds=["roadmap_overdue"])
    assert _sent("roadmap_overdue", item) == []
    _age(item, 120)
    assert watermark.reminders_since("roadmap_overdue", today) is not None
    deputy = UserFactory()
    RoleAssignmentFactory(user=deputy, role=Role.DIRECTOR, organisation=school)
    assert watermark.reminders_since("roadmap_overdue", today) is None
    reminders_send(kinds=["roadmap_overdue"])
    assert [r for r, _ in _sent("roadmap_overdue", item)] == [deputy.pk]
    assert watermark.reminders_since("roadmap_overdue", today) is not None
    services.preference_set(user=users.director, disabled_kinds=[])
    reminders_send(kinds=["roadmap_overdue"])
    assert sorted(r for r, _ in _sent("roadmap_overdue", item)) == sorted(
        [deputy.pk, users.director.pk]
    )


def test_a_run_that_raises_records_no_watermark(world, users):
    today = timezone.localdate()
    with (
        mock.patch.object(services, "_recipients", side_effect=RuntimeError("database gone")),
        pytest.raises(RuntimeError),
    ):
        RoadmapItemFactory(
            roadmap=RoadmapFactory(organisation=world.school),
            responsible_user=users.director,
            due_date=today + timedelta(days=2),
        )
        reminders_send(kinds=["roadmap_due_soon"])
    assert watermark.reminders_since("roadmap_due_soon", today) is None


def test_off_with_a_per_process_cache(settings, world, users):
    settings.REMINDERS_INCREMENTAL = False
    reminders_send(kinds=KINDS)
    assert watermark.reminders_since("roadmap_overdue", timezone.localdate()) is None


def test_items_that_entered_a_window_since_the_last_runs_day_are_read(world, users):
    """A later day of the same week: no item changed, but some became overdue, due within a
    week, or two weeks overdue (the curator's escalation) since the last run's day."""
    monday = timezone.localdate() - timedelta(days=timezone.localdate().weekday())
    wednesday = monday + timedelta(days=2)
    roadmap = RoadmapFactory(organisation=world.school)

    def item(days):
        return RoadmapItemFactory(
            roadmap=roadmap,
            responsible_user=users.director,
            start_date=monday - timedelta(days=60),
            due_date=monday + timedelta(days=days),
        )

    overdue, soon, escalated = item(1), item(9), item(-13)
    for it in (overdue, soon, escalated):
        _age(it, 120)
    reminders_send(today=monday, kinds=KINDS)
    assert _sent("roadmap_overdue", overdue) == _sent("roadmap_due_soon", soon) == []
    assert _sent("roadmap_escalation", escalated) == []
    for kind in KINDS:
        assert watermark.reminders_since(kind, wednesday).day == monday
    reminders_send(today=wednesday, kinds=KINDS)
    assert _sent("roadmap_overdue", overdue) == [(users.director.pk, overdue.due_date)]
    assert _sent("roadmap_due_soon", soon) == [(users.director.pk, soon.due_date)]
    assert _sent("roadmap_escalation", escalated) == [(users.curator.pk, escalated.due_date)]
    assert reminders_send(today=wednesday, kinds=KINDS).emails == 0
