"""Reading a spreadsheet as municipalities keep it: CSV in any of the usual encodings and
separators, or XLSX. Pure functions over bytes; no database.

What is tolerated (each case occurs in the real Moscow files, see
``tests/data/moscow/README.md``): a UTF-8 byte-order mark, cp1251, ``;``/``,``/tab,
CRLF or no final newline, a trailing separator on every line (an empty unnamed last column),
and *unescaped* quotes inside quoted fields (``"Лицей № 1546 "Плехановец"",``). For the last,
a line that a strict parser rejects, or whose number of values differs from the header's, is
re-read with the rule "a quoted field ends only at a ``"`` followed by separator + ``"``, by
two separators or by the end of the line", and the row is reported as recovered.

What is *not* tolerated: a row with more or fewer values than the header has columns that the
recovery cannot read either (``Школа;ул. Мира; 5;123`` under a three-column header: the
separator inside the address shifts every later value). Cutting or padding such a row would
import «ул. Мира» as the address and «5» as the phone, so the row carries ``error`` (a Russian
message) and ``error_column``, and the import reports it as invalid with its line.
Empty values after the last named column are not extra values (a trailing separator).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

ALLOWED_EXTENSIONS = (".csv", ".txt", ".xlsx")
SEPARATORS = (";", ",", "\t")


class ImportFileError(Exception):
    """The file as a whole cannot be imported; the message is for the user."""


@dataclass
class Row:
    line: int  # 1-based line (CSV) or row (XLSX) in the file, header included
    values: list[str]
    recovered: bool = False  # unescaped quotes were repaired
    #: Why the row cannot be read as the header says (wrong number of values); "" when it can.
    error: str = ""
    error_column: str = ""


@dataclass
class Table:
    headers: list[str]
    rows: list[Row]
    encoding: str = ""
    delimiter: str = ""
    recovered_lines: list[int] = field(default_factory=list)


def read_table(data: bytes, *, file_name: str) -> Table:
    """Decode and parse a CSV or XLSX file into a header and rows of strings."""
    name = file_name.lower()
    if not data:
        raise ImportFileError(_("The file is empty."))
    if data[:4] == b"\xd0\xcf\x11\xe0":
        raise ImportFileError(
            _("This is an old Excel (XLS) file. Save it as XLSX or CSV and upload it again.")
        )
    if data[:2] == b"PK" or name.endswith(".xlsx"):
        return _read_xlsx(data)
    if not name.endswith(ALLOWED_EXTENSIONS) or b"\x00" in data[:4096]:
        raise ImportFileError(_("The file is neither CSV nor XLSX. Upload a .csv or .xlsx table."))
    from .decoding import EncodingError, decode_bytes, mark_undecodable_rows

    try:
        decoded = decode_bytes(data)
        table = parse_csv_text(decoded.text, encoding=decoded.encoding)
        mark_undecodable_rows(table, decoded.bad)
    except EncodingError as exc:
        raise ImportFileError(str(exc)) from exc
    return table


def detect_delimiter(text: str) -> str:
    """csv.Sniffer on a sample; when it hesitates, the separator most frequent in the header."""
    sample = "\n".join(text.splitlines()[:30])
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(SEPARATORS)).delimiter
    except csv.Error:
        pass
    header = text.splitlines()[0] if text else ""
    counts = {sep: _count_outside_quotes(header, sep) for sep in SEPARATORS}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ";"


def _count_outside_quotes(line: str, sep: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            count += 1
    return count


def parse_csv_text(text: str, *, encoding: str = "", delimiter: str | None = None) -> Table:
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    sep = delimiter or detect_delimiter(text)
    try:
        raw, lines, recovered = _parse_strict(text, sep)
    except csv.Error:
        raw, lines, recovered = _parse_lines_recovering(text, sep)
    table = _to_table(raw, lines, recovered, counted=True)
    table.encoding, table.delimiter = encoding, sep
    return table


def _physical_lines(text: str) -> list[str]:
    """The lines as ``csv.reader`` counts them (``\n``, ``\r\n`` or ``\r``), without ends."""
    return [line.rstrip("\r\n") for line in io.StringIO(text, newline="")]


def _header_width(values: list[str]) -> int:
    width = len(values)
    while width and not values[width - 1].strip():
        width -= 1
    return width


def _fits(values: list[str], width: int) -> bool:
    """As many values as the header has columns; empty ones after them do not count."""
    return len(values) >= width and not any(v.strip() for v in values[width:])


def _parse_strict(text: str, sep: str) -> tuple[list[list[str]], list[int], list[int]]:
    """The whole text with a strict parser, each record with the line it starts on; a
    one-line record with the wrong number of values gets a chance with the recovery rule."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    raw, lines, spans = [], [], []
    start = 1
    for values in reader:
        raw.append(values)
        lines.append(start)
        spans.append(reader.line_num == start)
        start = reader.line_num + 1
    recovered: list[int] = []
    header = next((i for i, values in enumerate(raw) if any(v.strip() for v in values)), None)
    if header is None:
        return raw, lines, recovered
    width = _header_width(raw[header])
    physical: list[str] | None = None
    for i in range(header + 1, len(raw)):
        values = raw[i]
        if not values or _fits(values, width) or not spans[i]:
            continue
        if physical is None:
            physical = _physical_lines(text)
        line = physical[lines[i] - 1]
        if '"' in line:
            candidate = split_recovering(line, sep)
            if _fits(candidate, width):
                raw[i] = candidate
                recovered.append(lines[i])
    return raw, lines, recovered


