"""Views of roadmaps: thin — fetch through the access policy, validate, call a service."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from network_portal.access.policy import (
    TERRITORY_ROLES,
    get_for_user_or_404,
    require,
    role_required,
    scope_for,
)
from network_portal.accounts.models import Role
from network_portal.editing import StaleEdit
from network_portal.ui import slots
from network_portal.ui.charts import GanttRow, bar_chart, gantt_chart
from network_portal.ui.request_size import accepts_upload
from network_portal.ui.spreadsheets import xlsx_response
from schools import card_cache
from schools.models import Region

from . import export, selectors, services
from .figures import percent
from .forms import (
    CommentForm,
    ConcernForm,
    EvidenceForm,
    ItemForm,
    MeasureTemplateForm,
    QuickUpdateForm,
    RatingForm,
    ResolveConcernForm,
    ReviewForm,
    RoadmapCreateForm,
    RoadmapForm,
    WithdrawRatingForm,
)
from .models import (
    Evidence,
    ItemStatus,
    MeasureTemplate,
    ProgrammeModule,
    QuarterRating,
    Roadmap,
    RoadmapItem,
    RoadmapStatus,
)


def _roadmap(
    request: HttpRequest, pk: int, *, page: bool = False
) -> tuple[Roadmap, selectors.RoadmapPermissions]:
    """The roadmap through the access policy (404 outside the scope) and what the user may do;
    with ``page`` read for the whole page, with the flags of what the page and its sections
    (``slots.facts``) ask only when there is any."""
    roadmaps = selectors.roadmap_list_for_user(user=request.user)
    if page:
        roadmaps = slots.annotate("roadmaps.detail", roadmaps)
        roadmaps = roadmaps.annotate(**selectors.roadmap_page_facts())
    roadmap = get_for_user_or_404(roadmaps, pk=pk)
    return roadmap, selectors.roadmap_permissions(user=request.user, roadmap=roadmap)


def _item(request: HttpRequest, pk: int) -> tuple[RoadmapItem, Roadmap, Any]:
    """An item through the access policy, its roadmap and what the user may do with it."""
    item = get_for_user_or_404(selectors.roadmap_items_for_user(user=request.user), pk=pk)
    roadmap, perms = _roadmap(request, item.roadmap_id)
    item.roadmap = roadmap  # already read: saves need its status
    return item, roadmap, perms


def _focus_first_error(form):
    """Give the first field with an error the focus: the re-shown page opens there, with the
    message next to it, instead of at its top (issue 15: errors ~6,000 px below)."""
    for name in form.errors:
        if name in form.fields:
            form.fields[name].widget.attrs["autofocus"] = True
            break
    return form


def list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    roadmaps = selectors.roadmap_rows(roadmaps=selectors.roadmap_list_for_user(user=request.user))
    status = request.GET.get("status", "")
    if status in RoadmapStatus.values:
        roadmaps = roadmaps.filter(status=status)
    page = Paginator(roadmaps.order_by("organisation__short_name", "-created_at"), 25).get_page(
        request.GET.get("page")
    )
    ratings = selectors.last_ratings(roadmap_ids=[r.pk for r in page])
    for roadmap in page:
        roadmap.percent = percent(roadmap.n_done, roadmap.n_items)
        roadmap.last_rating = ratings.get(roadmap.pk)
    context = {
        "page": page,
        "status": status,
        "statuses": RoadmapStatus.choices,
        "can_create": bool(scope.organisation_ids(Role.DIRECTOR)),
        "is_territory": scope.has_role(Role.COORDINATOR, Role.METHODOLOGIST),
        "can_overview": scope.has_role(*selectors.OVERVIEW_ROLES),
        "is_curator": scope.has_role(Role.CURATOR),
        "can_edit_library": scope.has_role(Role.COORDINATOR),
    }
    return render(request, "roadmaps/list.html", context)


#: Schools per page of the overview (the XLSX export holds them all).
OVERVIEW_PER_PAGE = 50


@role_required(*selectors.OVERVIEW_ROLES)
def overview(request: HttpRequest) -> HttpResponse:
    # the weekly full count is beat's (roadmaps.keep_counts): a request reads what is kept
    if request.GET.get("format") == "xlsx":
        rows = selectors.overview_rows(user=request.user, full_count=False)
        return xlsx_response(export.overview_xlsx(rows=rows), "roadmaps-overview.xlsx")
    page, rows, totals = selectors.overview_page(
        user=request.user,
        per_page=OVERVIEW_PER_PAGE,
        page_number=request.GET.get("page"),
        full_count=False,
    )
    # the monitoring table is the territory's (reports.views.monitoring): a curator has none
    can_monitor = scope_for(request.user).has_role(*TERRITORY_ROLES)
    return render(
        request,
        "roadmaps/overview.html",
        {"rows": rows, "totals": totals, "page": page, "can_monitor": can_monitor},
    )


def create(request: HttpRequest) -> HttpResponse:
    """A new roadmap of the director's school; who may start one for several schools (an
    administrator, a director of two schools) chooses the school first."""
    schools = selectors.roadmap_schools_for_user(user=request.user)
    first_two = [*schools[:2]]  # (``list`` is this module's list view)
    require(bool(first_two))
    school = first_two[0] if len(first_two) == 1 else None
    form = RoadmapCreateForm(
        request.POST or None,
        partnerships=selectors.partnerships_for_schools(organisations=schools),
        schools=None if school else schools,
    )
    if request.method == "POST" and form.is_valid():
        result = services.roadmap_create(
            organisation=school or form.cleaned_data["school"],
            title=form.cleaned_data["title"],
            partnership=form.cleaned_data["partnership"],
            from_profile=form.cleaned_data["from_profile"],
            start=form.cleaned_data["start"],
            user=request.user,
        )
        messages.success(request, _draft_message(result))
        return redirect("roadmaps:detail", pk=result.roadmap.pk)
    levels = selectors.current_factor_levels(organisation=school)
    return render(
        request, "roadmaps/create.html", {"form": form, "school": school, "levels": levels}
    )


def _draft_message(result: services.DraftResult) -> str:
    if result.proposed:
        return _(
            "The draft roadmap is created: %(n)s measures proposed for %(f)s risk factors. "
            "Edit them, add your own and submit the roadmap for approval."
        ) % {"n": result.proposed, "f": result.factors}
    return _("The roadmap is created. Add its measures and submit it for approval.")


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, perms = _roadmap(request, pk)
    require(perms.can_edit)
    partnerships = selectors.partnerships_for_school(organisation=roadmap.organisation)
    initial = {"title": roadmap.title, "partnership": roadmap.partnership_id}
    form = RoadmapForm(request.POST or None, initial=initial, partnerships=partnerships)
    if request.method == "POST" and form.is_valid():
        services.roadmap_update(roadmap=roadmap, user=request.user, **form.cleaned_data)
        messages.success(request, _("The roadmap is saved."))
        return redirect("roadmaps:detail", pk=roadmap.pk)
    return render(request, "roadmaps/roadmap_form.html", {"form": form, "roadmap": roadmap})


# --- The roadmap page ---------------------------------------------------------------------------
#
# ``roadmaps/detail.html`` lays the page out; an item's card is its partial ``item``, which
# htmx gets alone ("roadmaps/detail.html#item") after an inline update. The card's quick form
# is rendered from ``QuickUpdateForm``.

#: The two templates an item's card may show open below it (a refused form is shown again).
EXTRA_TEMPLATES = {
    "evidence_form": "roadmaps/_evidence_form.html",
    "comment_form": "roadmaps/_comment_form.html",
}


def _card_forms(card: selectors.ItemCard, *, notice=None, quick_form=None, **extra) -> None:
    """Put the forms of an item's card in it: the quick form when it was asked for (opened, or
    refused with what was typed; the other cards show a button that opens it) and a refused
    evidence or comment form."""
    if card.can_update:
        card.quick_form = quick_form
    for name, form in extra.items():
        if form is not None:
            card.extra_form, card.extra_template = form, EXTRA_TEMPLATES[name]
    card.notice = notice


def _card_context(perms: selectors.RoadmapPermissions) -> dict[str, bool]:
    """The rights every card of the page reads, as plain names (200 cards read them)."""
    return {"can_comment": perms.can_comment, "can_edit": perms.can_edit}


def _charts(summary: selectors.RoadmapSummary) -> dict[str, Any]:
    def chart(title, groups):
        bars = [(label, p.percent) for label, p in groups]
        return bar_chart(
            title=title, bars=bars, max_value=100, unit="%", width=640, label_width=300
        )

    return {
        "module_chart": chart(_("Completion by programme module, %"), summary.by_module),
        "factor_chart": chart(_("Completion by risk factor, %"), summary.by_factor),
    }


#: The colour of an item's bar on the roadmap's timeline, by status.
STATUS_COLORS = {
    "planned": "#adb5bd",
    "in_progress": "#0d6efd",
    "done": "#198754",
    "unconfirmed": "#ffc107",
    "cancelled": "#dee2e6",
    "overdue": "#dc3545",
}


def _gantt(page: selectors.RoadmapPage | selectors.RoadmapProgress) -> str:
    notes, overdue = page.labels["statuses"], page.labels["overdue"]
    rows = []
    for item in page.items:
        late = item.pk in page.late_ids
        rows.append(
            GanttRow(
                label=item.task,
                start=item.start_date,
                end=item.due_date,
                color=STATUS_COLORS["overdue" if late else item.status],
                note=overdue if late else notes.get(item.status, item.status),
            )
        )
    title = _("Timeline of the roadmap's items")
    return gantt_chart(title=title, rows=rows, today=page.today)


def _page_context(
    request: HttpRequest, roadmap: Roadmap, perms, *, item_forms: dict | None = None, **forms
) -> dict[str, Any]:
    context = _cards_context(request, roadmap, perms, item_forms=item_forms or {})
    page = context["page"]
    return {
        **context,
        **_charts(page.summary),
        "gantt": _gantt(page),
        "status_choices": ItemStatus.choices,
        "module_choices": ProgrammeModule.choices,
        "review_form": forms.get("review_form") or ReviewForm(),
        "rating_form": forms.get("rating_form") or RatingForm(),
        "withdraw_form": forms.get("withdraw_form"),
        "withdraw_pk": forms.get("withdraw_pk"),
        "comment_form": forms.get("comment_form") or CommentForm(),
        "concern_form": forms.get("concern_form") or ConcernForm(),
    }


def _cards_context(
    request: HttpRequest, roadmap: Roadmap, perms, *, item_forms: dict
) -> dict[str, Any]:
    """What the window of item cards needs (the whole page adds charts and forms around it)."""
    asked = request.GET.get("item", "")  # a link to one item: «?item=N#item-N»
    saved = request.session.pop(_FOCUS, None)  # always taken: a stale one must not linger
    include = next(iter(item_forms), None) or (int(asked) if asked.isdigit() else None) or saved
    page = selectors.roadmap_page(roadmap=roadmap, perms=perms, params=request.GET, include=include)
    for card in page.cards:
        _card_forms(card, **item_forms.get(card.item.pk, {}))
    return {
        "page": page,
        "roadmap": roadmap,
        "perms": perms,
        **_card_context(perms),
        "labels": page.labels,
        "max_size": settings.UPLOAD_MAX_SIZE,
    }


def _detail(
    request: HttpRequest, roadmap: Roadmap, perms, *, kept: card_cache.Lookup | None = None, **forms
) -> HttpResponse:
    """The whole page; with ``kept`` (a ``card_cache.Lookup``) its body is kept, its forms' CSRF
    tokens put in for each request."""
    context = _page_context(request, roadmap, perms, **forms)
    title, school = roadmap.title, roadmap.organisation.short_name
    if kept is None:
        context.update(roadmap_title=title, school_name=school)
        return render(request, "roadmaps/detail.html", context)
    body = render_to_string("roadmaps/detail.html#body", context, request=request)
    schools = [roadmap.organisation_id]
    body = card_cache.keep(kept, title=title, body=body, schools=schools, school=school)
    return _page(request, title=title, school=school, body=body)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The roadmap page. With the page cache on (``SCHOOL_CARD_CACHE``: the school card's data
    token, replaced by any write that may feed a page) its body is kept per user, day and path
    and rendered again only after such a write (issue 17: within 2× of a bare page)."""
    if request.htmx and "start" in request.GET:  # «Показать ещё»: the next window of cards
        roadmap, perms = _roadmap(request, pk)
        context = _cards_context(request, roadmap, perms, item_forms={})
        return render(request, "roadmaps/detail.html#window", context)
    # (an item to bring into view after a save is read from the session: no cache then)
    focus = _FOCUS in request.session
    kept = None if focus else card_cache.lookup(request, pk, kind="roadmaps:page")
    if kept is None or kept.body is None:
        roadmap, perms = _roadmap(request, pk, page=True)
        return _detail(request, roadmap, perms, kept=kept)
    # Kept for this very user, but the scope is still asked on every request (the access
    # policy's one check, its key only: the kept body needs no columns)
    get_for_user_or_404(selectors.roadmap_list_for_user(user=request.user).values("pk"), pk=pk)
    return _page(request, title=kept.title, school=kept.more["school"], body=kept.body)


