"""Matching one school on the region's precomputed candidate rows (issue 17) gives exactly the
matches, reasons and order of ranking every candidate, and sees a change at once."""

import random
from decimal import Decimal

import pytest
from django.core.cache import cache

from diagnostics.models import RiskFactor
from partnerships import matching, selectors
from partnerships.models import MatchingSettings
from schools.models import Category, Organisation, OrganisationKind
from tests.factories import MunicipalityFactory, OrganisationFactory

from .factories import ProviderProfileFactory, StrengthFactory, category, pair, profile

LEVELS = ("high", "medium", "low")


@pytest.fixture
def region(world):
    """60 organisations in three municipalities (one with a centroid only, one with nothing):
    random profiles, categories, declared strengths, capacities and open partnerships."""
    rng = random.Random(17)
    world.mun.latitude, world.mun.longitude = Decimal("55.75"), Decimal("37.61")
    world.mun.save()
    third = MunicipalityFactory(region=world.region, name="Третий район")
    orgs = []
    for i in range(60):
        mun = (world.mun, world.other_mun, third)[i % 3]
        own_point = mun != third and rng.random() < 0.6
        org = OrganisationFactory(
            municipality=mun,
            short_name=f"Школа {i % 20}",  # names repeat: the tie-break goes on to the id
            kind=OrganisationKind.COLLEGE if i % 10 == 9 else OrganisationKind.SCHOOL,
            latitude=Decimal(f"{55 + rng.random():.6f}") if own_point else None,
            longitude=Decimal(f"{37 + rng.random():.6f}") if own_point else None,
        )
        orgs.append(org)
        if rng.random() < 0.85:
            profile(org, {code: rng.choice(LEVELS) for code in range(1, 11)})
        roll = rng.random()
        if roll < 0.15:
            category(org, Category.LEADER)
        elif roll < 0.3:
            category(org, rng.choice([Category.SHNOR, Category.RISK]))
        if rng.random() < 0.2:
            StrengthFactory(
                organisation=org, factor=RiskFactor.objects.get(code=rng.randint(1, 10))
            )
        if rng.random() < 0.25:
            ProviderProfileFactory(organisation=org, capacity=rng.randint(0, 4))
    school = world.school
    category(school, Category.SHNOR)
    profile(school, {1: "high", 3: "high", 5: "medium", 7: "medium", 9: "high", 2: "low"})
    for provider in orgs[:6]:
        pair(supported=orgs[10], provider=provider, status="active")
    pair(supported=school, provider=orgs[7], status="proposed")
    world.orgs = orgs
    return world


def _full(organisation, top):
    """Every candidate of the region ranked the old way (``matching_candidates``)."""
    config = selectors.matching_config(region_id=organisation.municipality.region_id)
    candidates = selectors.matching_candidates(
        organisations=Organisation.objects.filter(
            municipality__region_id=organisation.municipality.region_id
        ),
        default_capacity=config.default_capacity,
    )
    return matching.rank_candidates(
        school=selectors.matching_school(organisation=organisation),
        candidates=candidates,
        weights=config.weights,
        factor_names=selectors.factor_names(),
        top=top,
    )


def _seen(matches):
    return [(m.candidate, m.score, m.covered, m.distance_km, m.reasons) for m in matches]


@pytest.mark.parametrize("top", [1, 5, 15, None])
def test_the_same_matches_in_the_same_order_as_ranking_every_candidate(region, top):
    school = Organisation.objects.select_related("municipality").get(pk=region.school.pk)
    full = _full(school, top)
    assert len(full) >= (top or 20)
    _needs, ranked = selectors.partner_suggestions(organisation=school, top=top)
    assert _seen(ranked) == _seen(full)


def test_the_same_with_a_distance_limit_and_other_weights(region):
    school = Organisation.objects.select_related("municipality").get(pk=region.school.pk)
    unlimited = len(_full(school, None))
    MatchingSettings.objects.create(
        region=region.region,
        distance_limit_km=Decimal("60"),
        weight_load=Decimal("3.5"),
        derived_share=Decimal("0.7"),
        default_capacity=1,
    )
    full = _full(school, None)
    assert 0 < len(full) < unlimited  # the limit leaves some out
    _needs, ranked = selectors.partner_suggestions(organisation=school, top=None)
    assert _seen(ranked) == _seen(full)
    _needs, ranked = selectors.partner_suggestions(organisation=school, top=3)
    assert _seen(ranked) == _seen(full[:3])


def test_the_page_lists_the_same_uncovered_risks(region):
    school = Organisation.objects.select_related("municipality").get(pk=region.school.pk)
    covered = {code for m in _full(school, None) for code in m.factor_codes}
    page = selectors.suggestion_page(organisation=school)
    high = {f.code for f, level in page["needs"] if level == "high"}
    assert {f.code for f in page["uncovered"]} == high - covered
    assert _seen(page["matches"]) == _seen(_full(school, 15))


def test_one_provider_only_gives_its_own_match(region):
    school = Organisation.objects.select_related("municipality").get(pk=region.school.pk)
    full = _full(school, None)
    wanted = full[4].candidate.id
    _needs, ranked = selectors.partner_suggestions(
        organisation=school, top=None, candidate_ids=[wanted]
    )
    assert _seen(ranked) == _seen([full[4]])


def test_a_new_profile_a_category_or_a_moved_school_is_seen_at_once(region):
    school = Organisation.objects.select_related("municipality").get(pk=region.school.pk)
    selectors.partner_suggestions(organisation=school, top=5)  # the rows are now cached
    newcomer = OrganisationFactory(municipality=region.mun, short_name="Новая школа")
    profile(newcomer, dict.fromkeys(range(1, 11), "low"))
    category(newcomer, Category.LEADER)
    _needs, ranked = selectors.partner_suggestions(organisation=school, top=5)
    assert ranked[0].candidate.id == newcomer.pk
    assert _seen(ranked) == _seen(_full(school, 5))
    category(newcomer, Category.SHNOR, year=2027)  # supported now: its low risks count no more
    _needs, ranked = selectors.partner_suggestions(organisation=school, top=5)
    assert newcomer.pk not in [m.candidate.id for m in ranked]
    assert _seen(ranked) == _seen(_full(school, 5))
    first = region.orgs[0]
    first.latitude, first.longitude = Decimal("10.0"), Decimal("10.0")
    first.save()
    _needs, ranked = selectors.partner_suggestions(organisation=school, top=None)
    assert _seen(ranked) == _seen(_full(school, None))


def test_a_constant_number_of_queries_once_the_rows_are_cached(
    region, django_assert_max_num_queries
):
    school = Organisation.objects.select_related("municipality").get(pk=region.school.pk)
    cache.clear()
    selectors.partner_suggestions(organisation=school, top=10)
    with django_assert_max_num_queries(14):
        selectors.partner_suggestions(organisation=school, top=10)


def test_the_beat_task_reads_the_rows_again_after_a_change(region, django_assert_max_num_queries):
    from django.conf import settings

    from partnerships.tasks import warm_candidates

    assert (
        settings.CELERY_BEAT_SCHEDULE["warm-candidates"]["task"] == "partnerships.warm_candidates"
    )
    school = Organisation.objects.select_related("municipality").get(pk=region.school.pk)
    profile(region.orgs[3], dict.fromkeys(range(1, 11), "low"))  # a change: new version
    assert warm_candidates() == Organisation.objects.filter(is_active=True).count()
    with django_assert_max_num_queries(14):  # the rows are ready: no region-wide read
        selectors.partner_suggestions(organisation=school, top=10)
