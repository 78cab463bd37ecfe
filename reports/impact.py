"""Evidence of impact: do schools in partnerships improve more than the others?

For a municipality or the region, three groups of schools are compared year by year on the
state final attestation in mathematics and Russian: supported schools in a partnership,
supported schools without one, and all schools. Each point is a participant-weighted average
score and the share of pupils below the threshold, with the number of schools behind it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from partnerships.figures import PARTNERED_STATUSES, partnered_school_ids
from schools.figures import supported_school_ids
from schools.models import AssessmentResult, Organisation

GROUPS = {
    "partnered": _("Supported schools in a partnership"),
    "unpartnered": _("Supported schools without a partnership"),
    "all": _("All schools"),
}
SUBJECTS = {
    "math": (_("Mathematics"), ("math", "math_profile")),
    "russian": (pgettext_lazy("school subject", "Russian"), ("russian",)),
}
#: Partnership statuses in which a school counts as «in a partnership»: one definition,
#: ``partnerships.figures.PARTNERED_STATUSES``.
WORKING_STATUSES = PARTNERED_STATUSES


@dataclass(frozen=True)
class ImpactPoint:
    average: float | None
    share_below: float | None
    schools: int


def impact_series(
    *,
    rows: list[dict[str, Any]],
    groups: dict[str, set[int]],
    years: list[int],
) -> dict[tuple[str, str], list[ImpactPoint]]:
    """Pure: {(group, subject): [ImpactPoint per year]} from result rows
    ``{org, year, subject, participants, average, below}``."""
    subject_of = {s: key for key, (_, subjects) in SUBJECTS.items() for s in subjects}
    acc: dict[tuple[str, str, int], dict[str, Any]] = defaultdict(
        lambda: {"score": 0.0, "scored": 0, "below": 0, "counted": 0, "schools": set()}
    )
    for r in rows:
        subject = subject_of.get(r["subject"])
        if subject is None or not r["participants"]:
            continue
        for group, members in groups.items():
            if r["org"] not in members:
                continue
            a = acc[(group, subject, r["year"])]
            a["schools"].add(r["org"])
            if r["average"] is not None:
                a["score"] += float(r["average"]) * r["participants"]
                a["scored"] += r["participants"]
            if r["below"] is not None:
                a["below"] += r["below"]
                a["counted"] += r["participants"]
    series = {}
    for group in groups:
        for subject in SUBJECTS:
            points = []
            for year in years:
                a = acc.get((group, subject, year))
                if a is None:
                    points.append(ImpactPoint(None, None, 0))
                    continue
                points.append(
                    ImpactPoint(
                        a["score"] / a["scored"] if a["scored"] else None,
                        100.0 * a["below"] / a["counted"] if a["counted"] else None,
                        len(a["schools"]),
                    )
                )
            series[(group, subject)] = points
    return series


def impact_load(*, municipality_ids: list[int], kind: str) -> dict[str, Any]:
    """Groups and result rows of a territory in four queries."""
    schools = set(
        Organisation.objects.schools()
        .filter(municipality_id__in=municipality_ids, is_active=True)
        .values_list("pk", flat=True)
    )
    supported = {r["organisation_id"] for r in supported_school_ids(organisations=list(schools))}
    # a school that left its supported category while in a partnership is its success, so the
    # partnered group is not narrowed to today's supported schools
    partnered = {r["organisation_id"] for r in partnered_school_ids(organisations=list(schools))}
    subjects = [s for _, ss in SUBJECTS.values() for s in ss]
    rows = [
        {
            "org": r["organisation_id"],
            "year": r["year"],
            "subject": r["subject"],
            "participants": r["participants"],
            "average": r["average_score"],
            "below": r["below_threshold"],
        }
        for r in AssessmentResult.objects.filter(
            organisation_id__in=schools, kind=kind, subject__in=subjects
        ).values(
            "organisation_id",
            "year",
            "subject",
            "participants",
            "average_score",
            "below_threshold",
        )
    ]
    years = sorted({r["year"] for r in rows})[-5:]
    groups = {
        "partnered": partnered,
        "unpartnered": (supported - partnered),
        "all": schools,
    }
    return {"rows": rows, "groups": groups, "years": years}


#: How old the impact figures may be: read from the region's results at most this long ago (the
#: page says when). The figures change with a year's results or a partnership's status, a few
#: times a year, so a quarter of an hour is plenty fresh and spares every request the read of a
#: whole region (20,000 schools: 0.9 s).
IMPACT_FRESH_FOR = timedelta(minutes=15)


def impact_figures(*, municipality_ids: list[int], kind: str) -> dict[str, Any]:
    """:func:`impact_load` made into series and table once per territory and kind, kept in the
    cache for :data:`IMPACT_FRESH_FOR`; ``computed_at`` says when they were read."""
    territory = ",".join(str(pk) for pk in sorted(municipality_ids))
    key = f"reports:impact:{kind}:{hashlib.sha256(territory.encode()).hexdigest()[:32]}"
    figures = cache.get(key)
    if figures is None:
        loaded = impact_load(municipality_ids=municipality_ids, kind=kind)
        series = impact_series(rows=loaded["rows"], groups=loaded["groups"], years=loaded["years"])
        figures = {
            "years": loaded["years"],
            "series": series,
            "table": impact_table(series, loaded["years"]),
            "group_sizes": {k: len(v) for k, v in loaded["groups"].items()},
            "computed_at": timezone.now(),
        }
        cache.set(key, figures, IMPACT_FRESH_FOR.total_seconds())
    return figures


def impact_table(series, years) -> list[dict[str, Any]]:
    """Rows for the page and the export: one per group and subject."""
    table = []
    for (group, subject), points in series.items():
        table.append(
            {
                "group": str(GROUPS[group]),
                "subject": str(SUBJECTS[subject][0]),
                "group_key": group,
                "subject_key": subject,
                "points": list(zip(years, points, strict=True)),
            }
        )
    return table
