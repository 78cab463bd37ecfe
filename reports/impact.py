"""Evidence of impact: do schools in partnerships improve more than the others?

For a municipality or the region, three groups of schools are compared year by year on the
state final attestation in mathematics and Russian: supported schools in a partnership,
supported schools without one, and all schools. Each point is a participant-weighted average
score and the share of pupils below the threshold, with the number of schools behind it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
    return impact_points(sums=impact_sums(rows=rows, groups=groups), groups=groups, years=years)


def impact_sums(
    *, rows: list[dict[str, Any]], groups: dict[str, set[int]]
) -> dict[tuple[str, str, int], list]:
    """Pure: the sums behind each point, ``{(group, subject, year): [score × participants,
    participants scored, below, participants counted, schools]}``. Exact (the scores are
    summed as decimals), so the sums of separate municipalities add up to the sums of their
    union — the stored aggregates (``reports/aggregates.py``) rely on it."""
    subject_of = {s: key for key, (_, subjects) in SUBJECTS.items() for s in subjects}
    acc: dict[tuple[str, str, int], dict[str, Any]] = defaultdict(
        lambda: {"score": Decimal(0), "scored": 0, "below": 0, "counted": 0, "schools": set()}
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
                a["score"] += Decimal(str(r["average"])) * r["participants"]
                a["scored"] += r["participants"]
            if r["below"] is not None:
                a["below"] += r["below"]
                a["counted"] += r["participants"]
    return {
        key: [a["score"], a["scored"], a["below"], a["counted"], len(a["schools"])]
        for key, a in acc.items()
    }


def impact_points(
    *, sums: dict[tuple[str, str, int], list], groups: Iterable[str], years: list[int]
) -> dict[tuple[str, str], list[ImpactPoint]]:
    """Pure: the points of each group and subject from :func:`impact_sums`."""
    series = {}
    for group in groups:
        for subject in SUBJECTS:
            points = []
            for year in years:
                a = sums.get((group, subject, year))
                if a is None:
                    points.append(ImpactPoint(None, None, 0))
                    continue
                score, scored, below, counted, schools = a
                points.append(
                    ImpactPoint(
                        float(score) / scored if scored else None,
                        100.0 * below / counted if counted else None,
                        schools,
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
