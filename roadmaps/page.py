"""The roadmap page: its context (built once for the page, the print view and error re-shows)
and the item fragment that htmx swaps in after an inline update."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from network_portal.access.policy import get_for_user_or_404
from network_portal.ui.charts import bar_chart

from . import selectors
from .cards import card_labels, prepare_cards
from .forms import CommentForm, ConcernForm, RatingForm, ReviewForm
from .gantt import STATUS_COLORS, GanttRow, gantt_chart
from .models import ItemStatus, ProgrammeModule, Roadmap, RoadmapItem, RoadmapStatus
from .rules import number_text


def roadmap_for(request: HttpRequest, pk: int) -> tuple[Roadmap, selectors.RoadmapPermissions]:
    """The roadmap through the access policy (404 outside the scope) and what the user may do."""
    roadmap = get_for_user_or_404(selectors.roadmap_list_for_user(user=request.user), pk=pk)
    return roadmap, selectors.roadmap_permissions(user=request.user, roadmap=roadmap)


def organisations_for(roadmap: Roadmap):
    """Organisations an item can be assigned to: the school and the partnership's members."""
    from schools.models import Organisation

    qs = Organisation.objects.filter(pk=roadmap.organisation_id)
    if roadmap.partnership_id:
        qs = (
            Organisation.objects.filter(
                partnership_memberships__partnership_id=roadmap.partnership_id
            )
            | qs
        )
    return qs.distinct().order_by("short_name")


def conflict_message(current: RoadmapItem) -> str:
    """The other person's change, shown when a save with a stale version is refused."""
    last = current.history.select_related("history_user").first()
    who = last.history_user.get_full_name() if last and last.history_user else _("someone")
    when = date_format(timezone.localtime(last.history_date), "d.m.Y H:i") if last else ""
    actual = (
        number_text(current.actual_value)
        if current.actual_value is not None
        else current.actual_text
    )
    return _(
        "Not saved: %(who)s changed this item at %(when)s while you were editing it. Now: "
        "status «%(status)s», actual value «%(actual)s». Your input is kept below — check it "
        "and save again."
    ) % {
        "who": who,
        "when": when,
        "status": current.get_status_display(),
        "actual": actual if actual not in (None, "") else "—",
    }


def with_version(data, version: int):
    """The typed input of a refused stale save, now carrying the current version: once the
    person has seen the other change, saving the same form again is a deliberate overwrite."""
    data = data.copy()
    data["version"] = str(version)
    return data


def focus_first_error(form):
    """Give the first field with an error the focus: the re-shown page opens there, with the
    message next to it, instead of at its top (issue 15: errors ~6,000 px below)."""
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["autofocus"] = True
            break
    return form


def _decorate(items: list[RoadmapItem], perms, today) -> None:
    for item in items:
        item.is_late = item.is_overdue(today)
        item.can_update = perms.can_update_item(item)
        item.notice = None
        item.quick_form = item.evidence_form = item.comment_form = None


FILTERS = ("status", "module", "factor")


def _filtered(items: list[RoadmapItem], params, today) -> list[RoadmapItem]:
    status, module, factor = (params.get(k, "") for k in FILTERS)
    if status == "overdue":
        items = [i for i in items if i.is_late]
    elif status:
        items = [i for i in items if i.status == status]
    if module:
        items = [i for i in items if i.module == module]
    if factor.isdigit():
        items = [i for i in items if i.risk_factor_id and i.risk_factor.code == int(factor)]
    return items


def _charts(summary: selectors.RoadmapSummary) -> dict[str, Any]:
    def bars(groups):
        return [(label, p.percent) for label, p in groups]

    return {
        "module_chart": bar_chart(
            title=_("Completion by programme module, %"),
            bars=bars(summary.by_module),
            max_value=100,
            unit="%",
            width=640,
            label_width=300,
        ),
        "factor_chart": bar_chart(
            title=_("Completion by risk factor, %"),
            bars=bars(summary.by_factor),
            max_value=100,
            unit="%",
            width=640,
            label_width=300,
        ),
    }


def _gantt(items: list[RoadmapItem], today) -> str:
    # labels translated once, not once per item
    notes = {value: str(label) for value, label in ItemStatus.choices}
    overdue = _("overdue")
    rows = [
        GanttRow(
            label=item.task,
            start=item.start_date,
            end=item.due_date,
            color=STATUS_COLORS["overdue" if item.is_late else item.status],
            note=overdue if item.is_late else notes.get(item.status, item.status),
        )
        for item in items
    ]
    return gantt_chart(title=_("Timeline of the roadmap's items"), rows=rows, today=today)


