"""Partner matching and region-wide pairing plans: pure functions over plain data, no database.

Seed 001 describes how the methodologist chose partners: for each supported school, an
organisation that has *already overcome* the school's high risks (СОШ № 5 with many students
with disabilities and learning-failure risks → СОШ № 9; СОШ № 2 → СОШ № 3, «которая приобрела
этот опыт в проекте 500+»). A candidate covers a factor of the school

* by a **declared experience** in that factor (counts in full), or
* by a **derived strength**: the factor is low in the candidate's latest risk profile (counts
  ``derived_share`` of the weight).

The score adds up the covered high (and medium) factors, the results level, proximity and the
free capacity, and is expressed as a percentage of what an ideal candidate would get for this
school, so that it reads as a "fit" and a threshold means the same thing for every school.
Every term is turned into a sentence of the explanation (gettext, the partnerships catalog).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# numpy and scipy (≈ 64 MB) are imported by :func:`plan_pairings` only: every other process —
# the web workers' other pages, the report worker — never needs them.

HIGH = "high"
MEDIUM = "medium"
LOW = "low"

RESULTS_SHARE = {HIGH: 1.0, MEDIUM: 0.5, LOW: 0.0}
RESULTS_LABEL = {
    HIGH: gettext_lazy("consistently high (a leader school)"),
    MEDIUM: gettext_lazy("average"),
    LOW: gettext_lazy(
        "low (the school is itself in a support category; a partner for its declared experience)"
    ),
}


@dataclass(frozen=True)
class Weights:
    high: float = 3.0
    medium: float = 1.0
    derived_share: float = 0.6
    results: float = 2.0
    proximity: float = 2.0
    load: float = 2.0
    max_distance_km: float = 100.0


@dataclass(frozen=True)
class School:
    """A supported school as the matcher sees it: its factor levels by factor code."""

    id: int
    name: str
    municipality_id: int
    levels: Mapping[int, str]
    lat: float | None = None
    lon: float | None = None


@dataclass(frozen=True)
class Candidate:
    """A possible provider: a leader school, another school with proven strength, a partner."""

    id: int
    name: str
    municipality_id: int
    municipality_name: str = ""
    lat: float | None = None
    lon: float | None = None
    #: factor codes that are low in the candidate's latest risk profile
    low_factors: frozenset[int] = frozenset()
    #: factor code -> the declared experience («опыт в проекте 500+»)
    declared: Mapping[int, str] = field(default_factory=dict)
    #: factor codes that are high in the candidate's own latest profile
    own_high: frozenset[int] = frozenset()
    results: str | None = None
    capacity: int = 0
    load: int = 0
    #: schools the candidate already works with (not counted against it for them)
    partners_of: frozenset[int] = frozenset()
    #: kinds of resources it can share (кадровые, материально-технические …), for the reasons
    resources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Coverage:
    code: int
    name: str
    school_level: str
    how: str  # "declared" | "derived" | "both"
    experience: str = ""


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    score: float  # 0–100
    covered: tuple[Coverage, ...]
    distance_km: float | None
    same_municipality: bool
    free_capacity: int
    already_partner: bool

    @property
    def factor_codes(self) -> list[int]:
        return [c.code for c in self.covered]

    @property
    def reasons(self) -> tuple[str, ...]:
        return explain(self)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    r = 6371.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def _distance(school: School, candidate: Candidate) -> float | None:
    if None in (school.lat, school.lon, candidate.lat, candidate.lon):
        return None
    return haversine_km(school.lat, school.lon, candidate.lat, candidate.lon)


def _ideal(school: School, weights: Weights) -> float:
    need = sum(
        weights.high if level == HIGH else weights.medium
        for level in school.levels.values()
        if level in (HIGH, MEDIUM)
    )
    return need + weights.results + weights.proximity + weights.load


def _offers(candidate: Candidate) -> frozenset[int]:
    return candidate.low_factors | frozenset(candidate.declared)


def match_score(
    *,
    school: School,
    candidate: Candidate,
    weights: Weights,
    factor_names: Mapping[int, str],
    ideal: float | None = None,
) -> Match | None:
    """The fit of one candidate for one school, or ``None`` when it covers none of its risks.

    The explanation (:attr:`Match.reasons`) is put into words only when it is read, so that a
    region-wide plan scores hundreds of thousands of pairs without writing sentences for them.
    ``ideal`` is :func:`_ideal` of the school, when the caller scores many candidates for it.
    """
    if candidate.id == school.id or not _offers(candidate).intersection(school.levels):
        return None
    covered: list[Coverage] = []
    points = 0.0
    for code in sorted(school.levels, key=lambda c: (school.levels[c] != HIGH, c)):
        level = school.levels[code]
        if level not in (HIGH, MEDIUM):
            continue
        declared = candidate.declared.get(code)
        derived = code in candidate.low_factors
        if not declared and not derived:
            continue
        weight = weights.high if level == HIGH else weights.medium
        points += weight * (1.0 if declared else weights.derived_share)
        how = "both" if declared and derived else ("declared" if declared else "derived")
        covered.append(
            Coverage(code, factor_names.get(code, str(code)), level, how, declared or "")
        )
    if not covered:
        return None
    if candidate.results in RESULTS_SHARE:
        points += weights.results * RESULTS_SHARE[candidate.results]
    same = candidate.municipality_id == school.municipality_id
    distance = _distance(school, candidate)
    if distance is not None:
        closeness = max(0.0, 1.0 - distance / weights.max_distance_km)
    else:
        closeness = 1.0 if same else 0.0
    points += weights.proximity * closeness
    already = school.id in candidate.partners_of
    free = candidate.capacity - (candidate.load - (1 if already else 0))
    if candidate.capacity > 0:
        points += weights.load * max(0.0, free) / candidate.capacity
    score = round(100.0 * points / (ideal or _ideal(school, weights)), 1)
    return Match(
        candidate=candidate,
        score=min(score, 100.0),
        covered=tuple(covered),
        distance_km=distance,
        same_municipality=same,
        free_capacity=free,
        already_partner=already,
    )


def explain(m: Match) -> tuple[str, ...]:
    """The reasons of a match (in the active language, Russian in the portal): each covered
    factor and how, results, resources, distance, load."""
    c = m.candidate
    reasons = [_coverage_sentence(cov, own_high=cov.code in c.own_high) for cov in m.covered]
    if c.results in RESULTS_LABEL:
        reasons.append(_("Results: %(level)s.") % {"level": RESULTS_LABEL[c.results]})
    if c.resources:
        reasons.append(
            _("Can share resources: %(kinds)s.")
            % {"kinds": ", ".join(in_sentence(r) for r in c.resources)}
        )
    if m.distance_km is not None:
        km = number_format(round(m.distance_km, 1), decimal_pos=1)
        if m.same_municipality:
            reasons.append(_("Distance: %(km)s km, the same municipality.") % {"km": km})
        else:
            reasons.append(
                _("Distance: %(km)s km, another municipality (%(municipality)s).")
                % {"km": km, "municipality": c.municipality_name}
            )
    else:
        reasons.append(
            _("The same municipality.")
            if m.same_municipality
            else _("Another municipality (%(municipality)s), distance unknown.")
            % {"municipality": c.municipality_name}
        )
    load = c.capacity - m.free_capacity
    if m.already_partner:
        reasons.append(
            _("Already works with this school; load %(load)s of %(capacity)s.")
            % {"load": c.load, "capacity": c.capacity}
        )
    elif m.free_capacity > 0:
        reasons.append(
            ngettext(
                "Load: %(load)s of %(capacity)s (can support %(free)s more school).",
                "Load: %(load)s of %(capacity)s (can support %(free)s more schools).",
                m.free_capacity,
            )
            % {"load": load, "capacity": c.capacity, "free": m.free_capacity}
        )
    else:
        reasons.append(
            _("Load: %(load)s of %(capacity)s — no free places.")
            % {"load": load, "capacity": c.capacity}
        )
    return tuple(reasons)


def in_sentence(name: str) -> str:
    """A reference name inside a sentence: its capital first letter lowered, unless the first
    word is an abbreviation («Высокая доля обучающихся с ОВЗ» → «высокая доля обучающихся с
    ОВЗ», «ИКТ-оснащение» stays). Abbreviations inside are never touched."""
    letters = [ch for ch in (name.split(maxsplit=1) or [""])[0] if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters[:2]):
        return name
    return name[:1].lower() + name[1:]


def _coverage_sentence(c: Coverage, *, own_high: bool) -> str:
    values = {"factor": c.name, "experience": c.experience}
    if c.how == "declared":
        how = _("declared experience: %(experience)s") % values
    elif c.how == "derived":
        how = _("a low risk in this factor in its latest risk profile")
    else:
        how = _("declared experience: %(experience)s; a low risk in its latest profile") % values
    if own_high and c.how == "declared":
        how = _("%(how)s (the factor is still high in its own profile)") % {"how": how}
    if c.school_level == HIGH:
        return _("«%(factor)s» (a high risk at the school) — %(how)s.") % {**values, "how": how}
    return _("«%(factor)s» (a medium risk at the school) — %(how)s.") % {**values, "how": how}


def rank_candidates(
    *,
    school: School,
    candidates: Iterable[Candidate],
    weights: Weights,
    factor_names: Mapping[int, str],
    top: int | None = None,
) -> list[Match]:
    """Candidates covering at least one of the school's risks, best first."""
    ideal = _ideal(school, weights)
    matches = [
        m
        for c in candidates
        if (
            m := match_score(
                school=school, candidate=c, weights=weights, factor_names=factor_names, ideal=ideal
            )
        )
    ]
    matches.sort(key=lambda m: (-m.score, -len(m.covered), m.candidate.name))
    return matches[:top] if top else matches


