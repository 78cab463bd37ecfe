"""The school list as a spreadsheet: the filtered rows, in CSV (Excel-friendly) or XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from django.db.models import F, QuerySet
from django.utils.translation import gettext as _

from network_portal.ui.spreadsheets import csv_safe, xlsx_text_only

from .models import Category, OrganisationKind


def export_headers() -> list[str]:
    return [
        _("Short name"),
        _("Full name"),
        _("Municipality"),
        _("Kind"),
        _("INN"),
        _("OGRN"),
        _("Regional code"),
        _("Address"),
        _("Phone"),
        _("E-mail"),
        _("Website"),
        _("Category"),
        _("Reasons"),
    ]


def export_rows(rows: QuerySet) -> Iterable[list[str]]:
    """One list per organisation; ``rows`` comes from ``selectors.school_table``."""
    labels, kinds = dict(Category.choices), dict(OrganisationKind.choices)
    rows = rows.annotate(category_reasons=F("current_category__reasons"))
    for o in rows.iterator(chunk_size=1000):
        reasons = o.category_reasons or []
        yield [
            o.short_name,
            o.full_name,
            o.municipality.name,
            str(kinds.get(o.kind, o.kind)),
            o.inn,
            o.ogrn,
            o.code,
            o.address,
            o.phone,
            o.email,
            o.website,
            str(labels.get(o.category_current, "")),
            "; ".join(r.get("text", "") for r in reasons if isinstance(r, dict)),
        ]


def to_csv(rows: Iterable[list[str]]) -> bytes:
    """``;``-separated UTF-8 with a BOM: what Russian Excel opens without questions."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(export_headers())
    writer.writerows(csv_safe(row) for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: Iterable[list[str]]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Schools"))
    sheet.freeze_panes = "A2"
    for letter, width in zip(
        "ABCDEFGHIJKLM", (28, 60, 28, 22, 13, 16, 10, 40, 18, 26, 26, 30, 80), strict=True
    ):
        sheet.column_dimensions[letter].width = width
    header = []
    for title in export_headers():
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_text_only(WriteOnlyCell(sheet, value=value)) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
