"""Agreement templates: plain text with placeholders in braces, rendered to safe HTML.

The coordinator or the methodologist edits the text of each kind. It is not a Django template
(which could include files or call methods): every character of it is escaped, a line starting
with ``#`` becomes a heading, an empty line starts a new paragraph, and only the known
placeholders (``{стороны}``, ``{предмет}`` …) are replaced, with escaped values.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.safestring import SafeString

from network_portal.ui.plaintext import PLACEHOLDER, text_as_html

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


def unknown_placeholders(body: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(body) if name not in PLACEHOLDERS})


def render_body(body: str, values: Mapping[str, str]) -> SafeString:
    """The template text as HTML: headings, paragraphs, placeholders filled, all escaped."""
    return text_as_html(body, values=values, known=PLACEHOLDERS)
