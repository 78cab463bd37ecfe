"""Plain text typed by a user, shown as HTML: the one place such text becomes markup.

Every character of the text is escaped; a line starting with ``#`` becomes a heading, an empty
line starts a new paragraph, a line break stays one. Placeholders in braces (``{стороны}``)
named in ``values`` are replaced by their escaped values; unknown ones stay as typed. It is not
a Django template, which could include files or call methods.
"""

from __future__ import annotations

import re
from collections.abc import Container, Mapping

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

PLACEHOLDER = re.compile(r"\{([^{}\s]{1,40})\}")


def _fill(text: str, values: Mapping[str, str], known: Container[str]) -> str:
    out, pos = [], 0
    for m in PLACEHOLDER.finditer(text):
        out.append(escape(text[pos : m.start()]))
        name = m.group(1)
        if name in known:
            out.append(escape(values.get(name, "") or "—"))
        else:
            out.append(escape(m.group(0)))
        pos = m.end()
    out.append(escape(text[pos:]))
    return "".join(out).replace("\n", "<br>")


def text_as_html(
    body: str, *, values: Mapping[str, str] | None = None, known: Container[str] = ()
) -> SafeString:
    """Headings and paragraphs of ``body``, the ``known`` placeholders filled from ``values``
    ("—" when empty)."""
    values = values or {}
    html = []
    for block in re.split(r"\n\s*\n", body.replace("\r\n", "\n").strip()):
        block = block.strip()
        if not block:
            continue
        if block.startswith("#"):
            first, _, rest = block.partition("\n")
            html.append(f"<h2>{_fill(first.lstrip('#').strip(), values, known)}</h2>")
            if rest.strip():
                html.append(f"<p>{_fill(rest.strip(), values, known)}</p>")
        else:
            html.append(f"<p>{_fill(block, values, known)}</p>")
    return mark_safe("\n".join(html))  # noqa: S308 — every piece above is escaped
