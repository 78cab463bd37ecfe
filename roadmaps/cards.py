"""Read-only pieces of an item's card, built in Python once per item.

A 200-item roadmap must render in well under 300 ms: the card's facts, evidence and comments
are plain escaped HTML assembled here (``format_html``), so the template only lays them out.
"""

from __future__ import annotations

from html import escape as html_escape

from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .models import ItemStatus, ProgrammeModule, RoadmapItem
from .rules import number_text

_PK = 987654321


def url_patterns() -> dict[str, str]:
    """``{pk}``-patterns of the item URLs, reversed once per page instead of once per item."""
    names = ("item_quick", "evidence_add", "item_comment", "item_edit")
    return {n: reverse(f"roadmaps:{n}", args=[_PK]).replace(str(_PK), "{pk}") for n in names}


def evidence_url_pattern() -> str:
    return reverse("roadmaps:evidence_download", args=[_PK]).replace(str(_PK), "{pk}")


def _esc(value) -> str:
    return html_escape(str(value), quote=True)


def _number(value) -> str:
    return number_text(value)


def actual_display(item: RoadmapItem) -> str:
    if item.actual_value is not None:
        return _number(item.actual_value)
    return item.actual_text


STATUS_BADGES = {
    "done": "text-bg-success",
    "in_progress": "text-bg-primary",
    "cancelled": "text-bg-light border",
    "planned": "text-bg-secondary",
}


def badges(item: RoadmapItem, labels: dict) -> SafeString:
    if item.is_late:
        html = format_html('<span class="badge text-bg-danger">{}</span>', labels["overdue"])
    else:
        html = format_html(
            '<span class="badge {}">{}</span>',
            STATUS_BADGES.get(item.status, "text-bg-secondary"),
            labels["statuses"].get(item.status, item.status),
        )
    if item.changed_after_approval:
        html += format_html(' <span class="badge text-bg-warning">{}</span>', labels["changed"])
    return html


def facts(item: RoadmapItem, labels: dict) -> SafeString:
    rows = []
    if item.risk_factor:
        rows.append(
            (labels["factor"], f"{item.risk_factor.code}. {item.risk_factor.short_name}", "")
        )
    if item.module:
        rows.append((labels["module"], labels["modules"].get(item.module, item.module), ""))
    who = ", ".join(
        p
        for p in (
            item.responsible_person,
            item.responsible_organisation.short_name if item.responsible_organisation else "",
        )
        if p
    )
    if item.co_responsible_organisation:
        who += " " + labels["with"] % {"org": item.co_responsible_organisation.short_name}
    rows.append((labels["responsible"], who or "—", ""))
    dates = f"{item.start_date.strftime('%d.%m.%Y')} — {item.due_date.strftime('%d.%m.%Y')}"
    if item.completed_at:
        dates += f" · {labels['done_on']} {item.completed_at.strftime('%d.%m.%Y')}"
    rows.append((labels["dates"], dates, "text-danger fw-semibold" if item.is_late else ""))
    if item.target_indicator or item.target_value is not None:
        target = item.target_indicator
        if item.target_value is not None:
            target = (
                f"{target}: {_number(item.target_value)}" if target else _number(item.target_value)
            )
        rows.append((labels["target"], target, ""))
    rows.append((labels["actual"], actual_display(item) or "—", "fw-semibold"))
    # Plain ``html.escape`` of plain strings: the same output as ``format_html`` at a third of
    # the cost, which matters 200 times per page.
    body = "".join(
        f'<dt class="col-sm-3 col-lg-2 text-body-secondary fw-normal">{_esc(label)}</dt>'
        f'<dd class="col-sm-9 col-lg-4 mb-0 {css}">{_esc(value)}</dd>'
        for label, value, css in rows
    )
    return mark_safe(f'<dl class="row small mb-2 gx-2">{body}</dl>')  # noqa: S308 — escaped


