"""Server-rendered SVG charts: no JavaScript, printable, readable by WeasyPrint.

Each function returns a ``SafeString`` with an ``<svg role="img">`` whose ``aria-label`` names
the chart; pages should also show the numbers in a table for screen readers and printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from django.utils.formats import date_format, number_format
from django.utils.safestring import SafeString, mark_safe

PALETTE = ("#0d6efd", "#dc3545", "#198754", "#fd7e14", "#6f42c1", "#20c997", "#6c757d")


@dataclass(frozen=True)
class Series:
    label: str
    values: Sequence[float | None]  # one per x label; None = no data
    color: str | None = None


def fluid(svg: str) -> SafeString:
    """Let a chart shrink with a phone's screen (it keeps its viewBox)."""
    return mark_safe(svg.replace("<svg ", '<svg style="max-width:100%;height:auto" ', 1))  # noqa: S308


def _fmt(value: float, decimals: int) -> str:
    return number_format(round(value, decimals), decimal_pos=decimals)


# Advance widths of DejaVu Sans (the charts' font) in em, by kind of character: enough to
# know whether a label fits, without reading the font at run time.
_NARROW = frozenset(" .,;:!|'\"()[]/-iIjlrtfг1")
_WIDE = frozenset("mwMWжшщыюфЖШЩЮМФЫ%—…№@")


def _text_width(text: str, font_size: float) -> float:
    """An upper estimate of the width of ``text`` in pixels (DejaVu Sans)."""
    em = 0.0
    for char in text:
        if char in _NARROW:
            em += 0.40
        elif char in _WIDE:
            em += 1.10
        elif char.isupper():
            em += 0.80
        else:
            em += 0.68
    return em * font_size


def _fit(text: str, width: float, font_size: float) -> str:
    """``text``, cut with «…» so that it fits in ``width`` pixels."""
    if _text_width(text, font_size) <= width:
        return text
    while text and _text_width(text + "…", font_size) > width:
        text = text[:-1]
    return text.rstrip(" ,;:–—-") + "…"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** len(str(int(value))) / 10
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * magnitude
        if candidate >= value:
            return float(candidate)
    return float(value)


def line_chart(
    *,
    title: str,
    x_labels: Sequence[str],
    series: Sequence[Series],
    y_min: float | None = 0,
    y_max: float | None = None,
    unit: str = "",
    decimals: int = 1,
    width: int = 560,
    height: int = 240,
    legend: bool = True,
) -> SafeString:
    """A line chart of a few series over a few points (years).

    ``legend=False`` leaves the legend to the page (e.g. when the series names are long).
    """
    left, right, top, bottom = 44, 12, 14, (48 if legend else 26)
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    low = y_min if y_min is not None else (min(values) if values else 0)
    high = y_max if y_max is not None else _nice_max(max(values) if values else 1)
    if high <= low:
        high = low + 1
    n = max(len(x_labels), 1)

    def x(i: int) -> float:
        return left + (plot_w * (i + 0.5) / n)

    def y(v: float) -> float:
        return top + plot_h - (v - low) / (high - low) * plot_h

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    ticks = [low + (high - low) * k / 4 for k in range(5)]
    # as many decimals as the ticks need (12.5 printed as «12» would misplace its gridline)
    tick_decimals = next((d for d in (0, 1) if all(round(t, d) == round(t, 6) for t in ticks)), 2)
    for v in ticks:
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(v):.1f}" y2="{y(v):.1f}" '
            f'stroke="#dee2e6" stroke-width="1"/>'
            f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end" fill="#495057">'
            f"{_fmt(v, tick_decimals)}</text>"
        )
    for i, label in enumerate(x_labels):
        parts.append(
            f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle" fill="#495057">'
            f"{escape(str(label))}</text>"
        )
    for index, s in enumerate(series):
        color = s.color or PALETTE[index % len(PALETTE)]
        points = [(x(i), y(v), v) for i, v in enumerate(s.values) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py, _ in points)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.5"/>'
            )
        for px, py, v in points:
            parts.append(
                f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{color}">'
                f"<title>{escape(s.label)}: {_fmt(v, decimals)}{escape(unit)}</title></circle>"
                f'<text x="{px:.1f}" y="{py - 7:.1f}" text-anchor="middle" fill="{color}" '
                f'font-size="10">{_fmt(v, decimals)}</text>'
            )
    legend_y = height - 12
    cursor = left
    for index, s in enumerate(series if legend else ()):
        color = s.color or PALETTE[index % len(PALETTE)]
        parts.append(
            f'<rect x="{cursor}" y="{legend_y - 9}" width="12" height="4" fill="{color}"/>'
            f'<text x="{cursor + 16}" y="{legend_y - 4}" fill="#212529">{escape(s.label)}</text>'
        )
        cursor += 28 + 7 * len(s.label)
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


