"""Pure builders of the progress-report context (отчёт о ходе реализации, DOMAIN.md).

No database here: :func:`school_report_context`, :func:`partnership_report_context` and
:func:`municipality_report_context` take a :class:`~reports.selectors.ReportData` loaded by the
selectors and return the dict the PDF template prints. Unit tests call them with hand-made rows.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from django.utils.translation import gettext as _

from diagnostics.models import Level
from events.models import EventStatus
from network_portal.ui.charts import Series, bar_chart, line_chart
from partnerships.models import AgreementKind, AgreementStatus, MemberRole, PartnershipStatus
from roadmaps.figures import completion_of_rows
from roadmaps.models import ProgrammeModule
from schools.models import Category

from .criteria import (
    CANCELLED,
    SERIES_LABELS,
    UNCONFIRMED,
    CriterionResult,
    criteria_for,
    fmt,
    item_is_done_late,
    item_is_overdue_on,
    score_series,
    signed,
)
from .selectors import Period, ReportData

LEVEL_ORDER = {Level.LOW: 0, Level.MEDIUM: 1, Level.HIGH: 2}
LEVEL_COLORS = {Level.HIGH: "#b02a37", Level.MEDIUM: "#b35c00", Level.LOW: "#146c43"}


def _judgement_day(period: Period, today: date) -> date:
    return min(period.end, today)


def _label(choices, value: str) -> str:
    return str(dict(choices).get(value, value or "—"))


def results_block(results: list[dict[str, Any]], years: tuple[int, ...]) -> dict[str, Any]:
    """A table (one row per assessment and subject) and two line charts (ОГЭ, ЕГЭ)."""
    rows = []
    by_key: dict[tuple[str, str, int], list[dict]] = {}
    for r in results:
        by_key.setdefault((r["kind"], r["subject"], r["year"]), []).append(r)
    series = score_series(results=results, years=years)
    for key, averages in series.items():
        cells = []
        for year, average in zip(years, averages, strict=True):
            year_rows = by_key.get((*key, year), [])
            participants = sum(r["participants"] for r in year_rows)
            below_rows = [r for r in year_rows if r["below"] is not None]
            below = sum(r["below"] for r in below_rows) if below_rows else None
            share = 100.0 * below / participants if below is not None and participants else None
            cells.append(
                {
                    "participants": participants or None,
                    "average": fmt(average),
                    "below": below,
                    "share": fmt(share),
                }
            )
        rows.append({"label": str(SERIES_LABELS.get(key, key[1])), "cells": cells})
    charts = []
    for kind, title in (
        ("oge", _("OGE (GIA-9): average score")),
        ("ege", _("EGE (GIA-11): average score")),
    ):
        kind_series = [
            Series(str(SERIES_LABELS.get(k, k[1])).split(", ", 1)[-1], v)
            for k, v in series.items()
            if k[0] == kind
        ]
        if kind_series:  # the title printed above its chart: the SVG's own is not shown
            svg = line_chart(
                title=title,
                x_labels=[str(y) for y in years],
                series=kind_series,
                unit="",
                width=330,
                height=200,
            )
            charts.append({"title": title, "svg": svg})
    return {"rows": rows, "charts": charts, "has_data": bool(rows)}


def profile_block(
    profiles: list[dict[str, Any]], factors: dict[int, dict[str, Any]], period: Period
) -> dict[str, Any]:
    """The risk profile then (the last before the period, else the first in it) and now."""
    if not profiles:
        return {"has_data": False}
    before = [p for p in profiles if p["computed_at"].date() <= period.start]
    then = before[-1] if before else profiles[0]
    now = profiles[-1]
    rows = []
    for factor_id, factor in factors.items():
        a = then["levels"].get(factor_id)
        b = now["levels"].get(factor_id) if now is not then else None
        if a is None and b is None:
            continue
        change = ""
        if a and b:
            delta = LEVEL_ORDER[b["level"]] - LEVEL_ORDER[a["level"]]
            change = _("better") if delta < 0 else _("worse") if delta > 0 else _("same")
        rows.append(
            {
                "code": factor["code"],
                "name": factor["name"],
                "then": _label(Level.choices, a["level"]) if a else "—",
                "then_level": a["level"] if a else "",
                "now": _label(Level.choices, b["level"]) if b else "—",
                "now_level": b["level"] if b else "",
                "change": change,
            }
        )
    high_then = sum(1 for r in rows if r["then_level"] == Level.HIGH)
    high_now = sum(1 for r in rows if r["now_level"] == Level.HIGH)
    return {
        "has_data": True,
        "single": now is then,
        "then_date": then["computed_at"],
        "then_cycle": then.get("cycle__title") or "",
        "now_date": now["computed_at"],
        "now_cycle": now.get("cycle__title") or "",
        "rows": rows,
        "high_then": high_then,
        "high_now": high_now,
    }


def _completion_rows(items: list[dict], key: str, labels: dict, day: date) -> list[dict]:
    order = {value: index for index, value in enumerate(labels)}
    groups: dict[Any, list[dict]] = {}
    for item in items:
        groups.setdefault(item[key], []).append(item)
    rows = []
    for group, group_items in groups.items():
        live = [i for i in group_items if i["status"] != CANCELLED]
        figure = completion_of_rows(live, day=day)
        done, overdue = figure["done"], figure["overdue"]
        due = sum(1 for i in live if i["due_date"] <= day)
        rows.append(
            {
                "sort": order.get(group, 999),
                "label": labels.get(group) or _("Not specified"),
                "total": len(live),
                "due": due,
                "done": done,
                "overdue": overdue,
                "percent": figure["percent"],
            }
        )
    return sorted(rows, key=lambda r: (r["sort"], str(r["label"])))


def roadmap_block(
    items: list[dict[str, Any]], factors: dict[int, dict[str, Any]], day: date
) -> dict[str, Any]:
    if not any(i["start_date"] <= day for i in items):
        return {"has_data": False}  # the plan had not begun by the end of the period
    modules = {value: str(label) for value, label in ProgrammeModule.choices}
    factor_labels = {fid: f"{f['code']}. {f['name']}" for fid, f in factors.items()}
    by_module = _completion_rows(items, "module", modules, day)
    by_factor = _completion_rows(items, "risk_factor_id", factor_labels, day)
    overdue = [
        {
            "task": i["task"],
            "roadmap": i.get("roadmap__title", ""),
            "due_date": i["due_date"],
            "days": (day - i["due_date"]).days,
            "responsible": i["responsible_person"]
            or " ".join(
                x
                for x in (
                    i.get("responsible_user__last_name"),
                    i.get("responsible_user__first_name"),
                )
                if x
            ),
        }
        for i in items
        if item_is_overdue_on(i, day)
    ]
    figure = completion_of_rows(items, day=day)
    live = [i for i in items if i["status"] != CANCELLED]
    chart = bar_chart(
        title=_("Roadmap completion by module, %"),
        bars=[(str(r["label"]), r["percent"]) for r in by_module],
        max_value=100,
        unit=" %",
        colors=["#198754" if (r["percent"] or 0) >= 80 else "#0d6efd" for r in by_module],
        width=640,
        label_width=300,
    )
    return {
        "has_data": True,
        "by_module": by_module,
        "by_factor": by_factor,
        "overdue": sorted(overdue, key=lambda o: -o["days"]),
        "total": figure["total"],
        "done": figure["done"],
        "percent": figure["percent"],
        # Closed without an actual value or evidence: shown apart, never counted as done.
        "unconfirmed": sum(1 for i in live if i["status"] == UNCONFIRMED),
        "late": sum(1 for i in live if item_is_done_late(i)),
        "chart": chart,
    }


def events_block(
    events: list[dict[str, Any]],
    attendance: dict[tuple[int, int], dict[str, int]],
    org_ids: list[int],
) -> dict[str, Any]:
    rows = []
    for e in events:
        registered = sum(attendance.get((e["id"], o), {}).get("registered", 0) for o in org_ids)
        attended = sum(attendance.get((e["id"], o), {}).get("attended", 0) for o in org_ids)
        rows.append(
            {
                "date": e["starts_at"],
                "title": e["title"],
                "organiser": e["organiser__short_name"],
                "status": _label(EventStatus.choices, e["status"]),
                "held": e["status"] == EventStatus.HELD,
                "registered": registered,
                "attended": attended,
            }
        )
    return {
        "has_data": bool(rows),
        "rows": rows,
        "held": sum(1 for r in rows if r["held"]),
        "attended": sum(r["attended"] for r in rows),
        "registered": sum(r["registered"] for r in rows),
    }


def school_section(
    school: dict[str, Any], data: ReportData, period: Period, today: date
) -> dict[str, Any]:
    """Everything the report prints about one school."""
    org = school["id"]
    years = period.years
    day = _judgement_day(period, today)
    results = [r for r in data.results if r["org"] == org]
    items = [i for i in data.items if i["org"] == org]
    own_events = {m["partnership_id"] for m in data.memberships.get(org, [])}
    events = [
        e for e in data.events if e["partnership_id"] in own_events or e["organiser_id"] == org
    ]
    category = data.categories.get(org)
    memberships = [
        {
            "title": m["partnership__title"],
            "status": _label(PartnershipStatus.choices, m["partnership__status"]),
            "role": _label(MemberRole.choices, m["role"]),
            "others": ", ".join(
                f"{o['organisation__short_name']} ({_label(MemberRole.choices, o['role']).lower()})"
                for o in m["others"]
            ),
        }
        for m in data.memberships.get(org, [])
    ]
    section = {
        "id": org,
        "name": school["short_name"],
        "full_name": school["full_name"],
        "director": school["director_name"],
        "municipality": school["municipality__name"],
        "category": _label(Category.choices, category["category"]) if category else "",
        "category_year": category["year"] if category else None,
        "partnerships": memberships,
        "criteria": criteria_for(results=results, items=items, years=years, day=day),
        "results": results_block(results, years),
        "profile": profile_block(data.profiles.get(org, []), data.factors, period),
        "roadmap": roadmap_block(items, data.factors, day),
        "events": events_block(events, data.attendance, [org]),
        "reviews": [r for r in data.reviews if r.get("org") == org],
        "concerns": [c for c in data.concerns if c.get("org") == org],
    }
    section["has_data"] = any(
        section[k]["has_data"] for k in ("results", "profile", "roadmap", "events")
    )
    return section


def _criteria_summary(sections: list[dict[str, Any]]) -> list[dict[str, Any]]:
    summary = []
    for index, key in enumerate(("no_below", "dynamics", "roadmap")):
        verdicts = Counter(s["criteria"][index].met for s in sections)
        summary.append(
            {
                "title": str(CriterionResult(key, None, "").title),
                "met": verdicts[True],
                "not_met": verdicts[False],
                "unknown": verdicts[None],
                "total": len(sections),
            }
        )
    return summary


def _base(
    *, title: str, subject: str, period: Period, printed_by: str, printed_at: datetime
) -> dict[str, Any]:
    return {
        "title": title,
        "subject": subject,
        "period": period,
        "years": period.years,
        "printed_by": printed_by,
        "printed_at": printed_at,
    }


def school_report_context(
    *, data: ReportData, period: Period, printed_by: str, printed_at: datetime
) -> dict[str, Any]:
    school = data.schools[0]
    section = school_section(school, data, period, printed_at.date())
    return {
        **_base(
            title=_("Progress report"),
            subject=school["short_name"],
            period=period,
            printed_by=printed_by,
            printed_at=printed_at,
        ),
        "kind": "school",
        "sections": [section],
        "has_data": section["has_data"],
        "subtitle": school["full_name"],
        "territory": school["municipality__name"],
    }


def _group_context(*, data: ReportData, period: Period, printed_at: datetime) -> dict[str, Any]:
    sections = [school_section(s, data, period, printed_at.date()) for s in data.schools]
    day = _judgement_day(period, printed_at.date())
    overall = results_block(data.results, period.years)
    items = data.items
    summary_rows = [
        {
            "name": s["name"],
            "category": s["category"],
            "criteria": s["criteria"],
            "percent": s["roadmap"].get("percent"),
            "overdue": len(s["roadmap"].get("overdue", [])),
            "events": s["events"]["held"],
            "attended": s["events"]["attended"],
        }
        for s in sections
    ]
    return {
        "sections": sections,
        "summary_rows": summary_rows,
        "criteria_summary": _criteria_summary(sections),
        "overall_results": overall,
        "overall_roadmap": roadmap_block(items, data.factors, day),
        "has_data": any(s["has_data"] for s in sections),
    }


def partnership_report_context(
    *,
    data: ReportData,
    partnership: dict[str, Any],
    period: Period,
    printed_by: str,
    printed_at: datetime,
) -> dict[str, Any]:
    header = {
        **partnership,
        "members": [
            {"name": m["organisation__short_name"], "role": _label(MemberRole.choices, m["role"])}
            for m in partnership["members"]
        ],
        "agreements": [
            {
                **a,
                "kind": _label(AgreementKind.choices, a["kind"]),
                "status": _label(AgreementStatus.choices, a["status"]),
            }
            for a in partnership["agreements"]
        ],
    }
    return {
        **_base(
            title=_("Progress report of a partnership"),
            subject=partnership["title"],
            period=period,
            printed_by=printed_by,
            printed_at=printed_at,
        ),
        "kind": "partnership",
        "partnership": header,
        "territory": partnership["municipality"],
        **_group_context(data=data, period=period, printed_at=printed_at),
    }


def municipality_report_context(
    *,
    data: ReportData,
    municipality: str,
    period: Period,
    printed_by: str,
    printed_at: datetime,
) -> dict[str, Any]:
    return {
        **_base(
            title=_("Progress report of a municipality"),
            subject=municipality,
            period=period,
            printed_by=printed_by,
            printed_at=printed_at,
        ),
        "kind": "municipality",
        "territory": municipality,
        **_group_context(data=data, period=period, printed_at=printed_at),
    }


__all__ = [
    "municipality_report_context",
    "partnership_report_context",
    "school_report_context",
    "signed",
]
