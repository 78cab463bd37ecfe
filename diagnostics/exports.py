"""Spreadsheets of the diagnostics app, built from the selectors' page data."""

from __future__ import annotations

import io

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Level
from .selectors import Heatmap


def heatmap_workbook(heatmap: Heatmap) -> bytes:
    """The heatmap as an XLSX workbook: a row per school, a coloured cell per factor."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    from network_portal.ui.spreadsheets import workbook_text_only

    fills = {
        "high": PatternFill("solid", fgColor="F1AEB5"),
        "medium": PatternFill("solid", fgColor="FFDA6A"),
        "low": PatternFill("solid", fgColor="A3CFBB"),
    }
    level_labels = dict(Level.choices)
    wb = Workbook()
    ws = wb.active
    ws.title = _("Risk profiles")[:31]
    title = _("Risk profiles of schools: %(m)s") % {"m": heatmap.municipality}
    if heatmap.cycle:
        title = f"{title} — {heatmap.cycle}"
    ws.append([title])
    ws["A1"].font = Font(bold=True, size=13)
    header = [_("School"), _("Category"), _("Profile date")] + [
        f"{f.code}. {f.short_name}" for f in heatmap.factors
    ]
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in heatmap.rows:
        profile = row.profile
        values = [
            str(row.school),
            str(row.category),
            date_format(timezone.localtime(profile.computed_at), "d.m.Y") if profile else "",
        ]
        for level in row.cells:
            values.append(
                f"{level_labels[level.level]} ({level.score:.0f} %)".replace(".", ",")
                if level
                else "—"
            )
        ws.append(values)
        for level, cell in zip(row.cells, ws[ws.max_row][3:], strict=False):
            if level:
                cell.fill = fills[level.level]
    ws.column_dimensions["A"].width = 40
    ws.column_dimensions["B"].width = 28
    ws.column_dimensions["C"].width = 14
    for index in range(len(heatmap.factors)):
        ws.column_dimensions[chr(ord("D") + index)].width = 18
    ws.freeze_panes = "B3"
    buffer = io.BytesIO()
    workbook_text_only(wb)
    wb.save(buffer)
    return buffer.getvalue()
