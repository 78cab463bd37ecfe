"""A server-rendered SVG timeline (Gantt chart) of roadmap items.

Generic over rows of (label, start, end, colour), so progress reports can reuse it; printable
and readable by WeasyPrint like the charts of ``network_portal.ui.charts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from django.utils.formats import date_format
from django.utils.safestring import SafeString, mark_safe

STATUS_COLORS = {
    "planned": "#adb5bd",
    "in_progress": "#0d6efd",
    "done": "#198754",
    "unconfirmed": "#ffc107",
    "cancelled": "#dee2e6",
    "overdue": "#dc3545",
}


@dataclass(frozen=True)
class GanttRow:
    label: str
    start: date
    end: date
    color: str = "#0d6efd"
    note: str = ""  # shown in the tooltip (status, responsible …)


def _months(first: date, last: date) -> list[date]:
    months, cursor = [], date(first.year, first.month, 1)
    while cursor <= last:
        months.append(cursor)
        cursor = date(cursor.year + (cursor.month == 12), cursor.month % 12 + 1, 1)
    return months


def gantt_chart(
    *,
    title: str,
    rows: Sequence[GanttRow],
    today: date | None = None,
    width: int = 900,
    row_height: int = 18,
    label_width: int = 280,
) -> SafeString:
    """Bars from start to end on a month axis; a red line marks today."""
    if not rows:
        return mark_safe("")
    first = min(r.start for r in rows)
    last = max(r.end for r in rows)
    months = _months(first, last)
    axis_start = months[0]
    axis_end = date(last.year + (last.month == 12), last.month % 12 + 1, 1)
    span = max((axis_end - axis_start).days, 1)
    plot_w = width - label_width - 10
    top = 28
    height = top + len(rows) * row_height + 8

    def x(day: date) -> float:
        return label_width + plot_w * (day - axis_start).days / span

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, sans-serif" font-size="10">',
        f"<title>{escape(title)}</title>",
    ]
    step = 1 if len(months) <= 14 else (2 if len(months) <= 28 else 3)
    for index, month in enumerate(months):
        mx = x(month)
        parts.append(
            f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top - 6}" y2="{height - 4}" '
            f'stroke="#e9ecef" stroke-width="1"/>'
        )
        if index % step == 0:
            parts.append(
                f'<text x="{mx + 2:.1f}" y="{top - 10}" fill="#495057">'
                f"{escape(date_format(month, 'M y'))}</text>"
            )
    for i, row in enumerate(rows):
        y = top + i * row_height
        label = row.label if len(row.label) <= 38 else row.label[:37] + "…"
        x1, x2 = x(row.start), x(row.end + timedelta(days=1))
        tip = f"{row.label}: {row.start.strftime('%d.%m.%Y')} — {row.end.strftime('%d.%m.%Y')}" + (
            f" · {row.note}" if row.note else ""
        )
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<text x="{label_width - 6}" y="{y + row_height * 0.68:.1f}" text-anchor="end" '
            f'fill="#212529">{escape(label)}</text>'
            f'<rect x="{x1:.1f}" y="{y + 3}" width="{max(x2 - x1, 2):.1f}" '
            f'height="{row_height - 6}" rx="2" fill="{escape(row.color)}"/></g>'
        )
    if today and axis_start <= today <= axis_end:
        tx = x(today)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 4}" y2="{height - 4}" '
            f'stroke="#dc3545" stroke-width="1.5" stroke-dasharray="4 2"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
