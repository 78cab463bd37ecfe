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

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# The level vocabulary (risk levels, and a provider's results level): diagnostics' pure core.
from diagnostics.scoring import HIGH, LOW, MEDIUM

# numpy and scipy (≈ 64 MB) are imported by :func:`plan_pairings` only, in the Celery worker
# that builds a plan: the web workers and the report worker never need them.

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


#: Schools scored between two progress reports of a plan.
_PROGRESS_EVERY = 100
#: The share of a plan's time spent scoring (the rest is mostly the solver, which reports
#: nothing while it runs: 3,000 × 1,000 takes 1.6 s and 3.3 s).
_SCORED = 0.35
#: Plans of equal fit differ by at least 1e-6 in cost (fits by 0.1, the results tie-break by
#: 1e-3 × multiples of 0.025, "no partner" by 1e-6): the distance tie-break of a whole plan
#: stays below half of that, whatever the number of schools.
_DISTANCE_TIE_BUDGET = 4e-7
#: Distances beyond this (and unknown ones) count as this much in the tie-break, km.
_DISTANCE_TIE_CAP_KM = 1000.0


def plan_pairings(
    *,
    schools: Sequence[School],
    candidates: Sequence[Candidate],
    weights: Weights,
    factor_names: Mapping[int, str],
    min_fit: float,
    alternatives: int = 3,
    second_providers: bool = True,
    progress: Callable[[float], None] | None = None,
) -> list[Assignment]:
    """Assign at most one provider to every school, maximising the total fit.

    Each candidate's column is repeated once per free place (``capacity − load``), and every
    school gets its own "no partner" column worth ``min_fit``, so a pair below the threshold is
    never chosen over leaving the school unpaired. Solved exactly as a minimum-cost assignment
    over the eligible pairs only (a sparse matrix,
    :func:`scipy.sparse.csgraph.min_weight_full_bipartite_matching`), not greedily: a strong
    leader is not spent on the first school that likes it when another school has no one else.
    Equal fits break by the candidates' results (:func:`results_rank`); plans of equal total
    fit, by the total distance of their pairs (the nearer plan), so the answer is one plan,
    whatever the solver's order of search or the order of a query. A candidate beyond
    ``weights.distance_limit_km`` is never chosen.

    Then, with the places left, a school whose provider covers less than
    :data:`SECOND_PROVIDER_BELOW` of its high-risk factors gets a second provider covering the
    most of the rest (seed 001). Every unpaired school gets its true reason.

    Scores are computed with numpy, one school against all candidates at once, with the same
    arithmetic as :func:`match_score` in the same order (only a distance may differ from
    ``math``'s in its last bit, far below the fit's rounding to 0.1); only the eligible pairs'
    costs and each school's best few candidates are kept, and a :class:`Match` is built only
    for the pairs the plan shows. ``progress`` receives the share done, 0–1.
    """
    if not schools:
        return []
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import min_weight_full_bipartite_matching

    report = progress or (lambda share: None)
    # A canonical order (by id), so the answer never depends on the order of a query.
    given = {s.id: pos for pos, s in enumerate(schools)}
    schools = sorted(schools, key=lambda s: s.id)
    candidates = sorted(candidates, key=lambda c: c.id)
    table = _ScoreTable(schools, candidates, weights)
    np = table.np
    places = table.places
    k, n = int(places.sum()), len(schools)
    slot_owner = np.repeat(np.arange(len(candidates)), places)  # column -> candidate index
    tie_per_km = _DISTANCE_TIE_BUDGET / n / _DISTANCE_TIE_CAP_KM
    index = np.int32 if n * (k + n) < 2**31 else np.int64  # scipy keeps int32 indices as they are
    # The matrix row by row (compressed sparse rows): a school's eligible places, then its own
    # "no partner" column k + i.
    columns: list = []
    costs: list = []
    keep = alternatives + 1  # the choice may be among a school's best: one more is kept
    best_of: list = []  # school index -> its best candidates within reach, best first
    facts: list[tuple[int, int, float | None]] = []  # (scored, within reach, best fit)
    for i, school in enumerate(schools):
        row = table.row(school)
        near = row.valid & ~row.too_far
        eligible = near & (row.score >= min_fit) & (places > 0)
        (slots,) = np.nonzero(eligible[slot_owner])
        owners = slot_owner[slots]
        far = np.fmin(row.distance[owners], _DISTANCE_TIE_CAP_KM)  # NaN (unknown) -> the cap
        cols, vals = np.empty(len(slots) + 1, dtype=index), np.empty(len(slots) + 1)
        cols[:-1], cols[-1] = slots, k + i
        vals[:-1] = -(row.score[owners] + table.ties[owners]) + tie_per_km * far
        vals[-1] = -float(min_fit) + 1e-6  # ties go to a real partner
        columns.append(cols)
        costs.append(vals)
        order = row.ranked(near)
        best_of.append(order[:keep])
        n_near = len(order)
        facts.append((int(row.valid.sum()), n_near, float(row.score[order[0]]) if n_near else None))
        if i % _PROGRESS_EVERY == _PROGRESS_EVERY - 1:
            report(_SCORED * (i + 1) / n)
    report(_SCORED)
    indptr = np.zeros(n + 1, dtype=index)
    np.cumsum([len(c) for c in columns], out=indptr[1:])
    cost = np.concatenate(costs)
    del costs
    cost += 1.0 - cost.min()  # positive weights: an explicit zero would read as no edge
    graph = csr_matrix((cost, np.concatenate(columns), indptr), shape=(n, k + n))
    del columns, cost
    rows, cols = min_weight_full_bipartite_matching(graph)
    del graph
    chosen: dict[int, int] = {}  # school index -> candidate index
    used = np.zeros(len(candidates), dtype=np.int64)
    for i, col in zip(rows.tolist(), cols.tolist(), strict=True):
        if col < k:
            chosen[i] = int(slot_owner[col])
            used[slot_owner[col]] += 1
    report(0.9)

    def build(i: int, j: int) -> Match:
        m = match_score(
            school=schools[i], candidate=candidates[j], weights=weights, factor_names=factor_names
        )
        assert m is not None  # scored above: it covers something
        return m

    firsts = {i: build(i, j) for i, j in chosen.items()}
    seconds = (
        _second_providers(table, schools, firsts, chosen, places - used) if second_providers else {}
    )
    result: list[Assignment] = []
    for i in range(n):
        j = chosen.get(i)
        alts = tuple(build(i, int(o)) for o in [o for o in best_of[i] if o != j][:alternatives])
        reason, best = "", None
        if j is None:
            reason, best = _unpaired_reason(schools[i], *facts[i], min_fit=min_fit)
        result.append(
            Assignment(
                school=schools[i],
                match=firsts.get(i),
                alternatives=alts,
                reason=reason,
                best_fit=best,
                second=build(i, seconds[i]) if i in seconds else None,
            )
        )
    result.sort(key=lambda a: given[a.school.id])
    report(1.0)
    return result