# --- Pairing plan ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    school: School
    match: Match | None  # None: no suitable partner with free capacity
    alternatives: tuple[Match, ...] = ()


_FORBIDDEN = 1e9


def plan_pairings(
    *,
    schools: Sequence[School],
    candidates: Sequence[Candidate],
    weights: Weights,
    factor_names: Mapping[int, str],
    min_fit: float,
    alternatives: int = 3,
) -> list[Assignment]:
    """Assign at most one provider to every school, maximising the total fit.

    Each candidate's column is repeated once per free place (``capacity − load``), and every
    school gets its own "no partner" column worth ``min_fit``, so a pair below the threshold is
    never chosen over leaving the school unpaired. Solved exactly with the Hungarian algorithm
    (:func:`scipy.optimize.linear_sum_assignment`), not greedily: a strong leader is not spent
    on the first school that likes it when another school has no one else.
    """
    if not schools:
        return []
    import numpy as np
    from scipy.optimize import linear_sum_assignment

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
    for i, school in enumerate(schools):
        row: dict[int, Match] = {}
        needs = frozenset(school.levels)
        ideal = _ideal(school, weights)
        for j, candidate in enumerate(candidates):
            if not offers[j] & needs:
                continue
            m = match_score(
                school=school,
                candidate=candidate,
                weights=weights,
                factor_names=factor_names,
                ideal=ideal,
            )
            if m is None:
                continue
            row[j] = m
            if m.score >= min_fit and j in slot_cols:
                cost[i, slot_cols[j]] = -m.score
        matches.append(row)
        cost[i, k + i] = -float(min_fit) + 1e-6  # ties go to a real partner
    rows, cols = linear_sum_assignment(cost)
    result: list[Assignment] = []
    for i, col in sorted(zip(rows, cols, strict=True)):
        chosen = None
        if col < k and cost[i, col] < _FORBIDDEN:
            chosen = matches[i][slots[col]]
        ranked = sorted(matches[i].values(), key=lambda m: -m.score)
        alts = tuple(m for m in ranked if chosen is None or m.candidate.id != chosen.candidate.id)
        result.append(Assignment(school=schools[i], match=chosen, alternatives=alts[:alternatives]))
    return result