def bar_chart(
    *,
    title: str,
    bars: Sequence[tuple[str, float | None]],
    max_value: float | None = None,
    unit: str = "",
    decimals: int = 0,
    colors: Sequence[str] | None = None,
    width: int = 560,
    bar_height: int = 20,
    label_width: int = 220,
) -> SafeString:
    """Horizontal bars with their values, e.g. factor scores or completion per module."""
    gap = 6
    height = len(bars) * (bar_height + gap) + gap
    values = [v for _, v in bars if v is not None]
    top_value = max_value if max_value is not None else _nice_max(max(values) if values else 1)
    plot_w = width - label_width - 60
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}" '
        f'font-family="DejaVu Sans, sans-serif" font-size="11">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(bars):
        y = gap + i * (bar_height + gap)
        color = colors[i] if colors and i < len(colors) else PALETTE[0]
        # right-aligned at label_width - 6: a label wider than that would lose its first letters
        text = escape(_fit(label, label_width - 10, 11))
        parts.append(
            f'<text x="{label_width - 6}" y="{y + bar_height * 0.7:.1f}" text-anchor="end" '
            f'fill="#212529"><title>{escape(label)}</title>{text}</text>'
        )
        if value is None:
            parts.append(
                f'<text x="{label_width + 4}" y="{y + bar_height * 0.7:.1f}" fill="#6c757d">—</text>'
            )
            continue
        w = max(0.0, min(1.0, value / top_value if top_value else 0)) * plot_w
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" '
            f'fill="{color}" rx="2"/>'
            f'<text x="{label_width + w + 4:.1f}" y="{y + bar_height * 0.7:.1f}" fill="#212529">'
            f"{_fmt(value, decimals)}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped


# --- timeline (Gantt chart): rows of (label, start, end, colour) --------------------------------


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

    def day(d: date) -> str:  # dd.mm.yyyy; strftime costs several times more, 400 a chart
        return f"{d.day:02d}.{d.month:02d}.{d.year}"

    colors: dict[str, str] = {}  # a handful of colours for hundreds of rows
    for i, row in enumerate(rows):
        y = top + i * row_height
        label = row.label if len(row.label) <= 38 else row.label[:37] + "…"
        x1, x2 = x(row.start), x(row.end + timedelta(days=1))
        tip = f"{row.label}: {day(row.start)} — {day(row.end)}" + (
            f" · {row.note}" if row.note else ""
        )
        color = colors.get(row.color) or colors.setdefault(row.color, escape(row.color))
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<text x="{label_width - 6}" y="{y + row_height * 0.68:.1f}" text-anchor="end" '
            f'fill="#212529">{escape(label)}</text>'
            f'<rect x="{x1:.1f}" y="{y + 3}" width="{max(x2 - x1, 2):.1f}" '
            f'height="{row_height - 6}" rx="2" fill="{color}"/></g>'
        )
    if today and axis_start <= today <= axis_end:
        tx = x(today)
        parts.append(
            f'<line x1="{tx:.1f}" x2="{tx:.1f}" y1="{top - 4}" y2="{height - 4}" '
            f'stroke="#dc3545" stroke-width="1.5" stroke-dasharray="4 2"/>'
        )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 — every text above is escaped
