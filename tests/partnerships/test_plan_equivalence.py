"""The pairing plan of issue 17 (numpy scores, a sparse solver, bounded memory) gives the same
answers as the solver it replaced, which kept a :class:`Match` for every school–provider pair
and solved a dense matrix.

The replaced solver is kept here, verbatim but for its name and one option, as the oracle: the
seeded instances of ``bench/bench_plan.py`` (300 × 100, the size of
``bench/bench_partnerships.py``) are solved by both and every assignment — choice,
alternatives, second provider, reason and best fit — must be equal, match by match.

The one option is the plan's rule for equally good plans (the nearer one, issue 17): the
replaced solver left such ties to the order of its search. With the rule added to the oracle's
dense matrix, the two exact solvers agree on every instance; without it they agree wherever the
best plan is one, and where the replaced solver chose among equal plans the total fit is the
same and the plan is the nearer.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

import pytest

from bench.bench_plan import make_instance
from partnerships.matching import (
    _DISTANCE_TIE_BUDGET,
    _DISTANCE_TIE_CAP_KM,
    LOW_FIT,
    NO_COVER,
    NO_DATA,
    NO_FREE,
    NO_WEAK,
    SECOND_PROVIDER_BELOW,
    TOO_FAR,
    Assignment,
    Candidate,
    Match,
    School,
    Weights,
    _helps,
    _high,
    _ideal,
    _offers,
    match_score,
    plan_pairings,
    rank_key,
    results_rank,
)

CASES = [
    (1, Weights(), 25),
    (2, Weights(distance_limit_km=150), 20),
    (3, Weights(), 45),
    (4, Weights(high=4, derived_share=0.5, max_distance_km=60, distance_limit_km=120), 30),
    (5, Weights(), 0),
]


def _solve_both(seed, weights, min_fit, **oracle):
    schools, candidates, names = make_instance(300, 100, seed)
    kwargs = {
        "schools": schools,
        "candidates": candidates,
        "weights": weights,
        "factor_names": names,
        "min_fit": min_fit,
    }
    return schools, plan_pairings(**kwargs), reference_plan_pairings(**kwargs, **oracle)


@pytest.mark.parametrize(("seed", "weights", "min_fit"), CASES)
def test_the_plan_is_the_dense_solvers_with_the_same_tie_rule(seed, weights, min_fit):
    schools, got, expected = _solve_both(seed, weights, min_fit, nearer_on_ties=True)
    assert [a.school.id for a in got] == [s.id for s in schools]  # in the given order
    assert got == expected
    # the instance exercises every branch: pairs, unpaired reasons, alternatives
    assert sum(1 for a in got if a.match) > 100
    assert {a.reason for a in got} - {""}
    assert all(len(a.alternatives) <= 3 for a in got)


@pytest.mark.parametrize(("seed", "weights", "min_fit"), [c for c in CASES if c[0] != 3])
def test_the_plan_is_the_replaced_solvers_on_the_300_by_100_bench(seed, weights, min_fit):
    """Seed 1, default weights, minimum 25 is ``bench_plan.py``'s own instance."""
    _, got, expected = _solve_both(seed, weights, min_fit)
    assert got == expected


def test_where_the_replaced_solver_chose_among_equal_plans_the_plan_is_the_nearer():
    seed, weights, min_fit = CASES[2]
    _, got, expected = _solve_both(seed, weights, min_fit)
    assert _total(got, min_fit) == pytest.approx(_total(expected, min_fit), abs=1e-9)
    differ = [i for i, (a, b) in enumerate(zip(got, expected, strict=True)) if a.match != b.match]
    assert differ  # the replaced solver's choice here was one of several equal plans
    assert _distance(got, differ) < _distance(expected, differ)
    same = [i for i in range(len(got)) if i not in differ]
    assert [got[i] for i in same] == [expected[i] for i in same]


def _total(plan, min_fit):
    """What the plan maximises: fits and the results tie-break, ``min_fit`` for no partner."""
    return sum(
        a.match.score + 1e-3 * results_rank(a.match.candidate) if a.match else min_fit + 1e-6
        for a in plan
    )


def _distance(plan, rows):
    return sum(plan[i].match.distance_km for i in rows if plan[i].match)