def _page(request: HttpRequest, *, title: str, school: str, body: str) -> HttpResponse:
    """The page's frame around its kept (or just kept) body, with this request's CSRF token."""
    body = card_cache.with_csrf(request, body)
    context = {"roadmap_title": title, "school_name": school, "body": body}
    return render(request, "roadmaps/detail.html", context)


#: After a save without JavaScript the browser goes back to «…/#item-N» (the fragment never
#: reaches the server): the session says which item the page's window of cards must hold.
_FOCUS = "roadmaps:item"


def _back_to_item(request: HttpRequest, item: RoadmapItem) -> HttpResponse:
    request.session[_FOCUS] = item.pk
    return redirect(f"{reverse('roadmaps:detail', args=[item.roadmap_id])}#item-{item.pk}")


def print_view(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, perms = _roadmap(request, pk)
    page = selectors.roadmap_page(roadmap=roadmap, perms=perms, params=request.GET, windowed=False)
    context = {"page": page, "roadmap": roadmap, "gantt": _gantt(page)}
    return render(request, "roadmaps/print.html", context)


def _progress_out_of_band(request: HttpRequest, roadmap: Roadmap) -> str:
    page = selectors.roadmap_progress(roadmap=roadmap)
    context = {"page": page, **_charts(page.summary), "gantt": _gantt(page), "oob": True}
    return render_to_string("roadmaps/detail.html#progress", context, request=request)


def _item_response(
    request: HttpRequest, roadmap: Roadmap, perms, item: RoadmapItem, *, notice=None, **forms
) -> HttpResponse:
    """After an inline update: htmx gets the item's card; without JavaScript the browser is
    redirected back to the item, or the page is re-shown with the typed input on an error."""
    if request.htmx:
        card = selectors.item_card(roadmap=roadmap, perms=perms, pk=item.pk)
        _card_forms(card, notice=notice, **forms)
        context = {
            "card": card,
            "roadmap": roadmap,
            "perms": perms,
            **_card_context(perms),
            "labels": selectors.item_labels(),
            "max_size": settings.UPLOAD_MAX_SIZE,
        }
        response = render(request, "roadmaps/detail.html#item", context)
        if notice and notice[0] == "success":  # the figures above the cards change with it
            response.write(_progress_out_of_band(request, roadmap))
        return response
    refused = (notice and notice[0] == "danger") or any(
        f is not None and f.errors for f in forms.values()
    )
    if not refused:
        if notice:
            messages.success(request, notice[1])
        return _back_to_item(request, item)
    for name, form in forms.items():
        if name in EXTRA_TEMPLATES and form is not None:
            return _extra_form_page(
                request, roadmap, item, form=form, template=EXTRA_TEMPLATES[name]
            )
    if notice:
        messages.error(request, notice[1])
    return _detail(request, roadmap, perms, item_forms={item.pk: {"notice": notice, **forms}})


def _extra_form_page(
    request: HttpRequest, roadmap: Roadmap, item: RoadmapItem, *, form, template: str
) -> HttpResponse:
    """The evidence or comment form of one item: an htmx fragment inside the item's card, or a
    page of its own when JavaScript is off."""
    context = {
        "item": item,
        "roadmap": roadmap,
        "form": form,
        "form_template": template,
        "max_size": settings.UPLOAD_MAX_SIZE,
    }
    if request.htmx:
        return render(request, template, context)
    return render(request, "roadmaps/item_extra.html", context)


def export_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, _perms = _roadmap(request, pk)
    rows = selectors.roadmap_items(roadmap=roadmap)
    content = export.roadmap_xlsx(roadmap=roadmap, items=rows.items, evidence=rows.evidence)
    return xlsx_response(content, f"roadmap-{roadmap.pk}.xlsx")


def history(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, perms = _roadmap(request, pk)
    entries = selectors.item_history(roadmap=roadmap)
    only_after = [e for e in entries if e.after_approval]
    after = request.GET.get("after_approval") == "1"
    page = Paginator(only_after if after else entries, 50).get_page(request.GET.get("page"))
    context = {
        "roadmap": roadmap,
        "perms": perms,
        "page": page,
        "n_after": len(only_after),
        "after": after,
    }
    return render(request, "roadmaps/history.html", context)


def item_add(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, perms = _roadmap(request, pk)
    require(perms.can_edit)
    item = RoadmapItem(roadmap=roadmap)
    organisations = selectors.item_organisations(roadmap=roadmap)
    form = ItemForm(request.POST or None, instance=item, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        item = services.item_save(item=item, data=form.item_data(), version=None, user=request.user)
        messages.success(request, _("The item is added."))
        return _back_to_item(request, item)
    context = {"form": form, "roadmap": roadmap, "item": None}
    return render(request, "roadmaps/item_form.html", context)


def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item, roadmap, perms = _item(request, pk)
    require(perms.can_edit)
    organisations = selectors.item_organisations(roadmap=roadmap)
    form = ItemForm(request.POST or None, instance=item, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        try:
            services.item_save(
                item=item, data=form.item_data(), version=form.seen_version, user=request.user
            )
        except StaleEdit as stale:
            form.refuse(stale)
        else:
            messages.success(request, _("The item is saved."))
            return _back_to_item(request, item)
    context = {"form": form, "roadmap": roadmap, "item": item}
    return render(request, "roadmaps/item_form.html", context)


@require_POST
def item_delete(request: HttpRequest, pk: int) -> HttpResponse:
    item, roadmap, perms = _item(request, pk)
    require(perms.can_edit)
    services.item_delete(item=item, user=request.user)
    messages.success(request, _("The item «%(task)s» is removed.") % {"task": item.task})
    return redirect("roadmaps:detail", pk=roadmap.pk)


def item_quick(request: HttpRequest, pk: int) -> HttpResponse:
    """Inline status / actual value update. ``GET`` opens the form: htmx gets the item's card
    with it, without JavaScript the roadmap page shows it open on the card. ``POST`` saves:
    htmx gets the item's card back; a plain form post is redirected to the item's anchor (or
    re-shown with the message on error)."""
    item, roadmap, perms = _item(request, pk)
    require(perms.can_update_item(item))
    if request.method != "POST":
        opened = QuickUpdateForm(item=item)
        if request.htmx:
            return _item_response(request, roadmap, perms, item, quick_form=opened)
        return _detail(request, roadmap, perms, item_forms={item.pk: {"quick_form": opened}})
    form = QuickUpdateForm(request.POST, item=item)
    notice = None
    if form.is_valid():
        try:
            services.item_save(
                item=item, data=form.item_data(), version=form.seen_version, user=request.user
            )
            notice, form = ("success", _("Saved.")), None
        except StaleEdit as stale:
            form.refuse(stale)
    return _item_response(request, roadmap, perms, item, quick_form=form, notice=notice)


@accepts_upload()
def evidence_add(request: HttpRequest, pk: int) -> HttpResponse:
    item, roadmap, perms = _item(request, pk)
    require(perms.can_update_item(item))
    if request.method != "POST":
        template = EXTRA_TEMPLATES["evidence_form"]
        return _extra_form_page(request, roadmap, item, form=EvidenceForm(), template=template)
    form = EvidenceForm(request.POST, request.FILES, item=item)
    notice = None
    if form.is_valid():
        services.evidence_add(
            item=item,
            user=request.user,
            upload=form.cleaned_data["file"],
            url=form.cleaned_data["url"],
            text=form.cleaned_data["text"],
        )
        notice, form = ("success", _("Evidence added.")), None
    return _item_response(request, roadmap, perms, item, evidence_form=form, notice=notice)


def evidence_download(request: HttpRequest, pk: int) -> FileResponse:
    evidence = get_for_user_or_404(
        Evidence.objects.filter(item__in=selectors.roadmap_items_for_user(user=request.user)),
        pk=pk,
    )
    if not evidence.file:
        raise Http404
    return FileResponse(evidence.file.open("rb"), as_attachment=True, filename=evidence.file_name)


def item_comment(request: HttpRequest, pk: int) -> HttpResponse:
    item, roadmap, perms = _item(request, pk)
    require(perms.can_comment)
    if request.method != "POST":
        template = EXTRA_TEMPLATES["comment_form"]
        return _extra_form_page(request, roadmap, item, form=CommentForm(), template=template)
    form = CommentForm(request.POST)
    notice = None
    if form.is_valid():
        services.item_comment(item=item, user=request.user, text=form.cleaned_data["text"])
        notice, form = ("success", _("Comment added.")), None
    return _item_response(request, roadmap, perms, item, comment_form=form, notice=notice)


@require_POST
def submit(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, perms = _roadmap(request, pk)
    require(perms.can_edit)
    try:
        services.roadmap_transition(
            roadmap=roadmap,
            to=RoadmapStatus.SUBMITTED,
            user=request.user,
            comment=request.POST.get("comment", ""),
        )
        messages.success(request, _("The roadmap is submitted to the curator for approval."))
    except services.TransitionError:
        messages.error(
            request, _("Only a draft or returned roadmap with at least one item can be submitted.")
        )
    return redirect("roadmaps:detail", pk=roadmap.pk)


@require_POST
def review(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, perms = _roadmap(request, pk)
    require(perms.can_review)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, roadmap, perms, review_form=_focus_first_error(form))
    approve = form.cleaned_data["decision"] == ReviewForm.APPROVE
    to = RoadmapStatus.APPROVED if approve else RoadmapStatus.RETURNED
    try:
        services.roadmap_transition(
            roadmap=roadmap, to=to, user=request.user, comment=form.cleaned_data["comment"]
        )
    except services.TransitionError:
        messages.error(request, _("The roadmap is not awaiting a decision."))
        return redirect("roadmaps:detail", pk=roadmap.pk)
    messages.success(
        request,
        _("The roadmap is approved.")
        if approve
        else _("The roadmap is returned to the school with your comment."),
    )
    return redirect("roadmaps:detail", pk=roadmap.pk)


@require_POST
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Rate a quarter or correct its rating. A refused form is shown again where the curator
    is: the form posts to ``…/rate/#rate`` and its first wrong field has the focus."""
    roadmap, perms = _roadmap(request, pk)
    require(perms.can_review)
    form = RatingForm(request.POST, roadmap=roadmap)
    if form.is_valid():
        try:
            services.quarter_rate(roadmap=roadmap, user=request.user, **form.cleaned_data)
        except services.RatingError as exc:
            for name, errors in exc.message_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            messages.success(request, _("The quarter is rated."))
            return redirect(f"{reverse('roadmaps:detail', args=[roadmap.pk])}#ratings")
    return _detail(request, roadmap, perms, rating_form=_focus_first_error(form))


@require_POST
def rating_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    rating = get_for_user_or_404(
        QuarterRating.objects.filter(
            roadmap__in=selectors.roadmap_list_for_user(user=request.user)
        ),
        pk=pk,
    )
    roadmap, perms = _roadmap(request, rating.roadmap_id)
    require(perms.can_review)
    form = WithdrawRatingForm(request.POST, prefix=f"w{rating.pk}")
    if not form.is_valid():
        return _detail(
            request, roadmap, perms, withdraw_form=_focus_first_error(form), withdraw_pk=rating.pk
        )
    services.quarter_rating_withdraw(
        rating=rating, user=request.user, reason=form.cleaned_data["reason"]
    )
    messages.success(request, _("The rating is withdrawn; the history keeps it with your reason."))
    return redirect(f"{reverse('roadmaps:detail', args=[roadmap.pk])}#ratings")


@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, perms = _roadmap(request, pk)
    require(perms.can_comment)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, roadmap, perms, comment_form=_focus_first_error(form))
    services.roadmap_comment(roadmap=roadmap, user=request.user, text=form.cleaned_data["text"])
    messages.success(request, _("Comment added."))
    return redirect(f"{reverse('roadmaps:detail', args=[roadmap.pk])}#comments")


@require_POST
def concern_raise(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, perms = _roadmap(request, pk)
    require(perms.can_raise_concern)
    form = ConcernForm(request.POST)
    if not form.is_valid():
        return _detail(request, roadmap, perms, concern_form=_focus_first_error(form))
    services.concern_raise(
        organisation=roadmap.organisation,
        roadmap=roadmap,
        user=request.user,
        text=form.cleaned_data["text"],
    )
    messages.success(
        request,
        _(
            "The concern is recorded; it shows on the school card and in "
            "the overview until resolved."
        ),
    )
    return redirect(f"{reverse('roadmaps:detail', args=[roadmap.pk])}#concerns")


def concern_new(request: HttpRequest, organisation_pk: int) -> HttpResponse:
    """A concern about a school that may have no roadmap yet (raised from the school card)."""
    school = get_for_user_or_404(
        selectors.concern_schools_for_user(user=request.user), pk=organisation_pk
    )
    form = ConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.concern_raise(
            organisation=school, user=request.user, text=form.cleaned_data["text"]
        )
        messages.success(
            request,
            _(
                "The concern is recorded; it shows on the school card and "
                "in the overview until resolved."
            ),
        )
        return redirect(_back(request, reverse("roadmaps:overview")))
    context = {"form": form, "school": school, "next": _back(request, "")}
    return render(request, "roadmaps/concern_form.html", context)


def concern_resolve(request: HttpRequest, pk: int) -> HttpResponse:
    concern = get_for_user_or_404(
        selectors.concern_list_for_user(user=request.user).select_related("organisation"), pk=pk
    )
    require(concern.is_open)
    form = ResolveConcernForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.concern_resolve(
            concern=concern, user=request.user, resolution=form.cleaned_data["resolution"]
        )
        messages.success(request, _("The concern is resolved."))
        return redirect(_back(request, reverse("roadmaps:overview")))
    context = {"form": form, "concern": concern, "next": _back(request, "")}
    return render(request, "roadmaps/concern_resolve.html", context)


def _back(request: HttpRequest, default: str) -> str:
    """The ``next`` address if it is a safe local one (back to the card, the roadmap …)."""
    from django.utils.http import url_has_allowed_host_and_scheme

    target = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else default


@require_POST
def propose(request: HttpRequest, pk: int) -> HttpResponse:
    roadmap, perms = _roadmap(request, pk)
    require(perms.can_edit)
    added, factors = services.roadmap_propose_measures(
        roadmap=roadmap, user=request.user, start=timezone.localdate()
    )
    if added:
        messages.success(
            request,
            _("%(n)s measures proposed for %(f)s risk factors.") % {"n": added, "f": factors},
        )
    else:
        messages.info(
            request,
            _(
                "Nothing to propose: every high- and medium-risk factor of the "
                "current risk profile already has measures, or the school has "
                "no risk profile yet."
            ),
        )
    return redirect("roadmaps:detail", pk=roadmap.pk)


@role_required(Role.COORDINATOR, Role.METHODOLOGIST)
def library(request: HttpRequest) -> HttpResponse:
    """The library of the user's region (the portal's one until the region changes it)."""
    region_id = selectors.library_region_id_for_user(user=request.user)
    templates = selectors.measure_library(region_id=region_id, active_only=False)
    context = {
        "templates": templates,
        "can_edit": scope_for(request.user).has_role(Role.COORDINATOR),
        "region": Region.objects.filter(pk=region_id).first() if region_id else None,
        "is_own": region_id is not None and any(t.region_id for t in templates[:1]),
    }
    return render(request, "roadmaps/library.html", context)


@role_required(Role.COORDINATOR)
def library_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """A measure of the coordinator's region's library (another region's is a 404); the
    first change copies the portal's library for the region."""
    region_id = selectors.library_region_id_for_user(user=request.user)
    library = selectors.measure_library(region_id=region_id, active_only=False)
    template = get_for_user_or_404(library, pk=pk) if pk else None
    form = MeasureTemplateForm(request.POST or None, instance=template or MeasureTemplate())
    if request.method == "POST" and form.is_valid():
        region = Region.objects.get(pk=region_id) if region_id else None
        services.measure_template_save(
            template=template, data=form.cleaned_data, region=region, actor=request.user
        )
        messages.success(request, _("The typical measure is saved."))
        return redirect("roadmaps:library")
    return render(request, "roadmaps/library_form.html", {"form": form, "template": template})
