"""Matching from results alone, distances, true reasons and groups (issue 14): pure, no DB."""

import random

from partnerships.matching import (
    LOW_FIT,
    NO_COVER,
    NO_DATA,
    NO_FREE,
    NO_WEAK,
    TOO_FAR,
    Candidate,
    School,
    Weights,
    match_score,
    plan_pairings,
    rank_candidates,
    unpaired_text,
)

W = Weights()
WEAK = {
    "vpr:4:math": "«2» у 14 из 41 (34,1 %) в 2021",
    "vpr:5:russian": "«2» у 9 из 25 (36 %) в 2021",
}
STRONG = "«2» у 0 из 30 (0 %), «4» и «5» у 24 (80 %) в 2021"


def school(id=1, mun=1, **kw):
    kw.setdefault("weak_cells", WEAK)
    kw.setdefault("has_results", True)
    return School(id=id, name=f"ООШ № {id}", municipality_id=mun, levels=kw.pop("levels", {}), **kw)


def leader(id, mun=1, cells=("vpr:4:math",), **kw):
    kw.setdefault("capacity", 2)
    kw.setdefault("results", "high")
    kw.setdefault("municipality_name", f"Район {mun}")
    return Candidate(
        id=id,
        name=f"СОШ № {id}",
        municipality_id=mun,
        strong_cells=dict.fromkeys(cells, STRONG),
        **kw,
    )


def test_a_school_without_self_diagnosis_is_matched_on_its_weak_cells():
    m = match_score(school=school(), candidate=leader(2), weights=W, factor_names={})
    assert m is not None and [c.key for c in m.cells] == ["vpr:4:math"]
    assert m.reasons[0] == (
        "Результаты «математика ВПР 4 класс»: у школы «2» у 14 из 41 (34,1 %) в 2021; "
        "здесь «2» у 0 из 30 (0 %), «4» и «5» у 24 (80 %) в 2021."
    )
    both = match_score(
        school=school(), candidate=leader(3, cells=tuple(WEAK)), weights=W, factor_names={}
    )
    assert both.score > m.score
    other = leader(4, cells=("vpr:4:russian",))
    assert match_score(school=school(), candidate=other, weights=W, factor_names={}) is None


def test_distance_in_km_from_the_centroid_is_said_to_be_approximate():
    s = school(lat=55.75, lon=37.62, coords="municipality")
    c = leader(2, mun=2, lat=55.75, lon=38.0, coords="school")
    m = match_score(school=s, candidate=c, weights=W, factor_names={})
    assert round(m.distance_km, 1) == 23.8
    assert (
        "Расстояние: 23,8 км, другой муниципалитет (Район 2). "
        "(Приблизительно: по центру муниципалитета.)" in m.reasons
    )


def test_unknown_coordinates_are_said_and_ties_break_by_results_whatever_the_order():
    average = leader(2, mun=2, results="medium")
    strong = leader(3, mun=3, results="high")
    for candidates in ([average, strong], [strong, average]):
        ranked = rank_candidates(school=school(), candidates=candidates, weights=W, factor_names={})
        assert [m.candidate.id for m in ranked] == [3, 2]
    m = ranked[0]
    assert (
        "Другой муниципалитет (Район 3); координаты неизвестны, поэтому среди таких кандидатов "
        "выбор — по их результатам." in m.reasons
    )


def test_the_same_municipality_is_preferred():
    s = school(lat=55.5, lon=37.0)
    near = leader(3, mun=1, lat=55.2, lon=37.0)  # 33 km, the same municipality
    other = leader(2, mun=2, lat=55.8, lon=37.0)  # 33 km, another one
    ranked = rank_candidates(school=s, candidates=[other, near], weights=W, factor_names={})
    assert [m.candidate.id for m in ranked] == [3, 2]
    far_same = leader(3, mun=1, lat=55.5, lon=39.5)  # 157 km: proximity would count nothing
    ranked = rank_candidates(school=s, candidates=[other, far_same], weights=W, factor_names={})
    assert ranked[0].score >= ranked[1].score and ranked[0].candidate.id == 2
    assert next(m for m in ranked if m.candidate.id == 3).score > 0


def _plan(schools, candidates, **kw):
    kw.setdefault("min_fit", 10)
    return plan_pairings(
        schools=schools, candidates=candidates, weights=kw.pop("weights", W), factor_names={}, **kw
    )


