"""Exports of the evidence-of-impact table."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from network_portal.ui.spreadsheets import (
    csv_response,
    csv_safe,
    workbook_text_only,
    xlsx_response,
)


def impact_export_response(
    *, table: list[dict], years: list[int], fmt: str, label: str, kind: str
) -> HttpResponse:
    """The impact table as CSV (semicolons, BOM: opens in Excel) or XLSX."""
    import tablib

    headers = [_("Group"), _("School subject")]
    for year in years:
        headers += [
            _("%(year)s: average score") % {"year": year},
            _("%(year)s: below threshold, %%") % {"year": year},
            _("%(year)s: schools") % {"year": year},
        ]
    data = tablib.Dataset(headers=headers, title=kind.upper())
    for row in table:
        values = [row["group"], row["subject"]]
        for _year, point in row["points"]:
            values += [
                round(point.average, 2) if point.average is not None else None,
                round(point.share_below, 2) if point.share_below is not None else None,
                point.schools,
            ]
        data.append(values)
    name = f"impact_{kind}_{timezone.localdate():%Y-%m-%d}"
    if fmt == "csv":
        return csv_response([[label], data.headers, *data], f"{name}.csv")
    return xlsx_response(data.export("xlsx"), f"{name}.xlsx")


def rows_export_response(
    *, headers: list[str], rows: list[list], fmt: str, name: str, title: str
) -> HttpResponse:
    """Rows as CSV (semicolons, BOM: opens in Excel) or XLSX, typed text never a formula."""
    from openpyxl import Workbook

    if fmt == "csv":
        return csv_response([headers, *(csv_safe(row) for row in rows)], f"{name}.csv")
    book = Workbook()
    sheet = book.active
    sheet.title = str(title)[:31]
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    sheet.freeze_panes = "B2"
    workbook_text_only(book)
    return xlsx_response(book, f"{name}.xlsx")
