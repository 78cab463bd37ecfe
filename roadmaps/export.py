"""The roadmap as an XLSX workbook (openpyxl): one row per item, ready to print in Excel."""

from __future__ import annotations

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from network_portal.ui.spreadsheets import workbook_text_only

from .models import Roadmap, RoadmapItem


def overview_xlsx(*, rows: list[dict]) -> bytes:
    """The whole municipality overview (the page shows it 50 schools at a time)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = _("Overview")[:31]
    sheet.append([_("School"), _("Roadmap"), _("Status"), _("Done, %"), _("Overdue"),
                  _("Last rating"), _("Open concerns")])  # fmt: skip
    for row in rows:
        concerns = "; ".join(c.text for c in row["concerns"])
        for roadmap in row["roadmaps"] or [None]:
            rating = getattr(roadmap, "last_rating", None)
            sheet.append([
                row["organisation"].short_name,
                roadmap.title if roadmap else "",
                roadmap.get_status_display() if roadmap else "",
                roadmap.percent if roadmap else None,
                roadmap.n_overdue if roadmap else None,
                str(rating) if rating else "",
                concerns,
            ])  # fmt: skip
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 40
    workbook_text_only(book)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def roadmap_xlsx(*, roadmap: Roadmap, items: list[RoadmapItem], evidence: dict[int, list]) -> bytes:
    """The roadmap as a sheet; ``evidence``: each item's evidence by its pk."""
    # openpyxl pulls in numpy: imported on export only, not by every process loading the URLs
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    today = timezone.localdate()
    book = Workbook()
    sheet = book.active
    sheet.title = _("Roadmap")[:31]
    sheet.append([roadmap.title])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([f"{roadmap.organisation.short_name} · {roadmap.get_status_display()}"])
    sheet.append([])
    headers = [
        _("No."), _("Task"), _("Measure"), _("Risk factor"), _("Programme module"),
        _("Responsible person"), _("Responsible organisation"), _("Co-responsible"),
        _("Start"), _("Due"), _("Target indicator"), _("Target value"), _("Actual value"),
        _("Status"), _("Evidence"),
    ]  # fmt: skip
    sheet.append(headers)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F5")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for number, item in enumerate(items, start=1):
        status = (
            pgettext("roadmap item status", "Overdue")
            if item.is_overdue(today)
            else item.get_status_display()
        )
        proof = "; ".join(e.file_name or e.url or e.text for e in evidence.get(item.pk, ()))
        sheet.append([
            number, item.task, item.measure,
            str(item.risk_factor) if item.risk_factor else "",
            item.get_module_display(), item.responsible_person,
            item.responsible_organisation.short_name if item.responsible_organisation else "",
            item.co_responsible_organisation.short_name
            if item.co_responsible_organisation else "",
            item.start_date, item.due_date, item.target_indicator,
            float(item.target_value) if item.target_value is not None else None,
            float(item.actual_value) if item.actual_value is not None else item.actual_text,
            status, proof,
        ])  # fmt: skip
        for column in (9, 10):
            sheet.cell(row=sheet.max_row, column=column).number_format = "DD.MM.YYYY"
    widths = [5, 36, 48, 30, 28, 22, 24, 24, 12, 12, 34, 10, 10, 14, 36]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in sheet.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(headers))}{sheet.max_row}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth = 1
    workbook_text_only(book)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
