"""The pairing plan of issue 17 (numpy scores, bounded memory) gives the same answers as the
solver it replaced, which kept a :class:`Match` for every school–provider pair.

The replaced solver is kept here, verbatim but for its name, as the oracle: the seeded
instances of ``bench/bench_plan.py`` (300 × 100, the size of ``bench/bench_partnerships.py``)
are solved by both and every assignment — choice, alternatives, second provider, reason and
best fit — must be equal, match by match.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence

import pytest

from bench.bench_plan import make_instance
from partnerships.matching import (
    _FORBIDDEN,
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


@pytest.mark.parametrize(("seed", "weights", "min_fit"), CASES)
def test_the_plan_is_the_replaced_solvers_on_the_300_by_100_bench(seed, weights, min_fit):
    schools, candidates, names = make_instance(300, 100, seed)
    kwargs = {
        "schools": schools,
        "candidates": candidates,
        "weights": weights,
        "factor_names": names,
        "min_fit": min_fit,
    }
    expected = reference_plan_pairings(**kwargs)
    got = plan_pairings(**kwargs)
    assert [a.school.id for a in got] == [s.id for s in schools]  # in the given order
    assert got == expected
    # the instance exercises every branch: pairs, unpaired reasons, alternatives
    assert sum(1 for a in got if a.match) > 100
    assert {a.reason for a in got} - {""}
    assert all(len(a.alternatives) <= 3 for a in got)


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


def reference_plan_pairings(
    *,
    schools: Sequence[School],
    candidates: Sequence[Candidate],
    weights: Weights,
    factor_names: Mapping[int, str],
    min_fit: float,
    alternatives: int = 3,
    second_providers: bool = True,
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