def test_every_unpaired_school_gets_its_true_reason():
    schools = [
        school(10, weak_cells={}, has_results=False),  # nothing at all
        school(11, weak_cells={}, has_results=True),  # results, none weak
        school(12, weak_cells={"vpr:4:history": "«2» у 10 из 20"}),  # nobody strong there
        school(13, lat=43.0, lon=131.9, weak_cells={"vpr:5:russian": "…"}),  # only far covers
        school(14, weak_cells={"vpr:4:math": "…"}),  # only a full leader covers it
    ]
    far = leader(2, mun=9, lat=55.75, lon=37.62, capacity=5, cells=("vpr:5:russian",))
    full = leader(3, capacity=1, load=1, cells=("vpr:4:math",))
    weights = Weights(distance_limit_km=300)
    plan = {a.school.id: a for a in _plan(schools, [far, full], weights=weights)}
    assert [plan[i].reason for i in (10, 11, 12, 13)] == [NO_DATA, NO_WEAK, NO_COVER, TOO_FAR]
    assert plan[14].reason == NO_FREE and plan[14].match is None
    assert unpaired_text(TOO_FAR, limit_km=300) == "Все, кто закрывает её риски, дальше 300 км."
    low = _plan([school(20)], [leader(4, mun=2, results="low")], min_fit=90)[0]
    assert low.reason == LOW_FIT
    assert unpaired_text(LOW_FIT, min_fit=90, best_fit=low.best_fit).startswith(
        "Лучшее соответствие в пределах досягаемости — "
    )


def test_the_plan_crosses_municipalities_respects_capacity_and_is_deterministic():
    rnd = random.Random(7)
    schools = [school(100 + i, mun=i % 5) for i in range(12)]
    leaders = [leader(200 + j, mun=10 + j, cells=tuple(WEAK), capacity=2) for j in range(5)]
    first = _plan(schools, leaders)
    assert sum(1 for a in first if a.match) == 10  # 5 leaders × 2 places
    assert all(not a.match.same_municipality for a in first if a.match)
    taken = {}
    for a in first:
        if a.match:
            taken[a.match.candidate.id] = taken.get(a.match.candidate.id, 0) + 1
    assert max(taken.values()) == 2
    assert {a.reason for a in first if not a.match} == {NO_FREE}
    shuffled = leaders[:]
    rnd.shuffle(shuffled)
    again = _plan(schools, shuffled)
    assert [(a.school.id, a.match and a.match.candidate.id) for a in again] == [
        (a.school.id, a.match and a.match.candidate.id) for a in first
    ]


def test_seed_001_group_two_schools_with_two_providers():
    """ООШ № 1 and О(С)ОШ № 14 share their high risks; СОШ № 4 covers equipment (ИКТ, 1), СОШ
    № 16 the environment and adaptivity (8, 4): each alone covers too few, so each school gets
    both — one group of two schools with two providers."""
    # seed 001: ПК (2), оснащение (1), компетентность (3), ОВЗ (9), неуспешность (6), среда (8),
    # родители (10) high; адаптивность (4) medium
    high = dict.fromkeys((1, 2, 3, 6, 8, 9, 10), "high") | {4: "medium"}
    oosh1 = School(id=1, name="МОБУ «ООШ № 1»", municipality_id=1, levels=high)
    ososh14 = School(id=14, name="МКОУ «О(С)ОШ № 14»", municipality_id=1, levels=high)
    sosh4 = Candidate(
        id=4, name="МОБУ «СОШ № 4»", municipality_id=1, declared={1: "ИКТ"}, capacity=2
    )
    sosh16 = Candidate(
        id=16,
        name="МОБУ «СОШ № 16»",
        municipality_id=1,
        declared={8: "личностный потенциал", 4: "адаптивность"},
        capacity=3,
    )
    plan = plan_pairings(
        schools=[oosh1, ososh14], candidates=[sosh4, sosh16], weights=W, factor_names={}, min_fit=10
    )
    for a in plan:
        assert {a.match.candidate.id, a.second.candidate.id} == {4, 16}
    no_second = plan_pairings(
        schools=[oosh1],
        candidates=[sosh4, sosh16],
        weights=W,
        factor_names={},
        min_fit=10,
        second_providers=False,
    )
    assert no_second[0].second is None
