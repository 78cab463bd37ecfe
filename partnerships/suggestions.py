"""Matching one school at region scale (issue 17): the region's candidates kept as compact rows.

Ranking one supported school against every organisation of a region read each candidate's
newest risk profile (≈ 140,000 factor levels at 20,000 schools), built 20,000 candidates and
scored them all: 825 ms on a quiet machine, 3.9 s under load. Here:

* **Precomputed candidate data.** What a candidate offers that is costly to read — the low and
  high factors of its newest risk profile (as bit masks), its current category as a results
  level, its point and municipality — is read once per region and kept in the cache under a
  *version* of the data it comes from: the count and newest id of the risk profiles and of the
  current category assignments, the last change of an organisation
  (:func:`candidate_data_version`, 3 index reads). A new profile, a recomputed category,
  an imported or edited organisation changes the version, so the next request reads them
  again; nothing has to remember to refresh it. Kept at most :data:`KEEP_SECONDS` besides.
* **Read live, since they are small and change often:** declared strengths, capacities and
  resources (organisations that offered help), open partnerships (the load), municipalities'
  names and centroids.
* **Score cheaply, rank exactly.** Each row is scored by the very formula of
  :func:`partnerships.matching.match_score` on plain numbers; only the rows within a margin of
  the best ``top`` become :class:`~partnerships.matching.Candidate` objects and are ranked by
  :func:`~partnerships.matching.rank_candidates` itself — the same matches, reasons and order
  as ranking every candidate (``tests/partnerships/test_suggestions_scale.py`` compares both).

A school matched on its results (no risk profile: its weak cells) is matched the same way
against the strong cells of the region's schools, kept under a version of the results and the
category rules (:func:`strong_cells`): reading them is the costly part (5.7 s at 20,000 schools
under load), done once per import or rules change.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Max

from diagnostics.models import Level, RiskProfile
from schools.models import (
    SCHOOL_KINDS,
    SUPPORTED_CATEGORIES,
    AssessmentResult,
    CategoryAssignment,
    CategoryRules,
    Municipality,
    Organisation,
)

from . import matching
from .models import DeclaredStrength, ProviderProfile

#: The longest a region's candidate rows are kept even if no version change is seen (an edit
#: made outside the services, e.g. in the admin, that touches none of the counted rows).
KEEP_SECONDS = 60 * 60
#: Rows scored within this many points (of the 100 shown) of the ``top``-th best are ranked
#: exactly, so neither the rounding of the score to one decimal nor the order of ties can
#: leave out a candidate that the full ranking would show.
MARGIN = 0.5

# a compact row: (id, name, is_school, lat, lon, municipality_id, low_mask, high_mask,
#                 results, supported)
_ID, _NAME, _SCHOOL, _LAT, _LON, _MUN, _LOW, _HIGH, _RESULTS, _SUPPORTED = range(10)


def candidate_data_version() -> str:
    """What the cached rows depend on: the count and newest id of the risk profiles and of the
    current category assignments, the last change of an organisation — three index reads
    (≈ 2 ms at 20,000 schools), over the whole installation so that no join is needed."""
    profiles = RiskProfile.objects.aggregate(n=Count("pk"), last=Max("pk"))
    categories = CategoryAssignment.objects.filter(is_current=True).aggregate(
        n=Count("pk"), last=Max("pk")
    )
    changed = Organisation.objects.aggregate(last=Max("updated_at"))["last"]
    return (
        f"{profiles['n']}.{profiles['last']}.{categories['n']}.{categories['last']}."
        f"{changed.timestamp() if changed else 0}"
    )


def candidate_rows(*, region_id: int) -> list[tuple]:
    """The region's active organisations as compact rows, from the cache when the data they
    come from has not changed (see the module's note)."""
    key = f"partnerships:candidates:{region_id}:{candidate_data_version()}"
    rows = cache.get(key)
    if rows is None:
        rows = _read_rows(region_id)
        cache.set(key, rows, KEEP_SECONDS)
    return rows


def results_version() -> str:
    """What the strong cells depend on: the newest result (imports write new rows) and the
    category rules (two index reads)."""
    last = AssessmentResult.objects.aggregate(last=Max("pk"))["last"]
    rules = CategoryRules.objects.aggregate(n=Count("pk"), changed=Max("updated_at"))
    changed = rules["changed"].timestamp() if rules["changed"] else 0
    return f"{last}.{rules['n']}.{changed}"


def strong_cells(*, region_id: int) -> dict[int, dict[str, str]]:
    """The strong cells of every school of the region under its category rules — what a school
    matched on its results (no risk profile) looks for — kept under :func:`results_version`."""
    from .selectors import result_cells

    key = f"partnerships:strong:{region_id}:{results_version()}"
    cells = cache.get(key)
    if cells is None:
        schools = Organisation.objects.filter(
            municipality__region_id=region_id, is_active=True, kind__in=SCHOOL_KINDS
        ).values_list("pk", flat=True)
        cells = result_cells(organisation_ids=schools, region_id=region_id, strong=True)
        cache.set(key, cells, KEEP_SECONDS)
    return cells


def _mask(codes: Iterable[int]) -> int:
    mask = 0
    for code in codes:
        mask |= 1 << code
    return mask


def _read_rows(region_id: int) -> list[tuple]:
    from .selectors import _results_level, current_categories, latest_levels

    organisations = Organisation.objects.filter(municipality__region_id=region_id)
    levels = latest_levels(organisations=organisations, only=(Level.LOW, Level.HIGH))
    categories = current_categories(organisations=organisations)
    rows = []
    for pk, name, kind, lat, lon, municipality_id in (
        organisations.filter(is_active=True)
        .order_by()
        .values_list("id", "short_name", "kind", "latitude", "longitude", "municipality_id")
    ):
        own = levels.get(pk, {})
        category = categories.get(pk)
        rows.append(
            (
                pk,
                name,
                kind in SCHOOL_KINDS,
                float(lat) if lat is not None else None,
                float(lon) if lon is not None else None,
                municipality_id,
                _mask(c for c, lv in own.items() if lv == Level.LOW),
                _mask(c for c, lv in own.items() if lv == Level.HIGH),
                _results_level(category, kind in SCHOOL_KINDS, bool(own)),
                category in SUPPORTED_CATEGORIES,
            )
        )
    return rows


def _codes(mask: int) -> frozenset[int]:
    return frozenset(c for c in range(mask.bit_length()) if mask >> c & 1)


def rank_for_school(
    *,
    school: matching.School,
    region_id: int,
    weights: matching.Weights,
    default_capacity: int,
    factor_names: dict[int, str],
    top: int | None,
    candidate_ids: Iterable[int] | None = None,
) -> tuple[list[matching.Match], set[int]]:
    """The school's best ``top`` matches (all with ``None``; only ``candidate_ids`` if given)
    and the codes of its factors that some candidate within reach covers."""
    from .selectors import provider_loads

    rows = candidate_rows(region_id=region_id)
    if candidate_ids is not None:
        wanted = set(candidate_ids)
        rows = [r for r in rows if r[_ID] in wanted]
    declared: dict[int, dict[int, str]] = defaultdict(dict)
    for org_id, code, experience in (
        DeclaredStrength.objects.filter(organisation__municipality__region_id=region_id)
        .order_by()
        .values_list("organisation_id", "factor__code", "experience")
    ):
        declared[org_id][code] = experience
    declared_mask = {org_id: _mask(codes) for org_id, codes in declared.items()}
    capacities = dict(
        ProviderProfile.objects.filter(organisation__municipality__region_id=region_id).values_list(
            "organisation_id", "capacity"
        )
    )
    municipalities = {
        pk: (name, lat, lon)
        for pk, name, lat, lon in Municipality.objects.filter(region_id=region_id).values_list(
            "pk", "name", "latitude", "longitude"
        )
    }
    loads, partners_of = provider_loads(region_id=region_id)

    need = {c: lv for c, lv in school.levels.items() if lv in (matching.HIGH, matching.MEDIUM)}
    order = sorted(need, key=lambda c: (need[c] != matching.HIGH, c))
    need_mask = _mask(need)
    ideal = matching._ideal(school, weights)
    limit = weights.distance_limit_km
    # The formula of matching.match_score on plain numbers, its additions in the same order
    # (coverage, results, proximity, load), with what many rows share computed once.
    coverage: dict[tuple[int, int], float] = {}
    results_add = {
        level: weights.results * share for level, share in matching.RESULTS_SHARE.items()
    }
    here = (school.lat, school.lon) if None not in (school.lat, school.lon) else None
    centroids = {
        pk: (float(lat), float(lon)) if lat is not None and lon is not None else None
        for pk, (_name, lat, lon) in municipalities.items()
    }
    far = object()  # beyond the distance limit

    def closeness_to(point, same: bool):
        if here is None or point is None:
            return 1.0 if same else 0.0
        distance = matching.haversine_km(here[0], here[1], point[0], point[1])
        if limit is not None and distance > limit:
            return far
        closeness = max(0.0, 1.0 - distance / weights.max_distance_km)
        return max(closeness, 0.5) if same else closeness

    by_municipality: dict[int, Any] = {}  # rows without their own point share the centroid's
    plain_load = (
        weights.load * max(0.0, default_capacity) / default_capacity
        if default_capacity > 0
        else None
    )
    special = set(capacities) | set(loads) | set(partners_of)
    weak = set(school.weak_cells)
    strong = strong_cells(region_id=region_id) if weak else {}
    cells_weight = weights.high * weights.derived_share
    covered_mask = 0
    scored: list[tuple[float, tuple]] = []
    for row in rows:
        pk, _name, is_school, lat, lon, mun, low, _high, results, supported = row
        if supported:
            low = 0
        dmask = declared_mask.get(pk, 0) if declared_mask else 0
        offers = (low | dmask) & need_mask
        n_cells = 0
        if weak and is_school and not supported and pk in strong:
            n_cells = len(weak.intersection(strong[pk]))
        if not (offers or n_cells) or pk == school.id:
            continue
        key = (low & need_mask, dmask & need_mask)
        points = coverage.get(key)
        if points is None:
            points = 0.0
            for code in order:
                bit = 1 << code
                weight = weights.high if need[code] == matching.HIGH else weights.medium
                if dmask & bit:
                    points += weight * 1.0
                elif low & bit:
                    points += weight * weights.derived_share
            coverage[key] = points
        if n_cells:
            points += cells_weight * n_cells
        if results in results_add:
            points += results_add[results]
        same = mun == school.municipality_id
        if lat is not None and lon is not None:
            closeness = closeness_to((lat, lon), same)
        else:
            closeness = by_municipality.get(mun)
            if closeness is None:
                closeness = by_municipality[mun] = closeness_to(centroids.get(mun), same)
        if closeness is far:
            continue
        points += weights.proximity * closeness
        if pk not in special:
            if plain_load is not None:
                points += plain_load
        else:
            capacity = capacities.get(pk, default_capacity)
            already = school.id in partners_of.get(pk, ())
            free = capacity - (loads.get(pk, 0) - (1 if already else 0))
            if capacity > 0:
                points += weights.load * max(0.0, free) / capacity
        covered_mask |= offers
        scored.append((points, row))
    if top and len(scored) > top:
        floor = heapq.nlargest(top, (p for p, _r in scored))[-1] - MARGIN * ideal / 100.0
        scored = [(p, r) for p, r in scored if p >= floor]
    candidates = _candidates(
        [r for _s, r in scored],
        municipalities=municipalities,
        declared=declared,
        capacities=capacities,
        default_capacity=default_capacity,
        loads=loads,
        partners_of=partners_of,
        strong=strong,
    )
    ranked = matching.rank_candidates(
        school=school, candidates=candidates, weights=weights, factor_names=factor_names, top=top
    )
    return ranked, set(_codes(covered_mask))


def _point(row: tuple, municipalities: dict) -> tuple[float | None, float | None, str]:
    if row[_LAT] is not None and row[_LON] is not None:
        return row[_LAT], row[_LON], "school"
    _name, m_lat, m_lon = municipalities.get(row[_MUN], ("", None, None))
    if m_lat is not None and m_lon is not None:
        return float(m_lat), float(m_lon), "municipality"
    return None, None, ""


def _candidates(
    rows: list[tuple],
    *,
    municipalities: dict,
    declared: dict[int, dict[int, str]],
    capacities: dict[int, int],
    default_capacity: int,
    loads: dict[int, int],
    partners_of: dict[int, set[int]],
    strong: dict[int, dict[str, str]],
) -> list[matching.Candidate]:
    """The chosen rows as the matcher's candidates (one more query: their resources)."""
    resources: dict[int, list[str]] = defaultdict(list)
    for org_id, name in (
        ProviderProfile.resources.through.objects.filter(
            providerprofile__organisation_id__in=[r[_ID] for r in rows]
        )
        .order_by("resourcekind__order")
        .values_list("providerprofile__organisation_id", "resourcekind__name")
    ):
        resources[org_id].append(name)
    result = []
    for row in rows:
        pk = row[_ID]
        lat, lon, coords = _point(row, municipalities)
        result.append(
            matching.Candidate(
                id=pk,
                name=row[_NAME],
                municipality_id=row[_MUN],
                municipality_name=municipalities.get(row[_MUN], ("",))[0],
                lat=lat,
                lon=lon,
                coords=coords,
                low_factors=frozenset() if row[_SUPPORTED] else _codes(row[_LOW]),
                declared=declared.get(pk, {}),
                own_high=_codes(row[_HIGH]),
                results=row[_RESULTS],
                capacity=capacities.get(pk, default_capacity),
                load=loads.get(pk, 0),
                partners_of=frozenset(partners_of.get(pk, ())),
                resources=tuple(resources.get(pk, ())),
                strong_cells=strong.get(pk, {}) if row[_SCHOOL] and not row[_SUPPORTED] else {},
            )
        )
    return result
