"""Deleting a roadmap deletes its items with it: its school's kept counts are recounted once,
not once per item (issue 17), in the same number of queries whatever the number of items —
but for the history's record of each deleted item."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from roadmaps.models import Roadmap, RoadmapItem, SchoolCounts
from tests.factories import OrganisationFactory

from .factories import RoadmapFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db


def _delete_a_roadmap_with(world, n: int, *, as_queryset: bool) -> list[str]:
    school = OrganisationFactory(municipality=world.mun)
    roadmap = RoadmapFactory(organisation=school)
    today = timezone.localdate()
    for _ in range(n):
        RoadmapItemFactory(
            roadmap=roadmap, start_date=today - timedelta(days=20), due_date=today - timedelta(1)
        )
    assert SchoolCounts.objects.get(organisation=school).n_overdue == n
    with CaptureQueriesContext(connection) as deleting:
        if as_queryset:
            Roadmap.objects.filter(organisation=school).delete()
        else:
            roadmap.delete()
    kept = SchoolCounts.objects.get(organisation=school)
    assert (kept.n_roadmaps, kept.n_overdue) == (0, 0)
    return [q["sql"] for q in deleting.captured_queries]


@pytest.mark.parametrize("as_queryset", [False, True])
def test_deleting_a_roadmap_recounts_its_school_once_whatever_its_items(world, as_queryset):
    small = _delete_a_roadmap_with(world, 2, as_queryset=as_queryset)
    large = _delete_a_roadmap_with(world, 12, as_queryset=as_queryset)
    counts = SchoolCounts._meta.db_table
    history = RoadmapItem.history.model._meta.db_table

    def deletes(queries):
        return [q for q in queries if q.lstrip().upper().startswith("DELETE")]

    def counting(queries):
        return [q for q in queries if counts in q]

    def not_history(queries):
        return [q for q in queries if history not in q]

    assert len(deletes(large)) == len(deletes(small))
    assert len(counting(large)) == len(counting(small))
    assert len(not_history(large)) == len(not_history(small))
