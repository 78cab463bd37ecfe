"""Agreement templates: plain text with placeholders in braces, rendered to safe HTML.

The coordinator or the methodologist edits the text of each kind. It is not a Django template
(which could include files or call methods): every character of it is escaped, a line starting
with ``#`` becomes a heading, an empty line starts a new paragraph, and only the known
placeholders (``{стороны}``, ``{предмет}`` …) are replaced, with escaped values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PLACEHOLDERS: dict[str, str] = {
    "номер": "номер документа",
    "дата": "дата документа",
    "муниципалитет": "муниципалитет",
    "стороны": "перечень сторон",
    "предмет": "предмет",
    "обязательства": "обязательства сторон",
    "ресурсы": "ресурсы",
    "формы": "формы взаимодействия",
    "направления": "направления",
    "факторы": "факторы риска, на которые направлено взаимодействие",
    "начало": "дата начала действия",
    "окончание": "дата окончания действия",
}

_PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")


def unknown_placeholders(body: str) -> list[str]:
    return sorted({name for name in _PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})


def _fill(text: str, values: Mapping[str, str]) -> str:
    """Escape the text and the values, then put the values in (newlines become <br>)."""
    out = []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        out.append(escape(text[pos : m.start()]))
        name = m.group(1)
        if name in PLACEHOLDERS:
            out.append(escape(values.get(name, "") or "—").replace("\n", "<br>"))
        else:
            out.append(escape(m.group(0)))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out)


def render_body(body: str, values: Mapping[str, str]) -> SafeString:
    """The template text as HTML: headings, paragraphs, placeholders filled, all escaped."""
    blocks = re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip())
    html = []
    for block in blocks:
        block = block.strip()
        if not block:
            continue
        if block.startswith("#"):
            first, _, rest = block.partition("\n")
            html.append(f"<h2>{_fill(first.lstrip('#').strip(), values)}</h2>")
            if rest.strip():
                html.append(f"<p>{_fill(rest.strip(), values).replace(chr(10), '<br>')}</p>")
        else:
            html.append(f"<p>{_fill(block, values).replace(chr(10), '<br>')}</p>")
    return mark_safe("\n".join(html))  # noqa: S308 — every piece above is escaped
