"""The school list's table rows in one call (issue 17, item 5).

Fifty rows of five cells rendered tag by tag cost about as much as the rest of the page put
together (a variable node, its escaping and localisation, an ``{% if %}`` and a ``{% for %}`` per
cell); here each row is one format string. The markup is the one the template had.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from schools.models import Category

register = template.Library()

_ROW = (
    "\n      <tr>\n"
    '        <td><a href="{url}">{name}</a></td>\n'
    "        <td>{category}</td>\n"
    '        <td class="d-none d-md-table-cell">{municipality}</td>\n'
    '        <td class="small d-none d-lg-table-cell">{kind}</td>\n'
    '        <td class="small text-nowrap d-none d-lg-table-cell">{inn}</td>\n'
    "      </tr>\n    "
)


def _text(value) -> str:
    """What ``{{ value }}`` prints of a text (``escape`` without its lazy-argument wrapper)."""
    return escape(str(value))


@register.simple_tag
def school_rows(rows: Iterable[dict]) -> SafeString:
    """The ``<tr>`` of each row of ``selectors.school_list_page_rows``: name (a link to the card),
    the year's category badge (and «by hand» for an override; for a school without a category,
    why none could be computed, issue 14), municipality, kind and INN."""
    badges = {
        Category.SHNOR: ("text-bg-danger", "ШНОР"),
        Category.SHNSU: ("text-bg-warning", "ШНСУ"),
        Category.RISK: ("text-bg-warning", _text(_("risk zone"))),
        Category.LEADER: ("text-bg-success", _text(_("leader"))),
    }
    no_category = ("text-bg-light border", _text(_("no category")))
    by_hand = (
        f' <span class="badge text-bg-secondary" title="{_text(_("set by hand"))}">'
        f"{_text(_('by hand'))}</span>"
    )
    out = []
    for row in rows:
        category = row["category_current"]
        cell = ""
        if category:
            badge_class, label = badges.get(category, no_category)
            cell = f'<span class="badge {badge_class}">{label}</span>'
            if row["category_override"]:
                cell += by_hand
        if category == Category.OTHER:
            for reason in row["category_reasons"] or ():
                if isinstance(reason, dict) and reason.get("rule") == "no_data":
                    cell += f'<div class="small text-body-secondary">{_text(reason.get("text", ""))}</div>'
        out.append(
            _ROW.format(
                url=_text(row["url"]),
                name=_text(row["short_name"]),
                category=cell,
                municipality=_text(row["municipality_name"]),
                kind=_text(row["kind_label"]),
                inn=_text(row["inn"] or "—"),
            )
        )
    return mark_safe("".join(out))  # noqa: S308 — every value above is escaped
