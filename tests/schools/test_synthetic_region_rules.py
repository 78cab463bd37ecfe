"""A synthetic ФИС ОКО region (``bench.fis_oko_region``) loaded with data: the categories of
the region's published rule equal a set computed independently here from the rule in words,
and the region-wide plan pairs every ШНОР school across municipalities (issue 14, item 7)."""

import math

import pytest

from bench.bench_categories import PUBLISHED_RULE, load_region
from bench.fis_oko_region import make_fis_oko_region
from partnerships.models import MatchingSettings
from partnerships.services import pairing_plan_create
from schools.models import CategoryAssignment, CategoryRules, Region
from schools.services import categories_recompute

pytestmark = pytest.mark.django_db

COUNTED = {(4, "Математика"), (4, "Русский язык"), (5, "Математика"), (5, "Русский язык")}


def _by_the_words(fis, year):
    """«не менее 2 из 4 клеток (ВПР 4 и 5 класс × математика и русский язык) с не менее 10
    участниками имеют 30 % и более отметок «2»» — and the leader: every one of the 4 cells with
    at least 10 participants, no «2», «4»+«5» at least 60 %. Straight from the file's rows."""
    rows = {}
    for r in fis.results_by_year[year]:
        rows.setdefault(r["Логин ОО"], []).append(r)
    shnor, leaders = set(), set()
    for login, cells in rows.items():
        counted = [c for c in cells if (c["Класс"], c["Предмет"]) in COUNTED]
        big = [c for c in counted if c["Количество участников"] >= 10]
        weak = [c for c in big if 10 * c["Число «2»"] >= 3 * c["Количество участников"]]
        if len(weak) >= 2:
            shnor.add(login)
        elif len(big) == 4 and all(
            c["Число «2»"] == 0
            and 10 * (c["Число «4»"] + c["Число «5»"]) >= 6 * c["Количество участников"]
            for c in big
        ):
            leaders.add(login)
    return shnor, leaders


@pytest.fixture(scope="module")
def fis():
    return make_fis_oko_region(seed=3, schools=400, municipalities=50, years=(2024,))


def test_categories_equal_the_rule_in_words_and_the_plan_pairs_every_shnor_school(fis):
    region_id = load_region(fis, with_coordinates=False)  # centroids only, as the files come
    CategoryRules.objects.create(region_id=region_id, **PUBLISHED_RULE)
    categories_recompute(region_id=region_id)
    current = dict(
        CategoryAssignment.objects.filter(is_current=True, year=2024).values_list(
            "organisation__login", "category"
        )
    )
    shnor, leaders = _by_the_words(fis, 2024)
    assert {login for login, c in current.items() if c == "shnor"} == shnor
    assert {login for login, c in current.items() if c == "leader"} == leaders
    assert len(shnor) >= 10 and len(leaders) >= 3  # the data really tests something
    tiny = [
        r["Логин ОО"]
        for r in fis.results_by_year[2024]
        if r["Количество участников"] < 10 and r["Число «2»"] * 10 >= 3 * r["Количество участников"]
    ]
    assert set(tiny) - shnor  # small cells full of «2» that flag nobody by themselves

    capacity = math.ceil(len(shnor) / len(leaders)) + 1
    MatchingSettings.objects.create(region_id=region_id, default_capacity=capacity)
    plan = pairing_plan_create(actor=None, region=Region.objects.get(pk=region_id))
    rows = list(plan.rows.select_related("supported", "provider"))
    shnor_rows = [r for r in rows if r.supported.login in shnor]
    assert len(shnor_rows) == len(shnor)
    assert all(r.provider_id for r in shnor_rows), [r.unpaired_reason for r in shnor_rows]
    assert {r.provider.login for r in shnor_rows} <= leaders
    assert any(r.cross_municipality for r in shnor_rows)
    taken = {}
    for r in shnor_rows:
        taken[r.provider_id] = taken.get(r.provider_id, 0) + 1
    assert max(taken.values()) <= capacity
    assert any(
        "Приблизительно: по центру муниципалитета" in " ".join(r.reasons) for r in shnor_rows
    )
