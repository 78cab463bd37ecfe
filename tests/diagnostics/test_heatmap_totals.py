"""The heatmap's totals (schools, with a profile, highs per factor) are kept under a version of
the data they come from (issue 17): a page reads only its own rows, and every change that
moves a total shows on the next page at once, equal to a count over every school."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from diagnostics.selectors import heatmap_data
from schools.models import CategoryAssignment
from tests.factories import OrganisationFactory

from .factories import CycleFactory, profile_with_levels

pytestmark = pytest.mark.django_db


def figures(heatmap) -> tuple:
    return heatmap.total, heatmap.with_profile, heatmap.highs


def assert_agrees(world, **filters) -> None:
    """Page 1 (kept totals) against every row counted (the XLSX path, read live)."""
    paged = heatmap_data(municipality=world.mun, per_page=4, page_number=1, **filters)
    every = heatmap_data(municipality=world.mun, per_page=None, **filters)
    assert figures(paged) == figures(every)
    assert [r.school.pk for r in paged.rows] == [r.school.pk for r in every.rows[:4]]


def schools(world, n: int, cycle=None) -> list:
    made = []
    for i in range(n):
        school = OrganisationFactory(municipality=world.mun, short_name=f"Школа {i:03d}")
        if i % 4 != 3:  # some without a profile
            levels = {c: ("high", "medium", "low")[(c + i) % 3] for c in range(1, 11)}
            profile_with_levels(school, levels, cycle=cycle if i % 2 else None)
        if i % 3 == 0:
            CategoryAssignment.objects.create(organisation=school, year=2026, category="risk")
        made.append(school)
    return made


@pytest.mark.parametrize("n", [3, 11, 26])
def test_page_totals_equal_a_count_over_every_school_after_each_change(world, n):
    cycle = CycleFactory(municipality=world.mun)
    made = schools(world, n, cycle=cycle)
    for filters in ({}, {"category": "risk"}, {"cycle": cycle}):
        assert_agrees(world, **filters)
    # a new profile: every factor high; the first school had none
    profile_with_levels(made[-1], dict.fromkeys(range(1, 11), "high"))
    assert_agrees(world)
    # a category assigned, one withdrawn (no longer current)
    CategoryAssignment.objects.create(organisation=made[1], year=2026, category="risk")
    assert_agrees(world, category="risk")
    assignment = CategoryAssignment.objects.filter(organisation=made[0]).first()
    assignment.is_current = False
    assignment.save()
    assert_agrees(world, category="risk")
    # a school closed, another opened, one deleted
    made[2].is_active = False
    made[2].save()
    OrganisationFactory(municipality=world.mun, short_name="Школа новая")
    made[-1].delete()
    for filters in ({}, {"category": "risk"}, {"cycle": cycle}):
        assert_agrees(world, **filters)


def test_a_new_profile_moves_the_totals_at_once(world):
    made = schools(world, 5)
    before = heatmap_data(municipality=world.mun, per_page=2, page_number=1)
    profile_with_levels(made[3], dict.fromkeys(range(1, 11), "high"))  # made[3] had none
    after = heatmap_data(municipality=world.mun, per_page=2, page_number=1)
    assert after.with_profile == before.with_profile + 1
    assert after.highs == [h + 1 for h in before.highs]


@pytest.mark.parametrize("n", [3, 30])
def test_a_page_with_kept_totals_reads_the_same_queries_whatever_the_size(world, n):
    schools(world, n)
    heatmap_data(municipality=world.mun, per_page=2, page_number=1)  # counts, keeps
    with CaptureQueriesContext(connection) as page:
        heatmap = heatmap_data(municipality=world.mun, per_page=2, page_number=2)
    # the version, the factors, the page's rows, their profiles and levels
    assert len(page.captured_queries) == 5
    assert heatmap.total == n + 2  # + world.school and world.leader


def test_page_numbers_past_the_end_or_invalid_show_as_paginator_does(world):
    schools(world, 7)
    for number, shown in (("99", 3), ("0", 3), ("x", 1), (None, 1), ("2", 2)):
        assert heatmap_data(municipality=world.mun, per_page=4, page_number=number).page.number == (
            shown
        )
