"""Partner matching and region-wide pairing plans: pure functions over plain data, no database.

Seed 001 describes how the methodologist chose partners: for each supported school, an
organisation that has *already overcome* the school's high risks (СОШ № 5 with many students
with disabilities and learning-failure risks → СОШ № 9; СОШ № 2 → СОШ № 3, «которая приобрела
этот опыт в проекте 500+»). A candidate covers a factor of the school

* by a **declared experience** in that factor (counts in full), or
* by a **derived strength**: the factor is low in the candidate's latest risk profile (counts
  ``derived_share`` of the weight).

A school with no self-diagnosis is matched **from its results** (issue 14): its *weak cells*
(grade × subject of an assessment with a high share of «2») against candidates *strong* in the
same cells (few or no «2», many «4» and «5»); a covered weak cell counts like a high factor
derived from data (``derived_share`` of ``high``).

The score adds up the covered high (and medium) factors and cells, the results level,
proximity and the free capacity, and is expressed as a percentage of what an ideal candidate would get for this
school, so that it reads as a "fit" and a threshold means the same thing for every school.
Every term is turned into a sentence of the explanation (gettext, the partnerships catalog).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# The level vocabulary (risk levels, and a provider's results level): diagnostics' pure core.
from diagnostics.scoring import HIGH, LOW, MEDIUM

# numpy and scipy (≈ 64 MB) are imported by :func:`plan_pairings` only: every other process —
# the web workers' other pages, the report worker — never needs them.

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
    #: a candidate farther than this is never suggested (``None``: no limit)
    distance_limit_km: float | None = None


@dataclass(frozen=True)
class School:
    """A supported school as the matcher sees it: its factor levels by factor code."""

    id: int
    name: str
    municipality_id: int
    levels: Mapping[int, str]
    lat: float | None = None
    lon: float | None = None
    #: weak cells from the results: cell key («vpr:4:math») → what is weak, in words
    weak_cells: Mapping[str, str] = field(default_factory=dict)
    #: whether the school has any results at all (for the reason it stays unpaired)
    has_results: bool = False
    #: where the coordinates come from: "school", "municipality" (its centroid) or ""
    coords: str = "school"


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
    #: strong cells from the results: cell key → what is strong, in words
    strong_cells: Mapping[str, str] = field(default_factory=dict)
    coords: str = "school"


@dataclass(frozen=True)
class Coverage:
    code: int
    name: str
    school_level: str
    how: str  # "declared" | "derived" | "both"
    experience: str = ""


@dataclass(frozen=True)
class CellCoverage:
    key: str
    weak: str
    strong: str

    @property
    def key_label(self) -> str:
        """«vpr:4:math» → «математика ВПР 4 класс» (the same words as the category reasons)."""
        from schools.categorization import cell_label

        kind, grade, subject = self.key.split(":")
        return cell_label(kind, subject, int(grade) if grade else None)


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    score: float  # 0–100
    covered: tuple[Coverage, ...]
    distance_km: float | None
    same_municipality: bool
    free_capacity: int
    already_partner: bool
    cells: tuple[CellCoverage, ...] = ()
    #: approximate distance: from a municipality's centroid, not the school's own point
    by_centroid: bool = False
    #: farther than ``Weights.distance_limit_km``: never suggested, kept for the reasons
    too_far: bool = False

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
    need += weights.high * len(school.weak_cells)
    return need + weights.results + weights.proximity + weights.load


def _offers(candidate: Candidate) -> frozenset[int]:
    return candidate.low_factors | frozenset(candidate.declared)


def _helps(school: School, candidate: Candidate, offers: frozenset[int] | None = None) -> bool:
    offers = _offers(candidate) if offers is None else offers
    if offers.intersection(school.levels):
        return True
    return bool(school.weak_cells) and not candidate.strong_cells.keys().isdisjoint(
        school.weak_cells
    )


def results_rank(candidate: Candidate) -> float:
    """How strong the candidate's results are, 0–1: the tie-break when scores are equal
    (coordinates unknown, same coverage) — deterministic, never the order of a query."""
    level = RESULTS_SHARE.get(candidate.results or "", 0.25)
    return 0.5 * level + 0.5 * min(len(candidate.strong_cells), 20) / 20


def match_score(
    *,
    school: School,
    candidate: Candidate,
    weights: Weights,
    factor_names: Mapping[int, str],
    ideal: float | None = None,
    helps: bool | None = None,
) -> Match | None:
    """The fit of one candidate for one school, or ``None`` when it covers none of its risks.

    The explanation (:attr:`Match.reasons`) is put into words only when it is read, so that a
    region-wide plan scores hundreds of thousands of pairs without writing sentences for them.
    ``ideal`` is :func:`_ideal` of the school, when the caller scores many candidates for it;
    ``helps``, when the caller already knows that the candidate offers something.
    """
    if candidate.id == school.id:
        return None
    if not (helps or _helps(school, candidate)):
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
    cells: tuple[CellCoverage, ...] = ()
    if school.weak_cells and candidate.strong_cells:
        cells = tuple(
            CellCoverage(key, school.weak_cells[key], candidate.strong_cells[key])
            for key in sorted(school.weak_cells)
            if key in candidate.strong_cells
        )
        points += weights.high * weights.derived_share * len(cells)
    if not covered and not cells:
        return None
    if candidate.results in RESULTS_SHARE:
        points += weights.results * RESULTS_SHARE[candidate.results]
    same = candidate.municipality_id == school.municipality_id
    distance = _distance(school, candidate)
    by_centroid = too_far = False
    if distance is not None:
        closeness = max(0.0, 1.0 - distance / weights.max_distance_km)
        if same:  # the same municipality is preferred at any distance
            closeness = max(closeness, 0.5)
        by_centroid = school.coords == "municipality" or candidate.coords == "municipality"
        limit = weights.distance_limit_km
        too_far = limit is not None and distance > limit
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
        cells=cells,
        by_centroid=by_centroid,
        too_far=too_far,
    )


def explain(m: Match) -> tuple[str, ...]:
    """The reasons of a match (in the active language, Russian in the portal): each covered
    factor and how, results, resources, distance, load."""
    c = m.candidate
    reasons = [_coverage_sentence(cov, own_high=cov.code in c.own_high) for cov in m.covered]
    reasons.extend(
        _("Results in «%(cell)s»: at the school %(weak)s; here %(strong)s.")
        % {"cell": cell.key_label, "weak": cell.weak, "strong": cell.strong}
        for cell in m.cells
    )
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
            text = _("Distance: %(km)s km, the same municipality.") % {"km": km}
        else:
            text = _("Distance: %(km)s km, another municipality (%(municipality)s).") % {
                "km": km,
                "municipality": c.municipality_name,
            }
        if m.by_centroid:
            text += " " + _("(Approximate: from the centre of the municipality.)")
        reasons.append(text)
    else:
        reasons.append(
            _("The same municipality; coordinates unknown.")
            if m.same_municipality
            else _(
                "Another municipality (%(municipality)s); coordinates unknown, so the choice "
                "among such candidates goes by their results."
            )
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
    if weights.distance_limit_km is not None:
        matches = [m for m in matches if not m.too_far]
    matches.sort(key=rank_key)
    return matches[:top] if top else matches


def rank_key(m: Match) -> tuple:
    """Best first: fit, the same municipality, coverage, results (:func:`results_rank`), then
    name and id — so two runs over the same data always give the same order."""
    c = m.candidate
    return (
        -m.score,
        not m.same_municipality,
        -len(m.covered) - len(m.cells),
        -RESULTS_SHARE.get(c.results, 0.25) - min(len(c.strong_cells), 20) / 20,
        c.name,
        c.id,
    )


# --- Pairing plan ----------------------------------------------------------------------------


#: Why a school stays unpaired (codes stored on the plan row; words from :func:`unpaired_text`).
NO_DATA = "no_data"  # no risk profile and no results
NO_WEAK = "no_weak"  # no risk profile, and its results show no weak cell
NO_COVER = "no_cover"  # nobody in the territory covers its risks or weak cells
TOO_FAR = "too_far"  # those who do are all beyond the distance limit
LOW_FIT = "low_fit"  # those within reach fit below the plan's minimum
NO_FREE = "no_free"  # those who fit have no free places left

#: A second provider is looked for when the first covers less than this share of the
#: school's high-risk factors (seed 001: ООШ № 1 and О(С)ОШ № 14 with СОШ № 4 and СОШ № 16).
SECOND_PROVIDER_BELOW = 0.5


@dataclass(frozen=True)
class Assignment:
    school: School
    match: Match | None  # None: unpaired, see ``reason``
    alternatives: tuple[Match, ...] = ()
    reason: str = ""
    #: the best fit among candidates within reach (for the LOW_FIT reason)
    best_fit: float | None = None
    #: a second provider covering high-risk factors the first does not
    second: Match | None = None


def unpaired_text(
    code: str, *, min_fit: float = 0, best_fit: float | None = None, limit_km=None
) -> str:
    """The true reason a school has no partner in the plan, in words (the active language)."""
    if code == NO_DATA:
        return _("No risk profile (self-diagnosis) and no results: nothing to match on.")
    if code == NO_WEAK:
        return _(
            "No risk profile (self-diagnosis), and its results show no weak cell (no grade × "
            "subject with a share of «2» at the ШНОР threshold)."
        )
    if code == NO_COVER:
        return _("No provider in the territory covers its risks or weak cells.")
    if code == TOO_FAR:
        return _("Providers that cover its risks are all farther than %(km)s km.") % {
            "km": number_format(limit_km or 0, decimal_pos=0)
        }
    if code == LOW_FIT:
        return _(
            "The best fit within reach is %(best)s %%, below the plan's minimum %(min)s %%."
        ) % {
            "best": number_format(best_fit or 0, decimal_pos=1),
            "min": number_format(min_fit, decimal_pos=0),
        }
    return _("Every provider that fits has no free places left (capacity used up).")


_FORBIDDEN = 1e9


def plan_pairings(
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
        _second_providers(schools, candidates, matches, chosen, used) if second_providers else {}
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
            reason, best = _unpaired_reason(schools[i], matches[i], min_fit)
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


def _unpaired_reason(
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


def _high(school: School) -> set[int]:
    return {c for c, level in school.levels.items() if level == HIGH}


def _second_providers(
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