def _parse_lines_recovering(text: str, sep: str) -> tuple[list[list[str]], list[int], list[int]]:
    """Line by line: strict parse where possible, the quote-recovery rule where not."""
    raw, lines, recovered = [], [], []
    width: int | None = None
    for number, line in enumerate(_physical_lines(text), start=1):
        if not line.strip():
            continue
        try:
            values = next(csv.reader([line], delimiter=sep, strict=True))
        except csv.Error:
            values = None
        if width is None:
            values = values if values is not None else split_recovering(line, sep)
            width = _header_width(values)
        elif values is None or not _fits(values, width):
            candidate = split_recovering(line, sep)
            # Recovered only if the rule reads the row as the header says; otherwise the row
            # is reported with its wrong number of values (``_to_table``).
            if values is None or _fits(candidate, width):
                values = candidate
            if _fits(candidate, width):
                recovered.append(number)
        raw.append(values)
        lines.append(number)
    return raw, lines, recovered


def split_recovering(line: str, sep: str) -> list[str]:
    """Split one line whose quoted fields may contain raw, undoubled quotes."""
    values: list[str] = []
    i, n = 0, len(line)
    while i <= n:
        if i < n and line[i] == '"':
            j = i + 1
            while True:
                k = line.find('"', j)
                if k == -1:  # no closing quote at all: take the rest of the line
                    values.append(line[i + 1 :])
                    return values
                after = line[k + 1 : k + 3]
                if k + 1 == n or after in (sep + '"', sep + sep) or line[k + 1 :] == sep:
                    values.append(line[i + 1 : k])
                    i = k + 2
                    break
                j = k + 1
            if i > n:
                return values
        else:
            k = line.find(sep, i)
            if k == -1:
                values.append(line[i:])
                return values
            values.append(line[i:k])
            i = k + 1
    return values


def _to_table(
    raw: list[list[str]], lines: list[int], recovered: list[int], *, counted: bool
) -> Table:
    """Header and rows; ``counted`` (CSV) makes a short row an error too: in a CSV file a
    missing value is a missing separator, in XLSX only an empty cell."""
    # Skip leading blank rows; the first non-blank row is the header.
    start = 0
    while start < len(raw) and not any(v.strip() for v in raw[start]):
        start += 1
    if start >= len(raw):
        raise ImportFileError(_("The file is empty."))
    headers = [h.replace("\ufeff", "").strip() for h in raw[start]]
    # A separator at the end of every line adds an empty, unnamed last column: drop it.
    while headers and not headers[-1]:
        headers.pop()
    width = len(headers)
    if width == 0:
        raise ImportFileError(_("The first row holds no column names."))
    rows = []
    for values, line in zip(raw[start + 1 :], lines[start + 1 :], strict=True):
        if not any(v.strip() for v in values):
            continue
        cells = [v.strip() for v in values[:width]] + [""] * (width - len(values))
        row = Row(line=line, values=cells, recovered=line in recovered)
        row.error, row.error_column = _width_problem(values, headers, counted=counted)
        rows.append(row)
    if not rows:
        raise ImportFileError(_("The file has column names but no data rows."))
    return Table(headers=headers, rows=rows, recovered_lines=recovered)


def _width_problem(values: list[str], headers: list[str], *, counted: bool) -> tuple[str, str]:
    """A Russian message and the column when the row does not fit the header, else blanks."""
    width = len(headers)
    extra = next((i for i in range(width, len(values)) if values[i].strip()), None)
    if extra is not None:
        value = values[extra].strip()
        if len(value) > 40:
            value = value[:39] + "…"
        if not counted:
            from openpyxl.utils import get_column_letter

            return (
                _(
                    "«%(value)s» is in a column without a header; name the column or delete the value."
                )
                % {"value": value},
                _("column %(letter)s (no header)") % {"letter": get_column_letter(extra + 1)},
            )
        return (
            _(
                "The row has %(count)s values, the header %(width)s columns: «%(value)s» has no "
                "column. Is there a separator inside a value? Put such a value in quotes."
            )
            % {"count": _header_width(values), "width": width, "value": value},
            _("column %(number)s (no header)") % {"number": extra + 1},
        )
    if counted and len(values) < width:
        return (
            _(
                "The row has %(count)s values, the header %(width)s columns: the values from "
                "«%(column)s» on are missing. Is a separator missing, or a line broken?"
            )
            % {"count": len(values), "width": width, "column": headers[len(values)]},
            headers[len(values)],
        )
    return "", ""


def _read_xlsx(data: bytes) -> Table:
    """Within limits of rows, columns, cell size and unpacked size (``spreadsheet``)."""
    from .spreadsheet import read_xlsx

    return read_xlsx(data)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d.%m.%Y")
    return str(value)
