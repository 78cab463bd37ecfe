"""The pure matcher: coverage, explanations, distance, load, and the optimal pairing plan."""

import pytest

from partnerships.matching import (
    Candidate,
    School,
    Weights,
    haversine_km,
    match_score,
    plan_pairings,
    rank_candidates,
)

NAMES = {
    3: "Недостаточная предметная и методическая компетентность педагогических работников",
    6: "Высокая доля обучающихся с рисками учебной неуспешности",
    9: "Высокая доля обучающихся с ОВЗ",
    10: "Низкий уровень вовлечённости родителей",
}
W = Weights()
SCHOOL = School(
    id=1, name="СОШ № 5", municipality_id=1, levels={9: "high", 6: "high", 10: "medium"}
)


def cand(id, **kw):
    kw.setdefault("municipality_id", 1)
    kw.setdefault("capacity", 2)
    return Candidate(id=id, name=f"Кандидат {id}", **kw)


def score(c, school=SCHOOL):
    return match_score(school=school, candidate=c, weights=W, factor_names=NAMES)


def test_candidate_covering_nothing_is_not_listed():
    assert score(cand(2, low_factors=frozenset({3}))) is None


def test_school_is_never_its_own_candidate():
    assert score(cand(1, low_factors=frozenset({9, 6}))) is None


def test_reasons_name_each_covered_factor_and_how():
    m = score(cand(2, low_factors=frozenset({6}), declared={9: "опыт в проекте 500+"}))
    text = " ".join(m.reasons)
    assert (
        "«Высокая доля обучающихся с ОВЗ» (у школы высокий риск) — заявленный опыт: опыт в проекте 500+"
        in text
    )
    assert (
        "«Высокая доля обучающихся с рисками учебной неуспешности» (у школы высокий риск) — низкий риск"
        in text
    )
    assert m.factor_codes == [6, 9]


def test_declared_experience_outweighs_a_derived_low_risk():
    declared = score(cand(2, declared={9: "опыт"}))
    derived = score(cand(3, low_factors=frozenset({9})))
    assert declared.score > derived.score


def test_high_factor_counts_more_than_medium():
    high = score(cand(2, low_factors=frozenset({9})))
    medium = score(cand(3, low_factors=frozenset({10})))
    assert high.score > medium.score


def test_results_level_adds_and_is_explained():
    plain = score(cand(2, low_factors=frozenset({9})))
    leader = score(cand(3, low_factors=frozenset({9}), results="high"))
    assert leader.score > plain.score
    assert any("стабильно высокие (школа-лидер)" in r for r in leader.reasons)


def test_other_municipality_is_marked_and_scores_less():
    near = score(cand(2, low_factors=frozenset({9})))
    far = score(
        cand(3, low_factors=frozenset({9}), municipality_id=2, municipality_name="Второй округ")
    )
    assert far.score < near.score
    assert not far.same_municipality
    assert any("Другой муниципалитет (Второй округ)" in r for r in far.reasons)


def test_kilometres_by_haversine_when_coordinates_exist():
    school = School(id=1, name="A", municipality_id=1, levels={9: "high"}, lat=55.75, lon=37.62)
    near = score(cand(2, low_factors=frozenset({9}), lat=55.76, lon=37.64), school)
    far = score(cand(3, low_factors=frozenset({9}), lat=56.75, lon=37.62), school)
    assert round(far.distance_km) == 111
    assert near.score > far.score
    assert any("Расстояние: 111,2 км" in r for r in far.reasons)
    assert haversine_km(0, 0, 0, 1) == pytest.approx(111.19, abs=0.01)


def test_load_against_capacity_lowers_the_score_and_is_explained():
    free = score(cand(2, low_factors=frozenset({9}), capacity=2, load=0))
    full = score(cand(3, low_factors=frozenset({9}), capacity=2, load=2))
    assert full.score < free.score
    assert full.free_capacity == 0
    assert any("свободных мест нет" in r for r in full.reasons)