def test_equal_plans_break_by_distance():
    """Two schools, two providers of one place each, every fit equal (both beyond the distance
    that earns points): the nearer plan is taken, whichever of the two it is."""
    levels = {9: "high", 6: "high"}
    a = School(id=1, name="А", municipality_id=1, levels=levels, lat=55.0, lon=30.0)
    b = School(id=2, name="Б", municipality_id=2, levels=levels, lat=55.0, lon=39.0)

    def provider(pk, lon):
        return Candidate(
            id=pk,
            name=f"П{pk}",
            municipality_id=pk,
            lat=55.0,
            lon=lon,
            low_factors=frozenset({9, 6}),
            capacity=1,
        )

    for p_lon, q_lon in ((33.0, 36.0), (36.0, 33.0)):
        plan = plan_pairings(
            schools=[a, b],
            candidates=[provider(10, p_lon), provider(11, q_lon)],
            weights=Weights(),
            factor_names={9: "девять", 6: "шесть"},
            min_fit=0,
        )
        assert plan[0].match.score == plan[1].match.score == plan[0].alternatives[0].score
        nearer_of_a = 10 if p_lon < q_lon else 11
        assert [x.match.candidate.id for x in plan] == [nearer_of_a, 21 - nearer_of_a]


def test_second_providers_are_the_replaced_solvers():
    schools, candidates, names = make_instance(300, 100, 3)
    kwargs = {
        "schools": schools,
        "candidates": candidates,
        "weights": Weights(),
        "factor_names": names,
        "min_fit": 20,
    }
    got = plan_pairings(**kwargs)
    assert sum(1 for a in got if a.second) >= 5
    assert got == reference_plan_pairings(**kwargs)


def test_the_plan_reports_its_progress():
    schools, candidates, names = make_instance(300, 100, 1)
    shares: list[float] = []
    plan_pairings(
        schools=schools,
        candidates=candidates,
        weights=Weights(),
        factor_names=names,
        min_fit=25,
        progress=shares.append,
    )
    assert shares == sorted(shares)
    assert shares[0] < 0.2 and shares[-1] == 1.0


# --- The replaced solver (the oracle) --------------------------------------------------------

_FORBIDDEN = 1e9


