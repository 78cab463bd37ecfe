"""The impact page's and the coordinator panel's aggregates (issue 17): kept per municipality
(impact) and per region (coordinator) by the beat task, they give exactly the figures read
live; the pages say when they were read and how old they may be."""

import random
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from reports import aggregates
from reports.dashboards import coordinator_rows_live
from reports.impact import impact_load, impact_series, impact_table
from reports.tasks import refresh_figures
from schools.models import Municipality
from tests.factories import MunicipalityFactory, OrganisationFactory

from .factories import (
    AssessmentResultFactory,
    CategoryAssignmentFactory,
    PartnershipFactory,
    PartnershipMemberFactory,
)


def _region(world):
    """Three municipalities, schools supported or not, some in partnerships, results of two
    kinds over four years with averages of two decimals (math, profile math, Russian)."""
    rng = random.Random(17)
    third = MunicipalityFactory(region=world.region, name="Третий район")
    for i in range(24):
        mun = (world.mun, world.other_mun, third)[i % 3]
        school = OrganisationFactory(municipality=mun)
        if i % 2:
            CategoryAssignmentFactory(organisation=school, category="shnor")
        if i % 4 == 1:
            PartnershipMemberFactory(
                partnership=PartnershipFactory(municipality=mun, status="active"),
                organisation=school,
            )
        for year in (2022, 2023, 2024, 2025, 2026, 2027)[i % 2 :]:
            for kind, subject in (("oge", "math"), ("oge", "russian"), ("ege", "math_profile")):
                participants = rng.choice([0, *range(10, 91)])
                AssessmentResultFactory(
                    organisation=school,
                    year=year,
                    kind=kind,
                    subject=subject,
                    participants=participants,
                    average_score=f"{rng.uniform(2.5, 80):.2f}",
                    below_threshold=None
                    if participants == 0 or rng.random() < 0.2
                    else rng.randint(0, 9),
                )
    return third


def _live(municipality_ids, kind):
    loaded = impact_load(municipality_ids=municipality_ids, kind=kind)
    series = impact_series(rows=loaded["rows"], groups=loaded["groups"], years=loaded["years"])
    return {
        "years": loaded["years"],
        "series": series,
        "table": impact_table(series, loaded["years"]),
        "group_sizes": {k: len(v) for k, v in loaded["groups"].items()},
    }


def test_impact_aggregates_give_exactly_the_live_figures(world):
    _region(world)
    refresh_figures()
    region_ids = list(Municipality.objects.filter(region=world.region).values_list("pk", flat=True))
    territories = [region_ids, *([m] for m in region_ids), region_ids[:2]]
    for kind in ("oge", "ege"):
        for ids in territories:
            stored = aggregates.impact_figures(municipality_ids=ids, kind=kind)
            live = _live(ids, kind)
            assert live["years"], (kind, ids)
            assert {k: stored[k] for k in live} == live, (kind, ids)


def test_impact_aggregates_are_read_from_the_cache_and_refreshed_by_beat(
    world, django_assert_max_num_queries
):
    _region(world)
    ids = [world.mun.pk, world.other_mun.pk]
    first = aggregates.impact_figures(municipality_ids=ids, kind="oge")
    with django_assert_max_num_queries(0):
        again = aggregates.impact_figures(municipality_ids=ids, kind="oge")
    assert again == first
    # a new result: the stored figures keep the old numbers until the beat task runs
    AssessmentResultFactory(
        organisation=OrganisationFactory(municipality=world.mun),
        year=2027,
        average_score="99.99",
        participants=80,
    )
    assert aggregates.impact_figures(municipality_ids=ids, kind="oge") == first
    refresh_figures()
    refreshed = aggregates.impact_figures(municipality_ids=ids, kind="oge")
    assert refreshed != first
    assert {k: refreshed[k] for k in ("years", "series", "group_sizes")} == {
        k: v for k, v in _live(ids, "oge").items() if k != "table"
    }
    assert refreshed["computed_at"] >= first["computed_at"]


def test_coordinator_aggregate_gives_the_live_rows_and_is_refreshed_by_beat(world, users):
    _region(world)
    stored = aggregates.coordinator_rows(region_ids=[world.region.pk])
    assert stored["rows"] == coordinator_rows_live(region_ids=[world.region.pk])
    PartnershipFactory(municipality=world.mun, status="active")
    assert aggregates.coordinator_rows(region_ids=[world.region.pk])["rows"] == stored["rows"]
    refresh_figures()
    refreshed = aggregates.coordinator_rows(region_ids=[world.region.pk])
    assert refreshed["rows"] != stored["rows"]
    assert refreshed["rows"] == coordinator_rows_live(region_ids=[world.region.pk])


def test_an_entry_left_unrefreshed_expires_and_is_read_again(world):
    _region(world)
    aggregates.coordinator_rows(region_ids=[world.region.pk])
    key = aggregates._coordinator_key(world.region.pk)
    assert cache.get(key) is not None
    cache.delete(key)  # what KEEP_FOR does when beat has stopped
    PartnershipFactory(municipality=world.mun, status="active")
    rows = aggregates.coordinator_rows(region_ids=[world.region.pk])["rows"]
    assert rows == coordinator_rows_live(region_ids=[world.region.pk])


def test_the_beat_refreshes_more_often_than_entries_expire():
    entry = settings.CELERY_BEAT_SCHEDULE["refresh-figures"]
    assert entry["task"] == "reports.refresh_figures"
    assert entry["schedule"] == aggregates.REFRESH_EVERY
    assert aggregates.KEEP_FOR >= 2 * aggregates.REFRESH_EVERY
    assert timedelta(minutes=15) >= aggregates.KEEP_FOR


def test_the_pages_say_when_and_how_old(world, users, client_for):
    _region(world)
    text = "пересчитываются каждые 5 минут, не старше 15 минут"
    impact = client_for(users.coordinator).get(reverse("reports:impact")).content.decode()
    assert 'id="impact-as-of"' in impact and "Данные на" in impact and text in impact
    home = client_for(users.coordinator).get(reverse("ui:home")).content.decode()
    assert "Данные на" in home and text in home
