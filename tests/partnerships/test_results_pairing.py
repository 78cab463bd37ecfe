"""A region with results alone (no self-diagnosis): categories from the published rule, then
suggestions and a cross-municipality plan from the weak and strong cells (issue 14)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from partnerships import services
from partnerships.models import MatchingSettings, PairingPlan
from partnerships.selectors import partner_suggestions
from schools.models import AssessmentResult, CategoryAssignment, CategoryRules
from schools.services import categories_recompute
from tests.factories import MunicipalityFactory, OrganisationFactory

RULE = {
    "cell_kinds": ["vpr"],
    "cell_grades": [4, 5],
    "cell_subjects": ["math", "russian"],
    "min_participants": 10,
    "window_years": 1,
    "shnor_share_below": 30,
    "shnor_subjects_min": 2,
    "shnor_years_min": 1,
    "leader_years": 1,
    "leader_max_share_below": 0,
    "leader_share_4_5_min": 60,
}


def _cells(org, twos_by_cell, participants=30, fives=20):
    rows = []
    for (grade, subject), twos in twos_by_cell.items():
        good = 0 if twos else fives
        rows.append(
            AssessmentResult(
                organisation=org,
                year=2021,
                kind="vpr",
                grade=grade,
                subject=subject,
                participants=participants,
                count_2=twos,
                count_3=participants - twos - good,
                count_4=good // 2,
                count_5=good - good // 2,
            )
        )
    AssessmentResult.objects.bulk_create(rows)


ALL = [(4, "math"), (4, "russian"), (5, "math"), (5, "russian")]


@pytest.fixture
def region(world):
    """ШНОР schools in world.mun (no coordinates of their own: the centroid is used), leaders
    of results in two other municipalities with centroids 30 and 200 km away."""
    world.mun.latitude, world.mun.longitude = Decimal("55.75"), Decimal("37.62")
    world.mun.save()
    near = MunicipalityFactory(
        region=world.region,
        name="Ближний район",
        latitude=Decimal("55.75"),
        longitude=Decimal("38.10"),
    )
    far = MunicipalityFactory(
        region=world.region,
        name="Дальний район",
        latitude=Decimal("57.55"),
        longitude=Decimal("37.62"),
    )
    CategoryRules.objects.create(region=world.region, **RULE)
    weak = [OrganisationFactory(municipality=world.mun, short_name=f"ООШ № {i}") for i in (1, 2, 3)]
    for org in weak:
        _cells(org, {(4, "math"): 12, (4, "russian"): 10, (5, "math"): 1, (5, "russian"): 0})
    nothing = OrganisationFactory(municipality=world.mun, short_name="ООШ № 9 (без данных)")
    CategoryAssignment.objects.create(organisation=nothing, year=2021, category="shnor")
    leaders = [
        OrganisationFactory(municipality=near, short_name="СОШ № 4 (ближняя)"),
        OrganisationFactory(municipality=far, short_name="СОШ № 16 (дальняя)"),
    ]
    for org in leaders:
        _cells(org, dict.fromkeys(ALL, 0))
    MatchingSettings.objects.create(region=world.region, default_capacity=2)
    categories_recompute(region_id=world.region.pk)
    world.weak, world.nothing, world.leaders = weak, nothing, leaders
    return world


def test_categories_come_from_the_one_year_rule(region):
    current = dict(
        CategoryAssignment.objects.filter(is_current=True).values_list(
            "organisation__short_name", "category"
        )
    )
    assert [current[o.short_name] for o in region.weak] == ["shnor"] * 3
    assert [current[o.short_name] for o in region.leaders] == ["leader"] * 2


def test_a_school_without_self_diagnosis_gets_suggestions_from_its_results(region):
    _school, ranked = partner_suggestions(organisation=region.weak[0])
    assert [m.candidate.name for m in ranked] == ["СОШ № 4 (ближняя)", "СОШ № 16 (дальняя)"]
    text = " ".join(ranked[0].reasons)
    assert "Результаты «математика ВПР 4 класс»: у школы «2» у 12 из 30 (40 %) в 2021" in text
    assert "«4» и «5» у 20 (66,7 %) в 2021" in text
    assert "Расстояние: 30,0 км, другой муниципалитет (Ближний район)." in text
    assert "(Приблизительно: по центру муниципалитета.)" in text


def test_the_region_plan_pairs_across_municipalities_within_capacity_and_names_reasons(
    region, users
):
    plan = services.pairing_plan_create(actor=users.coordinator, region=region.region)
    rows = {r.supported.short_name: r for r in plan.rows.select_related("supported", "provider")}
    paired = [r for r in rows.values() if r.provider_id]
    assert len(paired) == 3  # 2 + 1 places over two leaders for three ШНОР schools with data
    assert all(r.cross_municipality for r in paired)
    taken = [r.provider.short_name for r in paired]
    assert taken.count("СОШ № 4 (ближняя)") == 2 and taken.count("СОШ № 16 (дальняя)") == 1
    assert rows["ООШ № 9 (без данных)"].unpaired_reason == (
        "Нет рискового профиля (самодиагностики) и нет результатов: подбирать не по чему."
    )
    assert "«2» у 12 из 30" in " ".join(paired[0].reasons)


def test_a_distance_limit_and_a_full_region_give_their_own_reasons(region, users):
    MatchingSettings.objects.filter(region=region.region).update(
        distance_limit_km=100, default_capacity=1
    )
    plan = services.pairing_plan_create(actor=users.coordinator, region=region.region)
    reasons = sorted(r.unpaired_reason for r in plan.rows.filter(provider__isnull=True))
    assert reasons == sorted(
        [
            "Нет рискового профиля (самодиагностики) и нет результатов: подбирать не по чему.",
            "У всех подходящих партнёров не осталось свободных мест (ёмкость исчерпана).",
            "У всех подходящих партнёров не осталось свободных мест (ёмкость исчерпана).",
        ]
    )
    MatchingSettings.objects.filter(region=region.region).update(distance_limit_km=10)
    plan = services.pairing_plan_create(actor=users.coordinator, region=region.region)
    assert (
        plan.rows.filter(unpaired_reason="Все, кто закрывает её риски, дальше 10 км.").count() == 3
    )


def test_plan_page_shows_the_reasons_and_is_hidden_from_outsiders(region, users, client_for):
    plan = services.pairing_plan_create(actor=users.coordinator, region=region.region)
    page = client_for(users.coordinator).get(reverse("partnerships:plan_detail", args=[plan.pk]))
    html = page.content.decode()
    assert "Нет рискового профиля (самодиагностики) и нет результатов" in html
    assert "Нет подходящего партнёра со свободными местами" not in html
    assert re.search(r"<li>СОШ № 4 \(ближняя\) — ООШ № \d, ООШ № \d</li>", html)
    outsider = client_for(users.outsider).get(reverse("partnerships:plan_detail", args=[plan.pk]))
    assert outsider.status_code == 404
    assert PairingPlan.objects.count() == 1


def test_matching_settings_accept_a_decimal_comma(users, client_for, world):
    payload = {
        "weight_high": "3",
        "weight_medium": "1",
        "derived_share": "0,6",
        "weight_results": "2,5",
        "weight_proximity": "2",
        "weight_load": "2",
        "max_distance_km": "80",
        "distance_limit_km": "150",
        "min_fit": "30",
        "default_capacity": "3",
    }
    client = client_for(users.coordinator)
    assert client.post(reverse("partnerships:settings"), payload).status_code == 302
    settings = MatchingSettings.objects.get(region=world.region)
    assert settings.derived_share == Decimal("0.6") and settings.weight_results == Decimal("2.5")
    assert settings.distance_limit_km == 150


def test_suggestion_page_shows_the_weak_cells_and_is_hidden_from_outsiders(
    region, users, client_for
):
    url = reverse("partnerships:suggest", args=[region.weak[0].pk])
    html = client_for(users.methodologist).get(url).content.decode()
    assert "математика ВПР 4 класс: «2» у 12 из 30 (40 %) в 2021" in html
    assert "СОШ № 4 (ближняя)" in html
    assert client_for(users.outsider).get(url).status_code == 404


def _more_leaders(region, n):
    for i in range(n):
        org = OrganisationFactory(municipality=region.other_mun, short_name=f"СОШ № {100 + i}")
        _cells(org, dict.fromkeys(ALL, 0))
    categories_recompute(region_id=region.region.pk)


def test_suggestions_and_the_plan_from_results_read_a_constant_number_of_queries(
    region, users, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    school = region.weak[0]
    services.pairing_plan_create(actor=users.coordinator, region=region.region)  # warm caches
    with CaptureQueriesContext(connection) as few:
        partner_suggestions(organisation=school)
    with CaptureQueriesContext(connection) as plan_few:
        services.pairing_plan_create(actor=users.coordinator, region=region.region)
    _more_leaders(region, 6)
    with django_assert_num_queries(len(few)):
        _school, ranked = partner_suggestions(organisation=school)
    assert len(ranked) == 8
    with django_assert_num_queries(len(plan_few)):
        services.pairing_plan_create(actor=users.coordinator, region=region.region)


def test_suggestions_from_results_rank_exactly_like_every_candidate(region):
    """Issue 17: the precomputed rows and the region's strong cells (kept under a version of
    the results and the rules) give the full ranking's matches, reasons and order."""
    from partnerships import matching, selectors
    from schools.models import Organisation

    _more_leaders(region, 5)
    school = Organisation.objects.select_related("municipality").get(pk=region.weak[0].pk)
    config = selectors.matching_config(region_id=region.region.pk)
    candidates = selectors.matching_candidates(
        organisations=Organisation.objects.filter(municipality__region=region.region),
        default_capacity=config.default_capacity,
        cells_region_id=region.region.pk,
    )

    def seen(matches):
        return [(m.candidate, m.score, m.cells, m.reasons) for m in matches]

    for top in (2, None):
        full = matching.rank_candidates(
            school=selectors.matching_school(organisation=school),
            candidates=candidates,
            weights=config.weights,
            factor_names=selectors.factor_names(),
            top=top,
        )
        assert len(full) == (top or 7) and all(m.cells for m in full)
        assert seen(partner_suggestions(organisation=school, top=top)[1]) == seen(full)
    # new results of a school (nothing else changed) are seen at once: a new results version
    assert region.leader.pk not in [m.candidate.id for m in full]
    _cells(region.leader, dict.fromkeys(ALL, 0))
    ranked = partner_suggestions(organisation=school, top=None)[1]
    assert region.leader.pk in [m.candidate.id for m in ranked]