def reference_plan_pairings(
    *,
    schools: Sequence[School],
    candidates: Sequence[Candidate],
    weights: Weights,
    factor_names: Mapping[int, str],
    min_fit: float,
    alternatives: int = 3,
    second_providers: bool = True,
    nearer_on_ties: bool = False,
) -> list[Assignment]:
    """Assign at most one provider to every school, maximising the total fit.

    Each candidate's column is repeated once per free place (``capacity − load``), and every
    school gets its own "no partner" column worth ``min_fit``, so a pair below the threshold is
    never chosen over leaving the school unpaired. Solved exactly with the Hungarian algorithm
    (:func:`scipy.optimize.linear_sum_assignment`), not greedily: a strong leader is not spent
    on the first school that likes it when another school has no one else. Equal fits break by
    the candidates' results (:func:`results_rank`), so the answer never depends on input order
    beyond that. A candidate beyond ``weights.distance_limit_km`` is never chosen.

    Then, with the places left, a school whose provider covers less than
    :data:`SECOND_PROVIDER_BELOW` of its high-risk factors gets a second provider covering the
    most of the rest (seed 001). Every unpaired school gets its true reason.
    """
    if not schools:
        return []
    import numpy as np
    from scipy.optimize import linear_sum_assignment

    # A canonical order (by id), so the answer never depends on the order of a query.
    given = {s.id: pos for pos, s in enumerate(schools)}
    schools = sorted(schools, key=lambda s: s.id)
    candidates = sorted(candidates, key=lambda c: c.id)
    slots: list[int] = []  # column -> candidate index
    for j, c in enumerate(candidates):
        slots.extend([j] * max(0, c.capacity - c.load))
    n, k = len(schools), len(slots)
    # score of each (school, candidate); only candidates with at least one slot matter
    cost = np.full((n, k + n), _FORBIDDEN)
    matches: list[dict[int, Match]] = []
    slot_cols: dict[int, list[int]] = {}
    for col, j in enumerate(slots):
        slot_cols.setdefault(j, []).append(col)
    offers = [_offers(c) for c in candidates]
    ties = [1e-3 * results_rank(c) for c in candidates]
    for i, school in enumerate(schools):
        row: dict[int, Match] = {}
        ideal = _ideal(school, weights)
        for j, candidate in enumerate(candidates):
            if not _helps(school, candidate, offers[j]):
                continue
            m = match_score(
                school=school,
                candidate=candidate,
                weights=weights,
                factor_names=factor_names,
                ideal=ideal,
                helps=True,
            )
            if m is None:
                continue
            row[j] = m
            if m.score >= min_fit and not m.too_far and j in slot_cols:
                cost[i, slot_cols[j]] = -(m.score + ties[j])
                if nearer_on_ties:  # the option added to the verbatim copy
                    far = _DISTANCE_TIE_CAP_KM if m.distance_km is None else m.distance_km
                    cost[i, slot_cols[j]] += (
                        _DISTANCE_TIE_BUDGET / len(schools) / _DISTANCE_TIE_CAP_KM
                    ) * min(far, _DISTANCE_TIE_CAP_KM)
        matches.append(row)
        cost[i, k + i] = -float(min_fit) + 1e-6  # ties go to a real partner
    rows, cols = linear_sum_assignment(cost)
    chosen: dict[int, int] = {}  # school index -> candidate index
    used = [0] * len(candidates)
    for i, col in zip(rows, cols, strict=True):
        if col < k and cost[i, col] < _FORBIDDEN:
            chosen[int(i)] = slots[col]
            used[slots[col]] += 1
    seconds = (
        _reference_second_providers(schools, candidates, matches, chosen, used)
        if second_providers
        else {}
    )
    result: list[Assignment] = []
    for i in range(n):
        j = chosen.get(i)
        match = matches[i][j] if j is not None else None
        others = (
            m
            for m in matches[i].values()
            if not m.too_far and (match is None or m.candidate.id != match.candidate.id)
        )
        alts = tuple(heapq.nsmallest(alternatives, others, key=rank_key))
        reason, best = "", None
        if match is None:
            reason, best = _reference_unpaired_reason(schools[i], matches[i], min_fit)
        second = matches[i][seconds[i]] if i in seconds else None
        result.append(
            Assignment(
                school=schools[i],
                match=match,
                alternatives=alts[:alternatives],
                reason=reason,
                best_fit=best,
                second=second,
            )
        )
    result.sort(key=lambda a: given[a.school.id])
    return result


def _reference_unpaired_reason(
    school: School, row: Mapping[int, Match], min_fit: float
) -> tuple[str, float | None]:
    if not school.levels and not school.weak_cells:
        return (NO_WEAK if school.has_results else NO_DATA), None
    if not row:
        return NO_COVER, None
    near = [m for m in row.values() if not m.too_far]
    if not near:
        return TOO_FAR, None
    best = max(m.score for m in near)
    if best < min_fit:
        return LOW_FIT, best
    return NO_FREE, best


def _reference_second_providers(
    schools: Sequence[School],
    candidates: Sequence[Candidate],
    matches: list[dict[int, Match]],
    chosen: dict[int, int],
    used: list[int],
) -> dict[int, int]:
    """school index -> a second candidate, with the places the first pass left; schools in
    their given order, the candidate covering the most still-uncovered high factors first."""
    free = [max(0, c.capacity - c.load) - used[j] for j, c in enumerate(candidates)]
    seconds: dict[int, int] = {}
    for i, j in sorted(chosen.items()):
        high = _high(schools[i])
        if not high:
            continue
        first = set(matches[i][j].factor_codes) & high
        if len(first) >= SECOND_PROVIDER_BELOW * len(high):
            continue
        best, best_key = None, None
        for other, m in matches[i].items():
            if other == j or free[other] <= 0 or m.too_far:
                continue
            new = (set(m.factor_codes) & high) - first
            if not new:
                continue
            key = (-len(new), *rank_key(m))
            if best_key is None or key < best_key:
                best, best_key = other, key
        if best is not None:
            seconds[i] = best
            free[best] -= 1
    return seconds
