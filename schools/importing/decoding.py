"""Which encoding a CSV file is in, decided on the whole file, never from one bad byte.

The rule (issue 16, item 7: a UTF-8 file with one invalid byte on line 3,001 was read as
cp1251 and 5,000 garbled names were written):

1. A UTF-8 byte-order mark, or a file that decodes as UTF-8: UTF-8.
2. Otherwise count, over the whole file, the non-ASCII characters that are valid UTF-8
   sequences and the bytes that are not. Text in cp1251, KOI8-R or cp866 almost never forms a
   valid UTF-8 sequence (a Cyrillic letter byte is followed by another letter byte, not a
   continuation byte), so a file where valid sequences are the majority *is* UTF-8 with a few
   damaged bytes: it is read as UTF-8 and each damaged line is reported with its line and
   column (the row cannot be imported; the others can).
3. Otherwise charset-normalizer decides among the Cyrillic single-byte encodings, sampling the
   whole file; a guess with too little confidence is refused with a Russian message rather
   than written as garbled names (a file of a few lines, too short to judge, is read as
   cp1251, the Russian office default).

Pure functions over bytes; no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from charset_normalizer import from_bytes
from django.utils.translation import gettext as _

#: Single-byte encodings a Russian region's spreadsheets come in.
CYRILLIC = ["cp1251", "koi8_r", "cp866"]
#: The least confidence (1 − charset-normalizer's chaos) with which a guess is accepted.
MIN_CONFIDENCE = 0.8
#: A file this small may be too short for charset-normalizer to judge at all.
SMALL = 2048

_LINE_END = re.compile(rb"\r\n|\r|\n")


@dataclass(frozen=True)
class BadByte:
    line: int  # 1-based, as the CSV reader counts lines
    column: int  # 1-based character position in the line
    byte: int


@dataclass
class Decoded:
    text: str
    encoding: str
    confidence: float = 1.0
    bad: list[BadByte] = field(default_factory=list)


class EncodingError(ValueError):
    """The encoding cannot be told with confidence; the message is for the user."""


def decode_bytes(data: bytes) -> Decoded:
    """Decode a CSV file by the rule of the module docstring."""
    if data.startswith(b"\xef\xbb\xbf"):
        return _as_utf8(data[3:], "utf-8-sig")
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    decoded = _as_utf8(data, "utf-8")
    if decoded.confidence >= 0.5:  # valid UTF-8 sequences are the majority
        return decoded
    large = len(data) >= 20 * 1024  # sample 20 chunks spread over the whole file
    best = from_bytes(
        data, cp_isolation=CYRILLIC, steps=20 if large else 5, chunk_size=1024 if large else 512
    ).best()
    if best is None and len(data) < SMALL:
        # Too little text for any judgement: the Russian office default, as before; the check
        # page shows the names as read before anything is written.
        return Decoded(data.decode("cp1251", errors="replace"), "cp1251", 0.5)
    confidence = round(1.0 - best.chaos, 2) if best is not None else 0.0
    if best is None or confidence < MIN_CONFIDENCE:
        raise EncodingError(
            _(
                "The encoding of the file cannot be determined reliably (confidence %(percent)s "
                "%%). Save the file as CSV in UTF-8 and upload it again."
            )
            % {"percent": int(confidence * 100)}
        )
    return Decoded(data.decode(best.encoding, errors="replace"), best.encoding, confidence)


def utf8_census(data: bytes, text: str | None = None) -> tuple[int, int]:
    """(non-ASCII characters decoded from valid UTF-8 sequences, invalid sequences) of
    ``data``; ``text`` is ``data`` decoded as UTF-8 with replacement, when already known."""
    if text is None:
        text = data.decode("utf-8", errors="replace")
    genuine = data.count("\ufffd".encode())  # U+FFFD written in the file itself
    invalid = text.count("\ufffd") - genuine
    non_ascii = sum(1 for char in text if ord(char) > 127)
    return non_ascii - invalid, invalid


def _as_utf8(data: bytes, encoding: str) -> Decoded:
    """UTF-8 with each invalid sequence replaced; confidence is the share of valid sequences
    among the non-ASCII ones, and the damaged lines are listed."""
    text = data.decode("utf-8", errors="replace")
    if "\ufffd" not in text:
        return Decoded(text, encoding)
    valid, invalid = utf8_census(data, text)
    if not invalid:
        return Decoded(text, encoding)
    confidence = valid / (valid + invalid)
    bad = undecodable_lines(data) if confidence >= 0.5 else []
    return Decoded(text, encoding, round(confidence, 4), bad)


def undecodable_lines(data: bytes) -> list[BadByte]:
    """The first invalid byte of each line that is not valid UTF-8."""
    bad = []
    start, number = 0, 1
    for end_match in [*_LINE_END.finditer(data), None]:
        end = end_match.start() if end_match else len(data)
        line = data[start:end]
        try:
            line.decode("utf-8")
        except UnicodeDecodeError as exc:
            column = len(line[: exc.start].decode("utf-8", errors="replace")) + 1
            bad.append(BadByte(number, column, line[exc.start]))
        if end_match is None:
            break
        start, number = end_match.end(), number + 1
    return bad


def mark_undecodable_rows(table, bad: list[BadByte]) -> None:
    """Make each row holding a damaged byte invalid, with its line and column: its values
    cannot be trusted, the file's other rows can. ``table`` is a ``reader.Table``."""
    if not bad:
        return
    by_line = {b.line: b for b in bad}
    rows = table.rows
    first = min(by_line)
    if rows and first < rows[0].line:
        hit = by_line[first]
        raise EncodingError(
            _(
                "Line %(line)s, character %(column)s: the byte 0x%(byte)02X in the column names "
                "is not valid UTF-8 (the rest of the file is UTF-8). Correct it and upload the "
                "file again."
            )
            % {"line": hit.line, "column": hit.column, "byte": hit.byte}
        )
    for i, row in enumerate(rows):
        last = rows[i + 1].line - 1 if i + 1 < len(rows) else max(by_line)
        hit = next((by_line[n] for n in range(row.line, last + 1) if n in by_line), None)
        if hit is None or row.error:
            continue
        pairs = zip(table.headers, row.values, strict=False)
        column = next((h for h, v in pairs if "\ufffd" in v), "")
        row.error = _(
            "Line %(line)s, character %(column)s: the byte 0x%(byte)02X is not valid UTF-8 "
            "(the rest of the file is UTF-8). Correct the character in the file; the row "
            "cannot be imported as it is."
        ) % {"line": hit.line, "column": hit.column, "byte": hit.byte}
        row.error_column = column


def names_sample(table, header: str | None, *, size: int = 8) -> list[dict]:
    """``size`` values of the column ``header`` (the names), spread evenly from the first row
    to the last, with their lines: what the check page shows before anything is written."""
    if not header or header not in table.headers or not table.rows:
        return []
    index = table.headers.index(header)
    rows = table.rows
    picks = sorted({round(i * (len(rows) - 1) / max(size - 1, 1)) for i in range(size)})
    return [
        {"line": rows[i].line, "name": rows[i].values[index][:200]}
        for i in picks
        if rows[i].values[index]
    ]
