"""The practice bank and the mentor bank as XLSX workbooks (text never becomes a formula)."""

from __future__ import annotations

from collections.abc import Iterable
from io import BytesIO

from django.utils.translation import gettext as _

from network_portal.ui.spreadsheets import workbook_text_only

from .forms import SUBJECT_CHOICES
from .models import Mentor, Practice


def _book(title: str, headers: list, rows: Iterable[list], widths: list[int]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDE7F5")
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append(row)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{sheet.max_row}"
    workbook_text_only(book)
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def practices_xlsx(*, practices: Iterable[Practice]) -> bytes:
    subjects = dict(SUBJECT_CHOICES)
    headers = [
        _("Title"), _("Status"), _("Municipality"), _("Risk factors"), _("Subjects"),
        _("Grades"), _("Forms of interaction"), _("Problem"), _("What was done"),
        _("Results"), _("Effect proved"), _("Published"),
    ]  # fmt: skip
    rows = (
        [
            p.title,
            p.get_status_display(),
            p.municipality.name,
            "; ".join(f.name for f in p.risk_factors.all()),
            ", ".join(str(subjects.get(s, s)) for s in p.subject_codes),
            ", ".join(str(g) for g in p.grade_list),
            "; ".join(f.name for f in p.forms.all()),
            p.problem,
            p.actions,
            p.results,
            _("yes") if p.proved_effect else _("no"),
            p.published_at.date() if p.published_at else None,
        ]
        for p in practices
    )
    return _book(_("Practices"), headers, rows, [40, 14, 22, 40, 24, 10, 36, 48, 48, 48, 10, 12])


def mentors_xlsx(*, rows: Iterable[tuple[Mentor, bool]]) -> bytes:
    """``rows``: (mentor, contacts visible to the requester); hidden contacts stay empty."""
    from diagnostics.models import TeacherNeed

    needs = dict(TeacherNeed.choices)
    headers = [
        _("Mentor"), _("Organisation"), _("Municipality"), _("Position"), _("Risk factors"),
        _("Teachers' difficulties"), _("Forms of work"), _("Places"), _("Taken"),
        _("Availability"), _("E-mail"), _("Phone"),
    ]  # fmt: skip
    data = (
        [
            m.full_name,
            m.workplace,
            m.municipality.name,
            m.position,
            "; ".join(f.name for f in m.risk_factors.all()),
            "; ".join(str(needs.get(n, n)) for n in m.need_codes),
            "; ".join(f.name for f in m.forms.all()),
            m.capacity,
            m.taken,
            m.availability,
            m.email if visible else "",
            m.phone if visible else "",
        ]
        for m, visible in rows
    )
    return _book(_("Mentors"), headers, data, [32, 30, 22, 24, 40, 40, 30, 8, 8, 24, 26, 18])
