"""Spreadsheet exports that cannot turn typed text into formulas (CSV/formula injection).

A school name, a task or a comment typed as ``=HYPERLINK("https://…"&A1)`` must reach Excel as
the text it is. openpyxl stores any string that starts with ``=`` as a formula, so XLSX cells
are forced back to text; in CSV every cell that Excel would evaluate (``= + - @``, tab, CR at
the start) gets a leading apostrophe, as OWASP recommends.

Every XLSX download is answered by :func:`xlsx_response`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: What may stand in a quoted ``filename="…"``: printable ASCII without ``"`` and ``\``.
_NOT_QUOTABLE = re.compile(r'[^\x20-\x7e]|["\\]')


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


def attachment_disposition(filename: str) -> str:
    """``Content-Disposition`` of a download named ``filename`` (RFC 6266): an ASCII
    ``filename`` for old clients and, when the name is not ASCII (a Cyrillic title), the
    UTF-8 ``filename*`` of RFC 5987 that every current browser uses instead."""
    fallback = _NOT_QUOTABLE.sub("_", filename)
    if fallback == filename:
        return f'attachment; filename="{filename}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def xlsx_response(workbook_or_bytes: Any, filename: str) -> HttpResponse:
    """An XLSX download: an openpyxl workbook (saved here) or the bytes of one."""
    if isinstance(workbook_or_bytes, bytes | bytearray):
        content = bytes(workbook_or_bytes)
    else:
        buffer = io.BytesIO()
        workbook_or_bytes.save(buffer)
        content = buffer.getvalue()
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = attachment_disposition(filename)
    return response


def csv_response(rows: Iterable[Iterable[Any]], filename: str) -> HttpResponse:
    """A CSV download that opens in Excel as it is: semicolons and a UTF-8 byte-order mark."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerows(rows)
    response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition(filename)
    return response
