"""The overview's per-school counts are kept, not counted per request (issue 17): after any change
— an item saved, closed, deleted, a roadmap created or deleted, a concern raised or resolved,
items created in bulk, the day's change — the overview's order and totals are those of a live
count over every school's items, at once."""

from datetime import timedelta

import pytest
import time_machine
from django.db.models import Count, Exists, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from roadmaps import counts, services
from roadmaps.figures import item_filters
from roadmaps.models import (
    CountsDay,
    EngagementConcern,
    Roadmap,
    RoadmapItem,
    SchoolCounts,
)
from roadmaps.selectors import overview_page, overview_schools
from schools.figures import supported_school_ids
from schools.models import Organisation
from tests.factories import OrganisationFactory
from tests.reports.factories import CategoryAssignmentFactory

from .factories import RoadmapFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db


def _count(queryset) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset``, 0 if none (the overview's former count)."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(group=Value(1)).annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def live_overview(user) -> list[tuple[int, int, int]]:
    """The overview as it was counted per request before the counts were kept: (school,
    open concerns, overdue items) in its order, every figure from the items themselves."""
    from network_portal.access.policy import organisation_q, scope_for
    from roadmaps.selectors import OVERVIEW_ROLES

    schools = Organisation.objects.filter(organisation_q(scope_for(user), roles=OVERVIEW_ROLES))
    concerns = EngagementConcern.objects.filter(
        organisation_id=OuterRef("pk"), resolved_at__isnull=True
    )
    overdue = RoadmapItem.objects.filter(
        item_filters()["overdue"], roadmap__organisation_id=OuterRef("pk")
    )
    rows = (
        schools.filter(
            Exists(Roadmap.objects.filter(organisation_id=OuterRef("pk")))
            | Exists(concerns)
            | Q(pk__in=supported_school_ids(organisations=schools))
        )
        .annotate(n_concerns=_count(concerns), n_overdue=_count(overdue))
        .order_by("-n_concerns", "-n_overdue", "short_name", "pk")
    )
    return list(rows.values_list("pk", "n_concerns", "n_overdue"))


def kept_overview(user) -> list[tuple[int, int, int]]:
    return list(overview_schools(user=user).values_list("pk", "n_concerns", "n_overdue"))


def assert_page_agrees(user, per_page: int = 7) -> None:
    live = live_overview(user)
    assert kept_overview(user) == live
    _page, rows, totals = overview_page(user=user, per_page=per_page, page_number=1)
    assert [row["organisation"].pk for row in rows] == [pk for pk, _c, _o in live[:per_page]]
    assert totals == {
        "schools": len(live),
        "overdue": sum(o for _pk, _c, o in live),
        "concerns": sum(c for _pk, c, _o in live),
    }


def region(world, n: int) -> list[Organisation]:
    """``n`` schools of the methodologist's municipality: roadmaps with items due in the past,
    today and later, some done or cancelled; a third supported without a roadmap."""
    today = timezone.localdate()
    schools = []
    for k in range(n):
        school = OrganisationFactory(municipality=world.mun, short_name=f"Школа {k:03d}")
        schools.append(school)
        if k % 3 == 2:
            CategoryAssignmentFactory(organisation=school, category="shnor")
            continue
        roadmap = RoadmapFactory(organisation=school)
        for i in range(k % 5):
            RoadmapItemFactory(
                roadmap=roadmap,
                start_date=today - timedelta(days=40),
                due_date=today + timedelta(days=(i - 2) * (k % 4)),
                status=("planned", "in_progress", "done", "cancelled")[(i + k) % 4],
            )
    return schools


@pytest.mark.parametrize("n", [4, 13, 31])
def test_kept_counts_order_and_total_like_a_live_count_after_every_change(world, users, n):
    user = users.methodologist
    schools = region(world, n)
    assert_page_agrees(user)
    # an item closed, one reopened past its due date, one deleted
    item = RoadmapItem.objects.filter(status="in_progress").order_by("pk").first()
    if item:
        item.status = "done"
        item.save()
    item = RoadmapItem.objects.filter(status="done").order_by("-pk").first()
    if item:
        item.status = "planned"
        item.due_date = timezone.localdate() - timedelta(days=1)
        item.save()
    RoadmapItem.objects.order_by("pk").last().delete()
    assert_page_agrees(user)
    # concerns raised (one on a school without a roadmap) and one resolved
    raised = [
        services.concern_raise(organisation=school, user=user, text="Не выходит на связь")
        for school in schools[1::4]
    ]
    assert_page_agrees(user)
    services.concern_resolve(concern=raised[0], user=user, resolution="Связались")
    assert_page_agrees(user)
    # a roadmap deleted with its items; a new one with an overdue item
    Roadmap.objects.filter(organisation=schools[0]).delete()
    RoadmapItemFactory(
        roadmap=RoadmapFactory(organisation=schools[-1]),
        start_date=timezone.localdate() - timedelta(days=9),
        due_date=timezone.localdate() - timedelta(days=3),
    )
    assert_page_agrees(user)
    # a school deleted with its roadmaps and concerns
    schools[1].delete()
    assert_page_agrees(user)


def test_a_concern_raised_moves_the_school_up_at_once(world, users, client_for):
    schools = region(world, 9)
    client = client_for(users.methodologist)
    last = client.get(reverse("roadmaps:overview")).context["rows"][-1]["organisation"]
    services.concern_raise(organisation=last, user=users.methodologist, text="Молчит")
    response = client.get(reverse("roadmaps:overview"))
    assert response.context["rows"][0]["organisation"] == last
    assert response.context["totals"]["concerns"] == 1
    assert len(schools) == 9


def test_items_created_in_bulk_are_counted(world, users):
    school = OrganisationFactory(municipality=world.mun)
    roadmap = RoadmapFactory(organisation=school)
    RoadmapItem.objects.bulk_create(  # what the service's bulk creation does, without signals
        [
            RoadmapItem(
                roadmap=roadmap,
                task="Просрочено",
                measure="—",
                start_date=timezone.localdate() - timedelta(days=9),
                due_date=timezone.localdate() - timedelta(days=2),
                responsible_organisation=school,
            )
        ]
    )
    counts.counts_refresh(organisation_ids=[school.pk], fields=("n_overdue",))
    assert SchoolCounts.objects.get(organisation=school).n_overdue == 1
    assert_page_agrees(users.methodologist)


def test_an_item_becomes_overdue_the_next_day_without_a_write(world, users, client_for):
    today = timezone.localdate()
    late, early = (OrganisationFactory(municipality=world.mun) for _ in range(2))
    for school, due in ((late, today), (early, today + timedelta(days=5))):
        RoadmapItemFactory(
            roadmap__organisation=school, start_date=today - timedelta(days=9), due_date=due
        )
    client = client_for(users.methodologist)
    assert client.get(reverse("roadmaps:overview")).context["totals"]["overdue"] == 0
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        client = client_for(users.methodologist)  # a new session: the old one has expired
        response = client.get(reverse("roadmaps:overview"))
        assert response.context["totals"]["overdue"] == 1
        assert response.context["rows"][0]["organisation"] == late
        assert CountsDay.objects.get().day == today + timedelta(days=1)
        assert_page_agrees(users.methodologist)
    with time_machine.travel(timezone.now() + timedelta(days=6)):  # and days further on
        client = client_for(users.methodologist)
        assert client.get(reverse("roadmaps:overview")).context["totals"]["overdue"] == 2
        assert_page_agrees(users.methodologist)


def test_a_change_no_signal_sees_is_counted_in_the_first_read_of_the_week(world, users):
    school = region(world, 1)[0]
    item = RoadmapItemFactory(roadmap=school.roadmaps.get())
    assert_page_agrees(users.methodologist)
    RoadmapItem.objects.filter(pk=item.pk).update(  # no signal
        start_date=timezone.localdate() - timedelta(days=20),
        due_date=timezone.localdate() - timedelta(days=10),
    )
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        assert_page_agrees(users.methodologist)
        assert SchoolCounts.objects.get(organisation=school).n_overdue == 1


def test_the_first_read_counts_every_school(world, users):
    region(world, 8)
    SchoolCounts.objects.all().delete()  # as after the migration
    CountsDay.objects.all().delete()
    assert_page_agrees(users.methodologist)
    assert SchoolCounts.objects.exists()


def test_the_beat_task_brings_the_counts_to_the_day_ahead_of_a_request(world, users):
    from roadmaps.tasks import keep_counts

    school = OrganisationFactory(municipality=world.mun)
    RoadmapItemFactory(
        roadmap__organisation=school,
        start_date=timezone.localdate() - timedelta(days=9),
        due_date=timezone.localdate(),
    )
    keep_counts()
    assert SchoolCounts.objects.get(organisation=school).n_overdue == 0
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        keep_counts()
        assert CountsDay.objects.get().day == timezone.localdate()
        assert SchoolCounts.objects.get(organisation=school).n_overdue == 1
