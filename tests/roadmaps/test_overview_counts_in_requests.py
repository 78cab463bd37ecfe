"""A page request never runs the overview's full recount (issue 17: ≈ 4 s at 20,000 schools):
beat's ``roadmaps.keep_counts`` does it; a request with stale counts does at most the day's
change (the schools with an item due since the last day counted) and reads what is kept."""

from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from roadmaps import counts
from roadmaps.models import CountsDay, SchoolCounts
from roadmaps.tasks import keep_counts
from tests.factories import OrganisationFactory

from .factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


def _school_with_item_due(world, due):
    school = OrganisationFactory(municipality=world.mun)
    RoadmapItemFactory(
        roadmap__organisation=school, start_date=due - timedelta(days=30), due_date=due
    )
    return school


def test_a_request_in_a_new_week_does_the_days_change_not_the_full_count(world, users, client_for):
    school = _school_with_item_due(world, timezone.localdate() + timedelta(days=3))
    keep_counts()  # beat: this week's full count
    with time_machine.travel(timezone.now() + timedelta(days=8)):  # another ISO week
        client = client_for(users.methodologist)
        with mock.patch.object(counts, "counts_rebuild", wraps=counts.counts_rebuild) as full:
            response = client.get(reverse("roadmaps:overview"))
            client.get(reverse("roadmaps:overview"), {"format": "xlsx"})
        full.assert_not_called()
        assert response.context["totals"]["overdue"] == 1  # the day's change, from the index
        assert SchoolCounts.objects.get(organisation=school).n_overdue == 1
        assert CountsDay.objects.get().day == timezone.localdate()
        with mock.patch.object(counts, "counts_rebuild", wraps=counts.counts_rebuild) as full:
            keep_counts()  # beat's next run: the week's full count
        full.assert_called_once()
        assert CountsDay.objects.get().counted_on == timezone.localdate()


def test_a_request_before_any_count_reads_what_is_kept_and_leaves_the_count_to_beat(
    world, users, client_for
):
    _school_with_item_due(world, timezone.localdate() - timedelta(days=2))
    SchoolCounts.objects.all().delete()  # as after the migration
    CountsDay.objects.all().delete()
    client = client_for(users.methodologist)
    with mock.patch.object(counts, "counts_rebuild", wraps=counts.counts_rebuild) as full:
        response = client.get(reverse("roadmaps:overview"))
    full.assert_not_called()
    assert response.context["totals"]["overdue"] == 0  # nothing counted yet
    assert CountsDay.objects.get().counted_on is None
    keep_counts()
    response = client.get(reverse("roadmaps:overview"))
    assert response.context["totals"]["overdue"] == 1


def test_a_request_with_the_days_counts_reads_only_the_marker(
    world, users, client_for, django_assert_num_queries
):
    _school_with_item_due(world, timezone.localdate() - timedelta(days=2))
    keep_counts()
    with django_assert_num_queries(1):  # the marker's index read, nothing counted
        counts.counts_for_today(full=False)
    with django_assert_num_queries(1):
        counts.counts_for_today(full=True)