def test_current_partner_is_not_charged_for_its_own_school():
    m = score(cand(2, low_factors=frozenset({9}), capacity=1, load=1, partners_of=frozenset({1})))
    assert m.already_partner and m.free_capacity == 1


def test_rank_orders_best_first_and_cuts_top():
    cands = [
        cand(2, low_factors=frozenset({10})),
        cand(3, declared={9: "a", 6: "b"}),
        cand(4, low_factors=frozenset({9})),
    ]
    ranked = rank_candidates(school=SCHOOL, candidates=cands, weights=W, factor_names=NAMES, top=2)
    assert [m.candidate.id for m in ranked] == [3, 4]


def test_weights_are_configurable():
    c = cand(2, low_factors=frozenset({9}))
    heavy = match_score(
        school=SCHOOL, candidate=c, weights=Weights(derived_share=1.0), factor_names=NAMES
    )
    assert heavy.score > score(c).score


# --- Pairing plan ----------------------------------------------------------------------------


def test_plan_is_optimal_not_greedy():
    """A greedy loop gives the one strong leader to school A (its best) and leaves B with
    nobody; the optimal plan gives A the second leader and B the strong one."""
    a = School(id=10, name="A", municipality_id=1, levels={9: "high", 6: "high"})
    b = School(id=11, name="B", municipality_id=1, levels={3: "high"})
    strong = cand(1, declared={9: "x", 6: "y", 3: "z"}, capacity=1)
    second = cand(2, declared={9: "x", 6: "y"}, capacity=1)
    plan = plan_pairings(
        schools=[a, b], candidates=[strong, second], weights=W, factor_names=NAMES, min_fit=10
    )
    chosen = {p.school.id: p.match.candidate.id for p in plan}
    assert chosen == {10: 2, 11: 1}


def test_plan_respects_capacity_and_marks_unpaired():
    schools = [
        School(id=10 + i, name=str(i), municipality_id=1, levels={9: "high"}) for i in range(3)
    ]
    leader = cand(1, declared={9: "x"}, capacity=2)
    plan = plan_pairings(
        schools=schools, candidates=[leader], weights=W, factor_names=NAMES, min_fit=10
    )
    assert sum(1 for p in plan if p.match) == 2
    unpaired = [p for p in plan if p.match is None]
    assert len(unpaired) == 1 and unpaired[0].alternatives  # still shows who could help


def test_plan_leaves_school_unpaired_below_the_minimum_fit():
    school = School(
        id=10, name="A", municipality_id=1, levels={9: "high", 6: "high", 3: "high", 10: "high"}
    )
    weak = cand(1, low_factors=frozenset({10}), municipality_id=2, capacity=1, load=0)
    plan = plan_pairings(
        schools=[school], candidates=[weak], weights=W, factor_names=NAMES, min_fit=60
    )
    assert plan[0].match is None


def test_plan_marks_cross_municipality_pairs():
    school = School(id=10, name="A", municipality_id=1, levels={9: "high"})
    far = cand(1, declared={9: "x"}, municipality_id=2, municipality_name="Соседний")
    plan = plan_pairings(
        schools=[school], candidates=[far], weights=W, factor_names=NAMES, min_fit=10
    )
    assert plan[0].match and not plan[0].match.same_municipality


def test_full_leader_is_not_used_by_the_plan():
    school = School(id=10, name="A", municipality_id=1, levels={9: "high"})
    full = cand(1, declared={9: "x"}, capacity=1, load=1)
    plan = plan_pairings(
        schools=[school], candidates=[full], weights=W, factor_names=NAMES, min_fit=0
    )
    assert plan[0].match is None


def test_shared_resources_are_mentioned():
    m = score(
        cand(2, low_factors=frozenset({9}), resources=("Кадровые", "Материально-технические"))
    )
    assert "Может предоставить ресурсы: кадровые, материально-технические." in m.reasons