class _ScoreTable:
    """The candidates of a plan as numpy arrays, to score one school against all of them at
    once — the arithmetic of :func:`match_score`, in the same order, so the fits are equal."""

    def __init__(self, schools: Sequence[School], candidates: Sequence[Candidate], weights):
        import numpy as np

        self.np, self.weights, m = np, weights, len(candidates)
        codes = sorted(
            {code for s in schools for code in s.levels}
            | {code for c in candidates for code in (*c.low_factors, *c.declared)}
        )
        self.factor = {code: col for col, code in enumerate(codes)}
        cells = sorted(
            {key for s in schools for key in s.weak_cells}
            | {key for c in candidates for key in c.strong_cells}
        )
        self.cell = {key: col for col, key in enumerate(cells)}
        self.declared = np.zeros((m, len(codes)), dtype=bool)
        self.low = np.zeros((m, len(codes)), dtype=bool)
        self.strong = np.zeros((m, len(cells)), dtype=bool)
        for j, c in enumerate(candidates):
            # an experience left empty does not count as declared (as in match_score)
            declared = [self.factor[code] for code, text in c.declared.items() if text]
            self.declared[j, declared] = True
            self.low[j, [self.factor[code] for code in c.low_factors]] = True
            self.strong[j, [self.cell[key] for key in c.strong_cells]] = True
        self.offers = self.declared | self.low
        self.ids = np.array([c.id for c in candidates], dtype=np.int64)
        self.municipality = np.array([c.municipality_id for c in candidates], dtype=np.int64)
        self.results = np.array(
            [weights.results * RESULTS_SHARE.get(c.results or "", 0.0) for c in candidates]
        )
        self.lat = np.array([np.nan if c.lat is None else c.lat for c in candidates])
        self.lon = np.array([np.nan if c.lon is None else c.lon for c in candidates])
        self.located = ~np.isnan(self.lat) & ~np.isnan(self.lon)
        self.capacity = np.array([c.capacity for c in candidates], dtype=np.int64)
        self.load = np.array([c.load for c in candidates], dtype=np.int64)
        self.places = np.maximum(0, self.capacity - self.load)
        self.partners: dict[int, list[int]] = {}
        for j, c in enumerate(candidates):
            for school_id in c.partners_of:
                self.partners.setdefault(school_id, []).append(j)
        self.ties = np.array([1e-3 * results_rank(c) for c in candidates])
        # rank_key's results term and its (name, id) order, per candidate
        self.results_key = np.array(
            [
                -RESULTS_SHARE.get(c.results, 0.25) - min(len(c.strong_cells), 20) / 20
                for c in candidates
            ]
        )
        self.name_rank = np.empty(m, dtype=np.int64)
        self.name_rank[sorted(range(m), key=lambda j: (candidates[j].name, candidates[j].id))] = (
            np.arange(m)
        )

    def row(self, school: School) -> _Row:
        np, w = self.np, self.weights
        m = len(self.ids)
        points = np.zeros(m)
        covered = np.zeros(m, dtype=np.int64)
        for code in sorted(school.levels, key=lambda c: (school.levels[c] != HIGH, c)):
            level = school.levels[code]
            if level not in (HIGH, MEDIUM):
                continue
            weight = w.high if level == HIGH else w.medium
            declared, derived = self.declared[:, self.factor[code]], self.low[:, self.factor[code]]
            points += np.where(
                declared, weight * 1.0, np.where(derived, weight * w.derived_share, 0.0)
            )
            covered += declared | derived
        if school.weak_cells:
            cells = self.strong[:, [self.cell[key] for key in school.weak_cells]].sum(axis=1)
            points += w.high * w.derived_share * cells
            covered += cells
        valid = (covered > 0) & (self.ids != school.id)
        points += self.results
        same = self.municipality == school.municipality_id
        too_far = np.zeros(m, dtype=bool)
        distance = np.full(m, np.nan)
        if school.lat is not None and school.lon is not None:
            distance = _haversine_many(np, school.lat, school.lon, self.lat, self.lon)
            with np.errstate(invalid="ignore"):
                closeness = np.maximum(0.0, 1.0 - distance / w.max_distance_km)
                closeness = np.where(same, np.maximum(closeness, 0.5), closeness)
                if w.distance_limit_km is not None:
                    too_far = self.located & (distance > w.distance_limit_km)
            closeness = np.where(self.located, closeness, np.where(same, 1.0, 0.0))
        else:
            closeness = np.where(same, 1.0, 0.0)
        points += w.proximity * closeness
        free = self.capacity - self.load
        if school.id in self.partners:
            free[self.partners[school.id]] += 1
        has_capacity = self.capacity > 0
        points += np.where(
            has_capacity,
            w.load * np.maximum(0.0, free) / np.where(has_capacity, self.capacity, 1),
            0.0,
        )
        score = np.minimum(_round1(np, 100.0 * points / _ideal(school, w)), 100.0)
        return _Row(self, score, valid, too_far, same, covered, distance)


