"""Reading a spreadsheet as municipalities keep it: CSV in any of the usual encodings and
separators, or XLSX. Pure functions over bytes; no database.

What is tolerated (each case occurs in the real Moscow files, see
``shared/data/real/moscow/README.md``): a UTF-8 byte-order mark, cp1251, ``;``/``,``/tab,
CRLF or no final newline, a trailing separator on every line (an empty unnamed last column),
and *unescaped* quotes inside quoted fields (``"Лицей № 1546 "Плехановец"",``). For the last,
a line that a strict parser rejects is re-read with the rule "a quoted field ends only at a
``"`` followed by separator + ``"``, by two separators or by the end of the line", and the row
is reported as recovered.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from charset_normalizer import from_bytes
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
    text, encoding = decode(data)
    return parse_csv_text(text, encoding=encoding)


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without BOM) first; otherwise the best Cyrillic guess, cp1251 by default."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data[:200_000], cp_isolation=["cp1251", "koi8_r", "cp866"]).best()
    encoding = best.encoding if best is not None else "cp1251"
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        return data.decode("cp1251", errors="replace"), "cp1251"


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
        raw = list(csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True))
        lines = list(range(1, len(raw) + 1))
        recovered: list[int] = []
    except csv.Error:
        raw, lines, recovered = _parse_lines_recovering(text, sep)
    table = _to_table(raw, lines, recovered)
    table.encoding, table.delimiter = encoding, sep
    return table


def _parse_lines_recovering(text: str, sep: str) -> tuple[list[list[str]], list[int], list[int]]:
    """Line by line: strict parse where possible, the quote-recovery rule where not."""
    raw, lines, recovered = [], [], []
    expected: int | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            values = next(csv.reader([line], delimiter=sep, strict=True))
            if expected is not None and len(values) != expected:
                raise csv.Error("field count")
        except csv.Error:
            values = split_recovering(line, sep)
            recovered.append(number)
        if expected is None:
            expected = len(values)
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


def _to_table(raw: list[list[str]], lines: list[int], recovered: list[int]) -> Table:
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
        rows.append(Row(line=line, values=cells, recovered=line in recovered))
    if not rows:
        raise ImportFileError(_("The file has column names but no data rows."))
    return Table(headers=headers, rows=rows, recovered_lines=recovered)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError(
            _("The file cannot be read as an XLSX table. Save it again from Excel or as CSV.")
        ) from exc
    sheet = workbook.worksheets[0]
    raw, lines = [], []
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        raw.append([_cell_text(v) for v in values])
        lines.append(number)
    workbook.close()
    table = _to_table(raw, lines, [])
    table.encoding, table.delimiter = "xlsx", ""
    return table


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "strftime"):
        return value.strftime("%d.%m.%Y")
    return str(value)
