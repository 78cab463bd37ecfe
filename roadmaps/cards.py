"""Read-only pieces of an item's card, built in Python once per item.

A 200-item roadmap must render in well under 300 ms: the card's facts, evidence and comments
are plain escaped HTML assembled here (``format_html``), so the template only lays them out.
"""

from __future__ import annotations

from html import escape as html_escape

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from network_portal.ui.links import safe_href

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
    "unconfirmed": "text-bg-warning",
    "in_progress": "text-bg-primary",
    "cancelled": "text-bg-light border",
    "planned": "text-bg-secondary",
}


def badges(item: RoadmapItem, labels: dict) -> SafeString:
    html = ""
    if item.is_late:
        html = f'<span class="badge text-bg-danger">{_esc(labels["overdue"])}</span> '
    if not item.is_late or item.status == ItemStatus.UNCONFIRMED:
        css = STATUS_BADGES.get(item.status, "text-bg-secondary")
        label = labels["statuses"].get(item.status, item.status)
        html += f'<span class="badge {css}">{_esc(label)}</span>'
    if item.completed_late:
        html += f' <span class="badge bg-danger-subtle text-danger-emphasis border">{_esc(labels["late"])}</span>'
    if item.changed_after_approval:
        html += f' <span class="badge text-bg-warning">{_esc(labels["changed"])}</span>'
    return mark_safe(html)  # noqa: S308 — escaped


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
    dates = f"{_date(item.start_date)} — {_date(item.due_date)}"
    if item.completed_at:
        dates += f" · {labels['done_on']} {_date(item.completed_at)}"
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