@dataclass
class _Row:
    """One school scored against every candidate (arrays over the candidates)."""

    table: _ScoreTable
    score: Any
    valid: Any
    too_far: Any
    same: Any
    covered: Any  # factors and cells covered
    distance: Any  # km, NaN where either side's place is unknown

    def ranked(self, mask: Any, *first: Any) -> Any:
        """Indices of the candidates in ``mask``, best first by :func:`rank_key` (preceded by
        the keys ``first``, most significant first)."""
        np, t = self.table.np, self.table
        (index,) = np.nonzero(mask)
        keys = (t.name_rank, t.results_key, -self.covered, ~self.same, -self.score)
        keys += tuple(reversed(first))
        return index[np.lexsort(tuple(key[index] for key in keys))]


def _haversine_many(np: Any, lat: float, lon: float, lats: Any, lons: Any) -> Any:
    """:func:`haversine_km` from one point to many, in the same steps."""
    r = 6371.0
    p1, p2 = math.radians(lat), np.radians(lats)
    dp, dl = p2 - p1, np.radians(lons - lon)
    a = np.sin(dp / 2) ** 2 + math.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * r * np.arcsin(np.sqrt(a))


def _round1(np: Any, values: Any) -> Any:
    """``round(x, 1)`` of every value, exactly as Python rounds (correctly rounded, halves to
    even): numpy's own rounding multiplies by ten first, which can differ at a half."""
    tenfold = values * 10.0
    rounded = np.rint(tenfold) / 10.0
    with np.errstate(invalid="ignore"):
        near_half = np.abs(tenfold - np.floor(tenfold) - 0.5) < 1e-6
    for at in np.nonzero(near_half)[0]:
        rounded[at] = round(float(values[at]), 1)
    return rounded


def _unpaired_reason(
    school: School, scored: int, near: int, best: float | None, *, min_fit: float
) -> tuple[str, float | None]:
    if not school.levels and not school.weak_cells:
        return (NO_WEAK if school.has_results else NO_DATA), None
    if not scored:
        return NO_COVER, None
    if not near:
        return TOO_FAR, None
    if best < min_fit:
        return LOW_FIT, best
    return NO_FREE, best


def _high(school: School) -> set[int]:
    return {c for c, level in school.levels.items() if level == HIGH}


def _second_providers(
    table: _ScoreTable,
    schools: Sequence[School],
    firsts: Mapping[int, Match],
    chosen: Mapping[int, int],
    free: Any,
) -> dict[int, int]:
    """school index -> a second candidate, with the places the first pass left (``free``, per
    candidate); schools in their given order, the candidate covering the most still-uncovered
    high factors first (then :func:`rank_key`)."""
    free = free.copy()
    seconds: dict[int, int] = {}
    for i, j in sorted(chosen.items()):
        high = _high(schools[i])
        if not high:
            continue
        first = set(firsts[i].factor_codes) & high
        if len(first) >= SECOND_PROVIDER_BELOW * len(high):
            continue
        rest = [table.factor[code] for code in sorted(high - first)]
        new = table.offers[:, rest].sum(axis=1)
        row = table.row(schools[i])
        mask = row.valid & ~row.too_far & (free > 0) & (new > 0)
        mask[j] = False
        order = row.ranked(mask, -new)
        if len(order):
            seconds[i] = best = int(order[0])
            free[best] -= 1
    return seconds
