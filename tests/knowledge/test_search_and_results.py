"""Finding practices (Russian stems on SQLite, PostgreSQL full-text search with ranking) and
the results taken from the portal's data."""

import datetime as dt

import pytest
from django.db import connection

from knowledge import results
from knowledge.models import Practice
from knowledge.selectors import practice_filter
from partnerships.models import FormOfInteraction
from schools.models import AssessmentResult
from tests.partnerships.factories import pair

from .factories import days_ago, practice, profile

pytestmark = pytest.mark.django_db


def test_russian_stems_find_other_word_forms(world):
    ovz = practice(world.mun, title="Инклюзивные уроки", problem="Обучение детей с ОВЗ")
    practice(world.mun, title="Олимпиадная подготовка", problem="Одарённые ученики")
    assert list(practice_filter(Practice.objects.all(), q="обучению детям")) == [ovz]
    assert list(practice_filter(Practice.objects.all(), q="инклюзивного урока")) == [ovz]
    assert not practice_filter(Practice.objects.all(), q="физкультура").exists()


def test_title_hits_rank_first_in_the_fallback(world):
    in_text = practice(world.mun, title="Наставничество", problem="Формирующее оценивание")
    in_title = practice(world.mun, title="Формирующее оценивание", problem="Уроки")
    found = list(practice_filter(Practice.objects.all(), q="оценивания"))
    assert found == [in_title, in_text]


def test_filters_by_factor_subject_grade_form_municipality_and_effect(world):
    form = FormOfInteraction.objects.get(name="Наставничество")
    a = practice(world.mun, factors=[6], subjects=["math"], grades=[5, 6], forms=[form])
    a.proved_effect = True
    a.save()
    b = practice(world.other_mun, factors=[9], subjects=["russian"], grades=[9])
    qs = Practice.objects.all()
    from diagnostics.models import RiskFactor

    assert list(practice_filter(qs, factor=RiskFactor.objects.get(code=6))) == [a]
    assert list(practice_filter(qs, subject="russian")) == [b]
    assert list(practice_filter(qs, grade=6)) == [a]
    assert list(practice_filter(qs, grade=1)) == []  # ",1," is not inside ",5,6,"
    assert list(practice_filter(qs, form=form)) == [a]
    assert list(practice_filter(qs, municipality=world.other_mun)) == [b]
    assert list(practice_filter(qs, effect="yes")) == [a]
    assert list(practice_filter(qs, effect="no")) == [b]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL full-text search")
def test_postgres_search_uses_the_russian_configuration_and_ranks(world):
    weak = practice(world.mun, title="Уроки", problem="Немного про обучение")
    strong = practice(
        world.mun, title="Обучение детей с ОВЗ", problem="Обучение и обучение детей с ОВЗ"
    )
    found = list(practice_filter(Practice.objects.all(), q="обучения детей"))
    assert found[0] == strong and weak not in found
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname='knowledge_practice_vector'"
        )
        assert "gin (search_vector)" in cursor.fetchone()[0]


def test_effect_of_needs_before_and_after():
    school = {"factors": ["6"], "profile_before": None, "profile_after": None, "results": []}
    assert not results.effect_of({"schools": [school]})
    school["profile_before"] = {"at": "2025-09-01", "levels": {"6": "high"}}
    school["profile_after"] = {"at": "2026-05-01", "levels": {"6": "medium"}}
    assert results.effect_of({"schools": [school]})
    school["profile_after"]["levels"]["6"] = "high"
    assert not results.effect_of({"schools": [school]})
    school["results"] = [{"share_before": 30.0, "share_after": 12.0}]
    assert results.effect_of({"schools": [school]})
    school["results"].append({"share_before": 5.0, "share_after": 25.0})
    assert not results.effect_of({"schools": [school]})


def test_partnership_snapshot_reads_profiles_results_and_events(world):
    partnership = pair(
        supported=world.school,
        provider=world.leader,
        status="completed",
        start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2026, 5, 31),
    )
    from diagnostics.models import RiskFactor

    partnership.risk_factors.set(RiskFactor.objects.filter(code=6))
    profile(world.school, {6: "high", 9: "high"}, when=days_ago(500))
    profile(world.school, {6: "low", 9: "high"}, when=days_ago(10))
    for year, twos in ((2025, 9), (2026, 3)):
        AssessmentResult.objects.create(
            organisation=world.school, year=year, kind="vpr", subject="math", grade=5,
            participants=30, count_2=twos,
        )  # fmt: skip
    snap = results.partnership_snapshot(partnership=partnership)
    school = snap["schools"][0]
    assert school["name"] == world.school.short_name
    assert school["profile_before"]["levels"]["6"] == "high"
    assert school["profile_after"]["levels"]["6"] == "low"
    assert school["results"][0]["share_before"] == 30.0
    assert school["results"][0]["share_after"] == 10.0
    assert results.effect_of(snap)