def _date(day) -> str:
    """dd.mm.yyyy — ``strftime`` costs several times more, on a thousand dates a page."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def evidence_list(item: RoadmapItem, labels: dict, download: str, tz=None) -> SafeString:
    tz = tz or timezone.get_current_timezone()
    entries = []
    for e in item.evidence_list:
        added_by = e.added_by.get_short_name() if e.added_by else ""
        who = _esc(f"— {added_by}, {_date(e.created_at.astimezone(tz))}")
        if e.kind == "file":
            entries.append(
                f'<li><span class="badge text-bg-light border">{_esc(labels["file"])}</span> '
                f'<a href="{_esc(download.format(pk=e.pk))}">{_esc(e.file_name)}</a> '
                f'<span class="text-body-secondary">({_esc(filesizeformat(e.file_size))}) '
                f"{who}</span></li>"
            )
        elif e.kind == "link":
            shown = _esc(e.url if len(e.url) <= 60 else e.url[:59] + "…")
            href = safe_href(e.url)  # an http(s) address only, whatever was stored
            if href:
                shown = (
                    f'<a href="{_esc(href)}" rel="noopener noreferrer" target="_blank">{shown}</a>'
                )
            entries.append(
                f'<li><span class="badge text-bg-light border">{_esc(labels["link"])}</span> '
                f'{shown} <span class="text-body-secondary">{who}</span></li>'
            )
        else:
            entries.append(
                f'<li><span class="badge text-bg-light border">{_esc(labels["comment"])}</span> '
                f'{_esc(e.text)} <span class="text-body-secondary">{who}</span></li>'
            )
    if not entries:
        return mark_safe("")
    return mark_safe(  # noqa: S308 — every value above is escaped
        f'<div class="mt-2 small"><span class="text-body-secondary">{_esc(labels["evidence"])}:'
        f'</span><ul class="list-unstyled mb-0 ms-2">{"".join(entries)}</ul></div>'
    )


def comment_list(item: RoadmapItem, labels: dict, tz=None) -> SafeString:
    comments = item.comment_list
    if not comments:
        return mark_safe("")
    tz = tz or timezone.get_current_timezone()
    lines = []
    for c in comments:
        at = c.created_at.astimezone(tz)
        author = c.author.get_short_name() if c.author else ""
        lines.append(
            f'<li class="border-start border-3 border-info ps-2 mb-1">{_esc(c.text)} '
            f'<span class="text-body-secondary">— {_esc(author)}, '
            f"{_date(at)} {at.hour:02d}:{at.minute:02d}</span></li>"
        )
    return mark_safe(  # noqa: S308 — every value above is escaped
        f'<div class="mt-2 small"><span class="text-body-secondary">{_esc(labels["comments"])}:'
        f'</span><ul class="list-unstyled mb-0 ms-2">{"".join(lines)}</ul></div>'
    )


def card_labels() -> dict:
    """Every label of a card, translated once per page."""
    return {
        "statuses": {value: str(label) for value, label in ItemStatus.choices},
        "modules": {value: str(label) for value, label in ProgrammeModule.choices},
        "overdue": pgettext("roadmap item status", "Overdue"),
        "late": _("done late"),
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
        "add_evidence": _("Add evidence"),
        "comment_on_item": _("Comment on the item"),
        "edit_item": _("Edit item"),
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


def quick_form_html(item: RoadmapItem, labels: dict, csrf_token: str) -> str:
    """The inline status / actual value form (htmx, and a plain form without JavaScript)."""
    pk, url = item.pk, _esc(item.urls["item_quick"])
    form = getattr(item, "quick_form", None)
    version = form.data.get("version", item.version) if form is not None else item.version
    actual = form.data.get("actual", "") if form is not None else item.actual_input
    error = form.errors.get("actual") if form is not None else None
    invalid, described, feedback = "", "", ""
    if error:
        invalid = " is-invalid"
        described = f' aria-invalid="true" aria-describedby="q{pk}-actual-error"'
        feedback = f'<div class="invalid-feedback" id="q{pk}-actual-error">{_esc(error[0])}</div>'
    return (
        f'<form method="post" action="{url}" class="row g-2 align-items-end no-print quick-form"'
        f' hx-post="{url}" hx-target="#item-{pk}" hx-swap="outerHTML">'
        f'<input type="hidden" name="csrfmiddlewaretoken" value="{_esc(csrf_token)}">'
        f'<input type="hidden" name="version" value="{_esc(version)}">'
        f'<div class="col-6 col-md-3"><label class="form-label small mb-0" for="q{pk}-status">'
        f'{_esc(labels["status"])}</label><select class="form-select form-select-sm"'
        f' name="status" id="q{pk}-status">{item.status_options}</select></div>'
        f'<div class="col-6 col-md-3"><label class="form-label small mb-0" for="q{pk}-actual">'
        f'{_esc(labels["actual_value"])}</label><input class="form-control form-control-sm'
        f'{invalid}" name="actual" id="q{pk}-actual" maxlength="300" value="{_esc(actual)}"'
        f"{described}>{feedback}</div>"
        f'<div class="col-auto"><button type="submit" class="btn btn-sm btn-primary">'
        f"{_esc(labels['save'])}</button></div></form>"
    )


def card_html(
    item: RoadmapItem, labels: dict, perms, csrf_token: str, extra: str = ""
) -> SafeString:
    """The whole card of an item (``roadmaps/_item.html`` shows it): built here, not in a
    template, because a roadmap of 200 items renders it 200 times (bench/bench_roadmaps.py)."""
    pk, urls = item.pk, item.urls
    notice = ""
    if item.notice:
        kind, text = item.notice
        role = "alert" if kind == "danger" else "status"
        notice = (
            f'<div class="alert alert-{_esc(kind)} py-1 px-2 mb-2" role="{role}">{_esc(text)}</div>'
        )
    can_update = getattr(item, "can_update", False)
    links = ""
    if can_update or perms.can_review or perms.can_edit:
        parts = []
        if can_update:
            parts.append(
                f'<a href="{_esc(urls["evidence_add"])}" hx-get="{_esc(urls["evidence_add"])}"'
                f' hx-target="#item-{pk}-extra">{_esc(labels["add_evidence"])}</a>'
            )
        if perms.can_review or perms.can_edit:
            parts.append(
                f'<a href="{_esc(urls["item_comment"])}" hx-get="{_esc(urls["item_comment"])}"'
                f' hx-target="#item-{pk}-extra">{_esc(labels["comment_on_item"])}</a>'
            )
        if perms.can_edit:
            parts.append(
                f'<a class="ms-auto" href="{_esc(urls["item_edit"])}">'
                f"{_esc(labels['edit_item'])}</a>"
            )
        links = (
            f'<div class="d-flex flex-wrap gap-3 mt-2 no-print small">{"".join(parts)}</div>'
            f'<div id="item-{pk}-extra" class="no-print">{extra}</div>'
        )
    late = " border-danger" if item.is_late else ""
    return mark_safe(  # noqa: S308 — every value is escaped or built by this module
        f'<article class="card mb-2 roadmap-item{late}" id="item-{pk}"'
        f' aria-labelledby="item-{pk}-title"><div class="card-body p-2 p-md-3">{notice}'
        f'<div class="d-flex flex-wrap gap-2 align-items-start justify-content-between">'
        f'<h3 class="h6 mb-1" id="item-{pk}-title">{_esc(item.task)}</h3>'
        f"<div>{item.badges_html}</div></div>"
        f'<p class="mb-1 small">{_esc(item.measure)}</p>{item.facts_html}'
        f"{quick_form_html(item, labels, csrf_token) if can_update else ''}"
        f"{item.evidence_html}{item.comments_html}{links}</div></article>"
    )


def prepare_cards(items: list[RoadmapItem], *, perms=None, request=None) -> None:
    """Attach the card pieces, the item URLs and (with ``perms``) the whole card to every
    item — no queries: everything is prefetched."""
    from django.middleware.csrf import get_token
    from django.template.loader import render_to_string

    labels = card_labels()
    options = {status: status_options(status, labels) for status in labels["statuses"]}
    urls = url_patterns()
    download = evidence_url_pattern()
    csrf_token = get_token(request) if request is not None else ""
    tz = timezone.get_current_timezone()
    for item in items:
        item.badges_html = badges(item, labels)
        item.facts_html = facts(item, labels)
        item.evidence_html = evidence_list(item, labels, download, tz)
        item.comments_html = comment_list(item, labels, tz)
        item.actual_input = actual_display(item)
        if getattr(item, "can_update", False):
            form = getattr(item, "quick_form", None)
            status = form.data.get("status", item.status) if form is not None else item.status
            item.status_options = options.get(status) or status_options(status, labels)
        item.urls = {name: pattern.format(pk=item.pk) for name, pattern in urls.items()}
        if perms is not None:
            extra = ""
            for name, template in (
                ("evidence_form", "roadmaps/_evidence_form.html"),
                ("comment_form", "roadmaps/_comment_form.html"),
            ):
                form = getattr(item, name, None)
                if form is not None:  # a refused form shown again: rare, a template is fine
                    extra = render_to_string(
                        template,
                        {"form": form, "item": item, "max_size": settings.UPLOAD_MAX_SIZE},
                        request=request,
                    )
                    break
            item.card_html = card_html(item, labels, perms, csrf_token, extra)
