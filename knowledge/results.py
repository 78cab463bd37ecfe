"""Results of a practice taken from the portal's own data of its source — never typed numbers.

``results_snapshot`` reads a partnership (or an event, or one school) and returns a plain JSON
dict: each school's risk profile before and after, its ВПР/ОГЭ/ЕГЭ shares of «2» (below the
threshold) in the last year before and the latest year, the completion of the source's
roadmaps and the events held. :func:`effect_of` decides, in a pure function, whether the data
proves an effect. A bounded number of queries whatever the size of the source.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from diagnostics.scoring import LEVEL_ORDER

#: A fall of the share of «2» by this many percentage points counts as an improvement.
SHARE_STEP = 5.0


def _profiles(org_ids: list[int]) -> dict[int, list[dict]]:
    """``{organisation: [{"at", "levels": {code: level}}]}`` oldest first, in two queries."""
    from diagnostics.models import FactorLevel, RiskProfile

    rows = list(
        RiskProfile.objects.filter(organisation_id__in=org_ids)
        .order_by("organisation_id", "computed_at", "pk")
        .values("pk", "organisation_id", "computed_at")
    )
    levels: dict[int, dict[str, str]] = defaultdict(dict)
    for profile_id, code, level in FactorLevel.objects.filter(
        profile_id__in=[r["pk"] for r in rows]
    ).values_list("profile_id", "factor__code", "level"):
        levels[profile_id][str(code)] = level
    result: dict[int, list[dict]] = defaultdict(list)
    for r in rows:
        result[r["organisation_id"]].append(
            {"at": timezone.localdate(r["computed_at"]).isoformat(), "levels": levels[r["pk"]]}
        )
    return result


def _before_after(profiles: list[dict], start: dt.date | None) -> tuple[dict | None, dict | None]:
    """The last profile on or before the start (else the first) and the newest one."""
    if not profiles:
        return None, None
    before = profiles[0]
    if start is not None:
        earlier = [p for p in profiles if p["at"] <= start.isoformat()]
        before = earlier[-1] if earlier else profiles[0]
    after = profiles[-1]
    return before, (after if after is not before else None)


def _shares(org_ids: list[int], start_year: int | None) -> dict[int, list[dict]]:
    """Per school and (assessment, subject): share of «2» / below threshold, before and latest."""
    from schools.models import AssessmentResult

    sums: dict[tuple[int, str, str, int], list[int]] = defaultdict(lambda: [0, 0])
    for org, kind, subject, year, participants, below, c2 in AssessmentResult.objects.filter(
        organisation_id__in=org_ids
    ).values_list(
        "organisation_id", "kind", "subject", "year", "participants", "below_threshold", "count_2"
    ):
        bad = below if below is not None else c2
        if bad is None or not participants:
            continue
        cell = sums[(org, kind, subject, year)]
        cell[0] += bad
        cell[1] += participants
    years: dict[tuple[int, str, str], dict[int, float]] = defaultdict(dict)
    for (org, kind, subject, year), (bad, total) in sums.items():
        years[(org, kind, subject)][year] = round(100.0 * bad / total, 1)
    result: dict[int, list[dict]] = defaultdict(list)
    for (org, kind, subject), by_year in sorted(years.items()):
        ordered = sorted(by_year)
        before_years = [y for y in ordered if start_year is None or y < start_year] or ordered[:1]
        before_year, after_year = before_years[-1], ordered[-1]
        if after_year == before_year:
            continue
        result[org].append(
            {
                "kind": kind,
                "subject": subject,
                "year_before": before_year,
                "share_before": by_year[before_year],
                "year_after": after_year,
                "share_after": by_year[after_year],
            }
        )
    return result


def _school_rows(
    orgs: list[tuple[int, str, str]], factor_codes: list[int], start: dt.date | None
) -> list[dict[str, Any]]:
    ids = [o[0] for o in orgs]
    profiles = _profiles(ids)
    shares = _shares(ids, start.year if start else None)
    rows = []
    for org_id, name, role in orgs:
        before, after = _before_after(profiles.get(org_id, []), start)
        rows.append(
            {
                "id": org_id,
                "name": name,
                "role": role,
                "factors": [str(c) for c in factor_codes],
                "profile_before": before,
                "profile_after": after,
                "results": shares.get(org_id, []),
            }
        )
    return rows


def _roadmaps(q: Q) -> dict[str, int] | None:
    from roadmaps.models import ItemStatus, RoadmapItem

    counts = RoadmapItem.objects.filter(q).aggregate(
        total=Count("pk", filter=~Q(status=ItemStatus.CANCELLED)),
        done=Count("pk", filter=Q(status=ItemStatus.DONE)),
    )
    if not counts["total"]:
        return None
    counts["percent"] = round(100 * counts["done"] / counts["total"])
    return counts


def _events(q: Q) -> list[dict[str, Any]]:
    from events.models import Event, EventStatus, RegistrationStatus

    return [
        {
            "title": e["title"],
            "date": timezone.localdate(e["starts_at"]).isoformat(),
            "attended": e["attended"],
        }
        for e in Event.objects.filter(q, status=EventStatus.HELD)
        .annotate(
            attended=Count(
                "registrations",
                filter=Q(
                    registrations__attended=True,
                    registrations__status=RegistrationStatus.REGISTERED,
                ),
            )
        )
        .order_by("starts_at")
        .values("title", "starts_at", "attended")[:50]
    ]


def partnership_snapshot(*, partnership) -> dict[str, Any]:
    from partnerships.models import MemberRole

    members = list(
        partnership.members.select_related("organisation").values_list(
            "organisation_id", "organisation__short_name", "role"
        )
    )
    labels = dict(MemberRole.choices)
    orgs = [(i, n, str(labels.get(r, r))) for i, n, r in members if r == MemberRole.SUPPORTED]
    codes = list(partnership.risk_factors.values_list("code", flat=True))
    return {
        "source": "partnership",
        "start": partnership.start_date.isoformat() if partnership.start_date else None,
        "end": partnership.end_date.isoformat() if partnership.end_date else None,
        "schools": _school_rows(orgs, codes, partnership.start_date),
        "roadmap": _roadmaps(Q(roadmap__partnership=partnership)),
        "events": _events(Q(partnership=partnership)),
    }


def event_snapshot(*, event) -> dict[str, Any]:
    start = timezone.localdate(event.starts_at)
    if event.partnership_id:
        snapshot = partnership_snapshot(partnership=event.partnership)
        snapshot["source"] = "event"
        return snapshot
    codes = list(event.risk_factors.values_list("code", flat=True))
    orgs = [(event.organiser_id, event.organiser.short_name, "")] if event.organiser_id else []
    return {
        "source": "event",
        "start": start.isoformat(),
        "end": start.isoformat(),
        "schools": _school_rows(orgs, codes, start),
        "roadmap": None,
        "events": _events(Q(pk=event.pk)),
    }


def factor_change(before: dict | None, after: dict | None, codes: list[str]) -> tuple[int, int]:
    """(improved, worsened) among ``codes`` (all factors when empty) between two profiles."""
    if not before or not after:
        return 0, 0
    keys = codes or sorted(set(before["levels"]) | set(after["levels"]))
    improved = worsened = 0
    for code in keys:
        b, a = before["levels"].get(code), after["levels"].get(code)
        if b is None or a is None:
            continue
        if LEVEL_ORDER[a] < LEVEL_ORDER[b]:
            improved += 1
        elif LEVEL_ORDER[a] > LEVEL_ORDER[b]:
            worsened += 1
    return improved, worsened


def effect_of(snapshot: dict[str, Any]) -> bool:
    """Does the data prove an effect? In some school more addressed risk factors went down
    than up, or a share of «2» fell by at least :data:`SHARE_STEP` points while none rose
    as much. Nothing is proved without a «before» and an «after»."""
    for school in snapshot.get("schools", []):
        improved, worsened = factor_change(
            school.get("profile_before"), school.get("profile_after"), school.get("factors", [])
        )
        if improved > worsened:
            return True
        deltas = [r["share_before"] - r["share_after"] for r in school.get("results", [])]
        if deltas and max(deltas) >= SHARE_STEP and min(deltas) > -SHARE_STEP:
            return True
    return False


def _day(value: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


def snapshot_events(snapshot: dict[str, Any]) -> list[dict[str, Any]]:
    return [e | {"date": _day(e.get("date"))} for e in snapshot.get("events") or []]


def snapshot_rows(snapshot: dict[str, Any], factor_names: dict[str, str]) -> list[dict[str, Any]]:
    """The snapshot as lines to print: per school, each factor before → after and each share."""
    from schools.models import AssessmentKind, Subject

    kinds, subjects = dict(AssessmentKind.choices), dict(Subject.choices)
    rows = []
    for school in snapshot.get("schools", []):
        before, after = school.get("profile_before"), school.get("profile_after")
        factors = []
        for code in school.get("factors") or sorted(
            (before or {}).get("levels", {}), key=lambda c: int(c)
        ):
            factors.append(
                {
                    "name": factor_names.get(str(code), str(code)),
                    "before": (before or {}).get("levels", {}).get(str(code)),
                    "after": (after or {}).get("levels", {}).get(str(code)),
                }
            )
        rows.append(
            {
                "name": school["name"],
                "before_at": _day((before or {}).get("at")),
                "after_at": _day((after or {}).get("at")),
                "factors": factors,
                "results": [
                    r
                    | {
                        "kind_label": kinds.get(r["kind"], r["kind"]),
                        "subject_label": subjects.get(r["subject"], r["subject"]),
                    }
                    for r in school.get("results", [])
                ],
            }
        )
    return rows
