"""Region-wide figures kept as aggregates, refreshed by beat (issue 17).

The impact page and the coordinator's home panel sum up a whole region (20,000 schools: 0.9 s
and 0.15 s). No page request computes them any more while the beat task
``reports.refresh_figures`` runs every :data:`REFRESH_EVERY`:

* **impact** — per municipality and assessment kind, the exact sums behind each point
  (:func:`reports.impact.impact_sums`: score × participants as decimals, participants, «below»,
  schools); a territory's figures are the sum of its municipalities' sums, so the region and
  each municipality are served from the same entries, and the sums add up to exactly the
  figures read live (``tests/reports/test_aggregates.py`` compares both);
* **coordinator** — the panel's rows of each region (``reports.dashboards``).

They live in the shared cache (Redis in production, ``CACHE_URL``) for :data:`KEEP_FOR`, three
beat periods: **at most :data:`REFRESH_EVERY` old while beat runs** (plus the task's own run,
about a second per kind at 20,000 schools), and never older than :data:`KEEP_FOR` if it stops —
then the first request after expiry reads the live figures and stores them, as without beat
(development, tests). The pages print when the figures were read and these two bounds.
The definitions stay in the ``*/figures.py`` modules and ``reports/impact.py``: the aggregates
are their outputs, never a second formula.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from schools.models import Municipality, Organisation, Region

from .impact import impact_load, impact_points, impact_sums, impact_table

#: The beat period of ``reports.refresh_figures`` (settings.CELERY_BEAT_SCHEDULE).
REFRESH_EVERY = timedelta(minutes=5)
#: How long an entry is kept: three beat periods, so one missed run changes nothing.
KEEP_FOR = 3 * REFRESH_EVERY
#: The assessment kinds the impact page compares (``reports.forms.ImpactForm``).
IMPACT_KINDS = ("oge", "ege")
GROUPS = ("partnered", "unpartnered", "all")


def _impact_key(municipality_id: int, kind: str) -> str:
    return f"reports:aggregate:impact:{kind}:{municipality_id}"


def _coordinator_key(region_id: int) -> str:
    return f"reports:aggregate:coordinator:{region_id}"


# --- impact ------------------------------------------------------------------------------------


def impact_municipality_sums(
    *, municipality_ids: list[int], kind: str
) -> dict[int, dict[str, Any]]:
    """Each municipality's sums for the impact page, read in five queries for all of them:
    ``{municipality: {"years": [...], "sums": {(group, subject, year): [...]}, "sizes": {}}}``."""
    loaded = impact_load(municipality_ids=municipality_ids, kind=kind)
    mun_of = dict(
        Organisation.objects.filter(pk__in=loaded["groups"]["all"]).values_list(
            "pk", "municipality_id"
        )
    )
    rows_of: dict[int, list] = defaultdict(list)
    for row in loaded["rows"]:
        rows_of[mun_of[row["org"]]].append(row)
    members_of: dict[int, dict[str, set]] = defaultdict(
        lambda: {name: set() for name in loaded["groups"]}
    )
    for name, members in loaded["groups"].items():
        for pk in members:
            if pk in mun_of:
                members_of[mun_of[pk]][name].add(pk)
    result = {}
    for mid in municipality_ids:
        groups = members_of[mid]
        rows = rows_of.get(mid, [])
        result[mid] = {
            "years": sorted({r["year"] for r in rows}),
            "sums": impact_sums(rows=rows, groups=groups),
            "sizes": {name: len(members) for name, members in groups.items()},
            "computed_at": timezone.now(),
        }
    return result


def impact_refresh(*, municipality_ids: list[int], kind: str) -> dict[int, dict[str, Any]]:
    """Read and store the sums of these municipalities."""
    entries = impact_municipality_sums(municipality_ids=municipality_ids, kind=kind)
    cache.set_many(
        {_impact_key(mid, kind): entry for mid, entry in entries.items()},
        KEEP_FOR.total_seconds(),
    )
    return entries


def impact_figures(*, municipality_ids: list[int], kind: str) -> dict[str, Any]:
    """The impact page's figures of a territory from its municipalities' stored sums (one cache
    read); the municipalities with none stored are read now and stored."""
    keys = {mid: _impact_key(mid, kind) for mid in municipality_ids}
    found = cache.get_many(list(keys.values()))
    entries = {mid: found[key] for mid, key in keys.items() if key in found}
    missing = [mid for mid in municipality_ids if mid not in entries]
    if missing:
        entries.update(impact_refresh(municipality_ids=missing, kind=kind))
    return impact_combine(list(entries.values()))


def impact_combine(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Pure: the figures of a territory from the sums of its municipalities."""
    sums: dict[tuple, list] = {}
    years: set[int] = set()
    sizes = dict.fromkeys(GROUPS, 0)
    for entry in entries:
        years.update(entry["years"])
        for name, n in entry["sizes"].items():
            sizes[name] += n
        for key, values in entry["sums"].items():
            total = sums.setdefault(key, [Decimal(0), 0, 0, 0, 0])
            for i, value in enumerate(values):
                total[i] += value
    shown = sorted(years)[-5:]
    series = impact_points(sums=sums, groups=GROUPS, years=shown)
    return {
        "years": shown,
        "series": series,
        "table": impact_table(series, shown),
        "group_sizes": sizes,
        "computed_at": min((e["computed_at"] for e in entries), default=timezone.now()),
    }


# --- the coordinator's panel -------------------------------------------------------------------


def coordinator_rows(*, region_ids: list[int]) -> dict[str, Any]:
    """The coordinator panel's rows of these regions from the stored ones; a region with none
    stored is read now and stored."""
    from .dashboards import coordinator_rows_live

    keys = {rid: _coordinator_key(rid) for rid in region_ids}
    found = cache.get_many(list(keys.values()))
    parts = []
    for rid, key in keys.items():
        entry = found.get(key)
        if entry is None:
            entry = {"rows": coordinator_rows_live(region_ids=[rid]), "computed_at": timezone.now()}
            cache.set(key, entry, KEEP_FOR.total_seconds())
        parts.append(entry)
    rows = [row for part in parts for row in part["rows"]]
    if len(parts) > 1:
        rows.sort(key=lambda r: str(r["municipality"]))
    return {"rows": rows, "computed_at": min(p["computed_at"] for p in parts)}


# --- the beat task's work ----------------------------------------------------------------------


def figures_refresh() -> int:
    """Recompute and store every region's aggregates (``reports.refresh_figures``); returns the
    number of entries written."""
    from .dashboards import coordinator_rows_live

    written = 0
    for region_id in Region.objects.order_by("pk").values_list("pk", flat=True):
        municipality_ids = list(
            Municipality.objects.filter(region_id=region_id).values_list("pk", flat=True)
        )
        for kind in IMPACT_KINDS:
            written += len(impact_refresh(municipality_ids=municipality_ids, kind=kind))
        cache.set(
            _coordinator_key(region_id),
            {"rows": coordinator_rows_live(region_ids=[region_id]), "computed_at": timezone.now()},
            KEEP_FOR.total_seconds(),
        )
        written += 1
    return written
