"""XLSX files read within limits (issue 16, item 8).

A 385 KB XLSX took 29.6 s and 731 MB to read and a 1.1 MB one got the web worker killed: a
sheet may declare cells far away (``XFD500000``), so that every row is padded to 16,384
columns, or hold a member that unpacks to gigabytes (a zip bomb). Before anything is parsed
the archive is checked (unpacked size, compression ratio); while reading, the rows, the
columns and each cell's length are capped. A file over a limit is refused with a Russian
message; nothing is written. Reading happens in the Celery worker (``tasks.read_import``),
never in the web request. Cells beyond column ``MAX_COLUMNS + 1`` are not read at all (a value
in that column refuses the file; one further right is beyond any header a file may have).
"""

from __future__ import annotations

import io
import zipfile

from django.utils.translation import gettext as _

from .reader import ImportFileError, Table, _cell_text, _to_table

MAX_ROWS = 100_000  # data rows, the header not counted
MAX_COLUMNS = 300
MAX_CELL_CHARS = 10_000
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
#: A member unpacking to more than ``RATIO_CHECK_FROM`` bytes at more than this ratio is a
#: bomb, not a spreadsheet (sheets of real tables compress 5–30 times).
MAX_RATIO = 200
RATIO_CHECK_FROM = 5 * 1024 * 1024
MAX_MEMBERS = 2000
#: A sheet reaching this row is refused whatever it holds: openpyxl pads every row before a
#: far-away one, and reading a million padded rows alone takes many seconds.
MAX_SHEET_ROW = 2 * MAX_ROWS


def is_spreadsheet(data: bytes, file_name: str) -> bool:
    return data[:2] == b"PK" or file_name.lower().endswith(".xlsx")


def _thousands(n: int) -> str:
    return f"{n:,}".replace(",", "\u00a0")


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f}"


def check_archive(data: bytes) -> None:
    """Refuse an XLSX whose archive would unpack too large (cheap: reads the directory only)."""
    try:
        members = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise ImportFileError(
            _("The file cannot be read as an XLSX table. Save it again from Excel or as CSV.")
        ) from exc
    if len(members) > MAX_MEMBERS:
        raise ImportFileError(
            _("The file cannot be read as an XLSX table. Save it again from Excel or as CSV.")
        )
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED_BYTES:
        raise ImportFileError(
            _(
                "Unpacked, the XLSX file takes %(size)s MB, more than the %(limit)s MB allowed. "
                "Delete unused sheets and formatting, or save the table as CSV."
            )
            % {"size": _mb(unpacked), "limit": _mb(MAX_UNPACKED_BYTES)}
        )
    for member in members:
        if member.file_size > RATIO_CHECK_FROM and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise ImportFileError(
                _(
                    "The XLSX file is packed suspiciously tightly (%(size)s MB in %(packed)s KB): "
                    "it is not read. Save the table again from Excel or as CSV."
                )
                % {"size": _mb(member.file_size), "packed": member.compress_size // 1024}
            )


def read_xlsx(data: bytes) -> Table:
    """The first sheet as a table of strings, within the limits of this module."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    check_archive(data)
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError(
            _("The file cannot be read as an XLSX table. Save it again from Excel or as CSV.")
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        raw, lines = [], []
        filled = 0
        rows = sheet.iter_rows(values_only=True, max_row=MAX_SHEET_ROW, max_col=MAX_COLUMNS + 1)
        for number, values in enumerate(rows, start=1):
            if number >= MAX_SHEET_ROW:
                raise ImportFileError(
                    _(
                        "The sheet reaches row %(line)s or further; a table may have at most "
                        "%(limit)s rows. Delete the rows below the table (even empty ones) or "
                        "split the file."
                    )
                    % {"line": _thousands(MAX_SHEET_ROW), "limit": _thousands(MAX_ROWS)}
                )
            if len(values) > MAX_COLUMNS and values[MAX_COLUMNS] not in (None, ""):
                raise ImportFileError(
                    _(
                        "Row %(line)s has a value in column %(letter)s: a table may have at "
                        "most %(limit)s columns. Delete the columns that are not needed."
                    )
                    % {
                        "line": number,
                        "letter": get_column_letter(MAX_COLUMNS + 1),
                        "limit": MAX_COLUMNS,
                    }
                )
            if values.count(None) == len(values):
                continue  # an empty row (a far cell pads many): nothing to keep
            cells = [_cell_text(v) for v in values[:MAX_COLUMNS]]
            filled += 1
            if filled > MAX_ROWS + 1:
                raise ImportFileError(
                    _(
                        "The table has more than %(limit)s rows. Split the file into parts and "
                        "import them one by one."
                    )
                    % {"limit": _thousands(MAX_ROWS)}
                )
            for index, cell in enumerate(cells):
                if len(cell) > MAX_CELL_CHARS:
                    raise ImportFileError(
                        _(
                            "Row %(line)s, column %(letter)s: the cell holds %(size)s characters, "
                            "at most %(limit)s are allowed."
                        )
                        % {
                            "line": number,
                            "letter": get_column_letter(index + 1),
                            "size": len(cell),
                            "limit": MAX_CELL_CHARS,
                        }
                    )
            raw.append(cells)
            lines.append(number)
    finally:
        workbook.close()
    table = _to_table(raw, lines, [], counted=False)
    table.encoding, table.delimiter = "xlsx", ""
    return table