def detail_context(request: HttpRequest, roadmap: Roadmap, perms, **forms: Any) -> dict[str, Any]:
    today = timezone.localdate()
    items = selectors.roadmap_items(roadmap=roadmap)
    _decorate(items, perms, today)
    summary = selectors.roadmap_summary(items=items, today=today)
    shown = _filtered(items, request.GET, today)
    item_forms = forms.pop("item_forms", {})
    for item in shown:
        for name, value in item_forms.get(item.pk, {}).items():
            setattr(item, name, value)
    prepare_cards(shown, perms=perms, request=request)
    factors = sorted({i.risk_factor for i in items if i.risk_factor}, key=lambda f: f.code)
    concerns = list(selectors.open_concerns(organisation_ids=[roadmap.organisation_id]))
    return {
        "roadmap": roadmap,
        "perms": perms,
        "items": shown,
        "n_items": len(items),
        "summary": summary,
        **_charts(summary),
        "gantt": _gantt(items, today),
        "today": today,
        "comments": selectors.roadmap_review_comments(roadmap=roadmap),
        "ratings": selectors.roadmap_ratings(roadmap=roadmap),
        "concerns": concerns,
        "n_changed": sum(1 for i in items if i.changed_after_approval),
        "status_choices": ItemStatus.choices,
        "labels": card_labels(),
        "max_size": settings.UPLOAD_MAX_SIZE,
        "module_choices": ProgrammeModule.choices,
        "factors": factors,
        "filters": {k: request.GET.get(k, "") for k in FILTERS},
        "is_filtered": any(request.GET.get(k) for k in FILTERS),
        "can_submit": perms.can_edit
        and roadmap.status in (RoadmapStatus.DRAFT, RoadmapStatus.RETURNED),
        "awaiting_review": roadmap.status == RoadmapStatus.SUBMITTED
        or (
            roadmap.status == RoadmapStatus.APPROVED
            and any(i.changed_after_approval for i in items)
        ),
        "review_form": forms.get("review_form") or ReviewForm(),
        "rating_form": forms.get("rating_form") or RatingForm(),
        "rating_history": selectors.rating_history(roadmap=roadmap),
        "withdraw_form": forms.get("withdraw_form"),
        "withdraw_pk": forms.get("withdraw_pk"),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "concern_form": forms.get("concern_form") or ConcernForm(),
    }


def render_detail(request: HttpRequest, roadmap: Roadmap, perms, **forms: Any) -> HttpResponse:
    context = detail_context(request, roadmap, perms, **forms)
    return render(request, "roadmaps/detail.html", context)


def item_fragment(
    request: HttpRequest,
    roadmap: Roadmap,
    perms,
    item_pk: int,
    *,
    notice: tuple[str, str] | None = None,
    **forms: Any,
) -> HttpResponse:
    """After an inline update: htmx gets the item's fragment; without JavaScript the browser is
    redirected back to the item, or the page is re-shown with the typed input on an error."""
    failed = (notice and notice[0] == "danger") or any(
        f is not None and f.errors for f in forms.values()
    )
    if request.htmx:
        return render(
            request,
            "roadmaps/_item.html",
            _fragment_context(request, roadmap, perms, item_pk, notice=notice, **forms),
        )
    if failed:
        extra_form = forms.get("evidence_form") or forms.get("comment_form")
        if extra_form is not None:
            return item_extra_page(
                request, roadmap, perms, item_pk, form=extra_form, evidence="evidence_form" in forms
            )
        if notice:
            messages.error(request, notice[1])
        extra = {"notice": notice, **forms}
        return render_detail(request, roadmap, perms, item_forms={item_pk: extra})
    if notice:
        messages.success(request, notice[1])
    return redirect(f"{reverse('roadmaps:detail', args=[roadmap.pk])}#item-{item_pk}")


def _fragment_context(request, roadmap, perms, item_pk, *, notice=None, **forms) -> dict:
    (item,) = selectors.roadmap_items(roadmap=roadmap, pk=item_pk)
    _decorate([item], perms, timezone.localdate())
    item.notice = notice
    for name, value in forms.items():
        setattr(item, name, value)
    prepare_cards([item], perms=perms, request=request)
    return {
        "item": item,
        "roadmap": roadmap,
        "perms": perms,
        "labels": card_labels(),
        "status_choices": ItemStatus.choices,
        "max_size": settings.UPLOAD_MAX_SIZE,
    }


def item_extra_page(request, roadmap, perms, item_pk, *, form, evidence: bool) -> HttpResponse:
    """The evidence or comment form of one item: an htmx fragment inside the item's card, or a
    page of its own when JavaScript is off."""
    context = _fragment_context(request, roadmap, perms, item_pk)
    template = "roadmaps/_evidence_form.html" if evidence else "roadmaps/_comment_form.html"
    context.update(form=form, form_template=template)
    if request.htmx:
        return render(request, template, context)
    return render(request, "roadmaps/item_extra.html", context)