def evidence_list(item: RoadmapItem, labels: dict, download: str) -> SafeString:
    entries = []
    for e in item.evidence_list:
        who = f"— {e.added_by.get_short_name() if e.added_by else ''}, "
        who += date_format(e.created_at, "d.m.Y")
        if e.kind == "file":
            entries.append(
                format_html(
                    '<li><span class="badge text-bg-light border">{}</span> <a href="{}">{}</a> '
                    '<span class="text-body-secondary">({}) {}</span></li>',
                    labels["file"],
                    download.format(pk=e.pk),
                    e.file_name,
                    filesizeformat(e.file_size),
                    who,
                )
            )
        elif e.kind == "link":
            entries.append(
                format_html(
                    '<li><span class="badge text-bg-light border">{}</span> <a href="{}" '
                    'rel="noopener noreferrer" target="_blank">{}</a> '
                    '<span class="text-body-secondary">{}</span></li>',
                    labels["link"],
                    e.url,
                    e.url if len(e.url) <= 60 else e.url[:59] + "…",
                    who,
                )
            )
        else:
            entries.append(
                format_html(
                    '<li><span class="badge text-bg-light border">{}</span> {} '
                    '<span class="text-body-secondary">{}</span></li>',
                    labels["comment"],
                    e.text,
                    who,
                )
            )
    if not entries:
        return mark_safe("")
    return format_html(
        '<div class="mt-2 small"><span class="text-body-secondary">{}:</span>'
        '<ul class="list-unstyled mb-0 ms-2">{}</ul></div>',
        labels["evidence"],
        mark_safe("".join(entries)),  # noqa: S308 — each entry is format_html output
    )


def comment_list(item: RoadmapItem, labels: dict) -> SafeString:
    comments = item.comment_list
    if not comments:
        return mark_safe("")
    body = format_html_join(
        "",
        '<li class="border-start border-3 border-info ps-2 mb-1">{} '
        '<span class="text-body-secondary">— {}, {}</span></li>',
        (
            (
                c.text,
                c.author.get_short_name() if c.author else "",
                date_format(c.created_at, "d.m.Y H:i"),
            )
            for c in comments
        ),
    )
    return format_html(
        '<div class="mt-2 small"><span class="text-body-secondary">{}:</span>'
        '<ul class="list-unstyled mb-0 ms-2">{}</ul></div>',
        labels["comments"],
        body,
    )


def card_labels() -> dict:
    """Every label of a card, translated once per page."""
    return {
        "statuses": {value: str(label) for value, label in ItemStatus.choices},
        "modules": {value: str(label) for value, label in ProgrammeModule.choices},
        "overdue": pgettext("roadmap item status", "Overdue"),
        "changed": _("Changed after approval"),
        "with": _("with %(org)s"),
        "factor": _("Risk factor"),
        "module": _("Module"),
        "responsible": _("Responsible"),
        "dates": _("Dates"),
        "done_on": _("done on"),
        "target": _("Target"),
        "actual": _("Actual"),
        "evidence": _("Evidence"),
        "comments": _("Comments"),
        "file": _("file"),
        "link": _("link"),
        "comment": _("comment"),
        "status": _("Status"),
        "actual_value": _("Actual value"),
        "save": _("Save"),
    }


def status_options(selected: str, labels: dict) -> SafeString:
    """The ``<option>``s of the inline status select, the current status selected."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, mark_safe(" selected") if value == selected else "", label)
            for value, label in labels["statuses"].items()
        ),
    )


def prepare_cards(items: list[RoadmapItem]) -> None:
    """Attach the card pieces and the item URLs to every item (no queries: all prefetched)."""
    labels = card_labels()
    options = {status: status_options(status, labels) for status in labels["statuses"]}
    urls = url_patterns()
    download = evidence_url_pattern()
    for item in items:
        item.badges_html = badges(item, labels)
        item.facts_html = facts(item, labels)
        item.evidence_html = evidence_list(item, labels, download)
        item.comments_html = comment_list(item, labels)
        item.actual_input = actual_display(item)
        if getattr(item, "can_update", False):
            form = getattr(item, "quick_form", None)
            status = form.data.get("status", item.status) if form is not None else item.status
            item.status_options = options.get(status) or status_options(status, labels)
        item.urls = {name: pattern.format(pk=item.pk) for name, pattern in urls.items()}
