"""Spreadsheet exports that cannot turn typed text into formulas (CSV/formula injection).

A school name, a task or a comment typed as ``=HYPERLINK("https://…"&A1)`` must reach Excel as
the text it is. openpyxl stores any string that starts with ``=`` as a formula, so XLSX cells
are forced back to text; in CSV every cell that Excel would evaluate (``= + - @``, tab, CR at
the start) gets a leading apostrophe, as OWASP recommends.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(row: Iterable[Any]) -> list[Any]:
    return [
        "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value
        for value in row
    ]


def xlsx_text_only(cell):
    """A cell of our data never holds a formula: what openpyxl took for one is text."""
    if cell.data_type == "f":
        cell.data_type = "s"
    return cell


def workbook_text_only(book) -> None:
    """``xlsx_text_only`` over every cell of a (not write-only) workbook."""
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                xlsx_text_only(cell)
