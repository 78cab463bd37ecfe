"""Pages of the schools registry: list, card, edits, category overrides and rules, imports."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from network_portal.access.policy import get_for_user_or_404, require, role_required, scope_for
from network_portal.accounts.models import Role
from network_portal.editing import StaleEdit
from network_portal.ui import slots
from network_portal.ui.paging import counted_page_of
from network_portal.ui.request_size import accepts_upload
from network_portal.ui.spreadsheets import attachment_disposition, xlsx_response

from . import card_cache, exporting, selectors, services
from .forms import (
    SORTS,
    CategoryOverrideForm,
    CategoryRulesForm,
    ImportApplyForm,
    ImportUploadForm,
    MappingForm,
    MunicipalityListForm,
    OrganisationForm,
    SchoolContextForm,
    SchoolFilter,
)
from .importing.reader import ImportFileError
from .models import WIZARD_KINDS, ImportStatus, Organisation
from .rules_file import rules_dumps, rules_load

PAGE_SIZE = 50
TERRITORY = (Role.COORDINATOR, Role.METHODOLOGIST)


def _filter(request: HttpRequest, queryset=None):
    """The list's filters (the form with its choices and values), its year, sort and the
    municipalities of the user's scope (ids)."""
    choices = selectors.school_list_filter_choices(user=request.user)  # years, municipalities
    years = choices.years
    try:
        year = int(request.GET.get("year") or (years[0] if years else 0)) or None
    except ValueError:
        year = years[0] if years else None
    # what a chosen municipality is checked against: not built when none is chosen (the form
    # reads its options from the choices above)
    municipalities = (
        selectors.municipality_list_for_user(user=request.user)
        if request.GET.get("municipality")
        else None
    )
    filterset = SchoolFilter(
        request.GET or None,
        queryset=queryset,
        municipalities=municipalities,
        municipality_choices=choices.municipalities,
    )
    municipality_ids = tuple(int(pk) for pk, _name in choices.municipalities)
    return filterset, year, years, request.GET.get("sort", "name"), municipality_ids


def _filtered(request: HttpRequest):
    scoped = selectors.organisation_list_for_user(user=request.user)
    filterset, year, years, sort, _municipality_ids = _filter(request, scoped)
    filterset.queryset = selectors.school_table(queryset=scoped, year=year)
    rows = filterset.qs.order_by(SORTS.get(sort, "sort_name"), "pk")
    return filterset, rows, year, years, sort


def _counted_rows(filterset, organisations):
    """The list's rows to count: the filters on the scoped organisations, without the join of
    the year's category (at most one row each) unless its filter is chosen — the database then
    counts them from an index (at 20,000 schools 3.5 ms instead of 14 ms)."""
    if not filterset.is_bound:
        return organisations
    if filterset.form.is_valid() and not filterset.form.cleaned_data.get("category"):
        return filterset.filter_queryset(organisations)
    return None  # counted with the join (or an invalid form: as the rows are)


def _scope_key(request: HttpRequest) -> str:
    """What the list's rows and buttons depend on of the user's roles (in its kept body's key:
    a changed scope never gets the body of the old one, even if no write replaced the token)."""
    scope = scope_for(request.user)
    parts = (sorted(scope.roles), scope.rows_key())
    return hashlib.md5(repr(parts).encode(), usedforsecurity=False).hexdigest()[:16]


def school_list(request: HttpRequest) -> HttpResponse:
    """The list; with the page cache on (``SCHOOL_CARD_CACHE``) its body is kept per user, scope
    and full path under the global data token, rendered again only after a write to a table it
    reads (``card_cache.GLOBAL_ONLY``; issue 17: within 2× of a bare page)."""
    kept = card_cache.lookup(request, 0, kind="schools:list", vary=_scope_key(request))
    if kept is not None and kept.body is not None:
        return _list_page(request, kept.body)
    context = _list_context(request)
    if kept is None:
        return render(request, "schools/list.html", context)
    body = render_to_string("schools/list.html#body", context, request=request)
    return _list_page(request, card_cache.keep(kept, title="", body=body))


def _list_page(request: HttpRequest, body: str) -> HttpResponse:
    body = card_cache.with_csrf(request, body)
    return render(request, "schools/list.html", {"body": body})


def _list_context(request: HttpRequest) -> dict:
    filterset, year, years, sort, municipality_ids = _filter(request)

    def build():
        scoped = selectors.organisation_list_for_user(user=request.user)
        queryset = selectors.school_table(queryset=scoped, year=year)
        if filterset.is_bound:  # validated by _page_key
            queryset = filterset.filter_queryset(queryset)
        rows = queryset.order_by(SORTS.get(sort, "sort_name"), "pk")
        counted = selectors.organisation_count_list_for_user(
            user=request.user, municipality_ids=municipality_ids
        )
        # values, not model instances
        return selectors.school_list_rows(queryset=rows), _counted_rows(filterset, counted)

    # the page's rows and the list's count in one query, built and compiled once per process
    # for each scope, year, sort and filter (what its SQL depends on)
    page = counted_page_of(
        build,
        key=(*_page_key(request, filterset, year, sort), municipality_ids),
        per_page=PAGE_SIZE,
        page_number=request.GET.get("page"),
    )
    page.object_list = selectors.school_list_page_rows(page.object_list)
    return {
        "filter": filterset,
        "page": page,
        "year": year,
        "years": years,
        "sort": sort,
        "can_import": scope_for(request.user).has_role(*TERRITORY),
        "can_rules": scope_for(request.user).has_role(Role.COORDINATOR),
    }


def _page_key(request: HttpRequest, filterset, year, sort) -> tuple:
    """Everything the list's page query depends on (``counted_page_of``): the database, what
    ``organisation_q`` reads of the scope, the year, the sort and the filters' cleaned values
    (what ``filter_queryset`` reads; a chosen municipality by its id)."""
    scope = scope_for(request.user)
    filters: tuple = ()
    if filterset.is_bound:
        valid = filterset.form.is_valid()
        filters = (
            valid,
            *(
                (name, getattr(value, "pk", value))
                for name, value in filterset.form.cleaned_data.items()
            ),
        )
    return (
        "schools:list",
        Organisation.objects.db,
        *scope.rows_key(),
        year,
        SORTS.get(sort, "sort_name"),
        filterset.is_bound,
        filters,
    )


EXPORT_TYPES = {"csv": exporting.to_csv, "xlsx": exporting.to_xlsx}


def export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered rows of the list (all pages) as CSV or XLSX."""
    if fmt not in EXPORT_TYPES:
        raise Http404
    filterset, rows, year, _years, _sort = _filtered(request)
    if "municipality" in filterset.errors:  # a municipality outside the user's scope
        raise Http404
    content = EXPORT_TYPES[fmt](exporting.export_rows(rows))
    name = f"schools-{year or 'all'}.{fmt}"
    if fmt == "xlsx":
        return xlsx_response(content, name)
    response = HttpResponse(content, content_type="text/csv")
    response["Content-Disposition"] = attachment_disposition(name)
    return response


def _visible_organisation(request: HttpRequest, pk: int):
    """An organisation through the policy (404 outside the scope), its municipality loaded
    for the permission checks."""
    return get_for_user_or_404(
        selectors.organisation_list_for_user(user=request.user).select_related("municipality"),
        pk=pk,
    )


def _card_organisation(request: HttpRequest, pk: int):
    """The card's organisation through the policy, with the facts of every section read in
    the same query (the ``schools.card`` slot, ``network_portal.ui.slots``)."""
    queryset = selectors.organisation_list_for_user(user=request.user).select_related(
        "municipality"
    )
    return get_for_user_or_404(slots.annotate("schools.card", queryset), pk=pk)


def _card(request: HttpRequest, organisation, *, override_form=None, kept=None) -> HttpResponse:
    """The school card; ``override_form`` is a bound form that failed, shown with its errors
    and everything that was typed. With ``kept`` (a ``card_cache.Lookup``) the body is kept for
    the next requests, its forms' CSRF tokens put in for each request."""
    context = selectors.school_card_context(organisation=organisation)
    perms = selectors.organisation_permissions(user=request.user, organisation=organisation)
    can_categorise = organisation.is_school and perms.can_categorise
    if can_categorise and override_form is None:
        years = {r.year for r in context["results"]} | {c.year for c in context["contexts"]}
        override_form = CategoryOverrideForm(years=sorted(years, reverse=True))
    context = {
        "organisation": organisation,
        **context,
        "can_edit": perms.can_edit,
        "override_form": override_form if can_categorise else None,
    }
    body = render_to_string("schools/_card_body.html", context, request=request)
    if kept is not None:
        body = card_cache.keep(kept, title=organisation.short_name, body=body)
    return _card_page(request, organisation.short_name, body)


def _card_page(request: HttpRequest, title: str, body: str) -> HttpResponse:
    """The card's frame around its kept (or just kept) body, with this request's CSRF token."""
    body = card_cache.with_csrf(request, body)
    return render(request, "schools/card.html", {"card_title": title, "card_body": body})


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    kept = card_cache.lookup(request, pk)
    if kept is None or kept.body is None:
        return _card(request, _card_organisation(request, pk), kept=kept)
    # Kept for this very user, but the scope is still asked on every request (through the
    # policy, as every page fetches its object; only the key is read).
    get_for_user_or_404(selectors.organisation_list_for_user(user=request.user).values("pk"), pk=pk)
    return _card_page(request, kept.title, kept.body)


def edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _visible_organisation(request, pk)
    perms = selectors.organisation_permissions(user=request.user, organisation=organisation)
    require(perms.can_edit)
    form = OrganisationForm(
        request.POST or None, instance=organisation, contacts_only=perms.contacts_only
    )
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.edited_fields()}
        try:
            services.organisation_update(
                organisation=organisation,
                user=request.user,
                version=form.seen_version,
                **fields,
            )
        except StaleEdit as stale:
            form.refuse(stale)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("schools:detail", pk=pk)
    return render(request, "schools/edit.html", {"organisation": organisation, "form": form})


def context_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _visible_organisation(request, pk)
    perms = selectors.organisation_permissions(user=request.user, organisation=organisation)
    require(perms.can_edit)
    # The year typed in the form decides which year's row is edited (or created).
    year = request.POST.get("year") or request.GET.get("year") or ""
    instance = selectors.school_context_for(organisation=organisation, year=year)
    form = SchoolContextForm(request.POST or None, instance=instance, initial={"year": year})
    if request.method == "POST" and form.is_valid():
        try:
            services.school_context_save(
                context=form.save(commit=False),
                user=request.user,
                version=form.seen_version,
            )
        except StaleEdit as stale:
            form.refuse(stale)
        else:
            messages.success(
                request, _("The school context is saved; the categories will be recomputed.")
            )
            return redirect("schools:detail", pk=pk)
    return render(
        request, "schools/context_edit.html", {"organisation": organisation, "form": form}
    )


@require_POST
def category_override(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = _card_organisation(request, pk)
    perms = selectors.organisation_permissions(user=request.user, organisation=organisation)
    require(perms.can_categorise)
    form = CategoryOverrideForm(request.POST, years=selectors.data_years(organisation=organisation))
    if not form.is_valid():
        # The card again, the form open with its errors and the reason as typed.
        return _card(request, organisation, override_form=form)
    services.category_override(organisation=organisation, user=request.user, **form.cleaned_data)
    messages.success(request, _("The category is set by hand; the reason is kept in the history."))
    return redirect("schools:detail", pk=pk)


@require_POST
def category_override_withdraw(request: HttpRequest, pk: int, year: int) -> HttpResponse:
    organisation = _visible_organisation(request, pk)
    perms = selectors.organisation_permissions(user=request.user, organisation=organisation)
    require(perms.can_categorise)
    services.category_override_withdraw(organisation=organisation, year=year, user=request.user)
    messages.success(request, _("The override is withdrawn; the rules decide again."))
    return redirect("schools:detail", pk=pk)


def _rules_region(request: HttpRequest):
    regions = selectors.region_list_for_user(user=request.user)
    pk = request.GET.get("region") or regions.values_list("pk", flat=True).first()
    return regions, get_for_user_or_404(regions, pk=pk)


@role_required(Role.COORDINATOR)
def rules(request: HttpRequest) -> HttpResponse:
    regions, region = _rules_region(request)
    rules = selectors.rules_for_region(region=region)
    form = CategoryRulesForm(request.POST or None, instance=rules)
    if request.method == "POST" and form.is_valid():
        services.category_rules_save(rules=form.save(commit=False), user=request.user)
        messages.success(
            request, _("The rules are saved; the categories of the region will be recomputed.")
        )
        return redirect(f"{request.path}?region={region.pk}")
    history = rules.history.select_related("history_user").order_by("-history_date")[:20]
    return render(
        request,
        "schools/rules.html",
        {
            "region": region,
            "regions": regions,
            "form": form,
            "history": history,
            **selectors.rules_summary(rules=rules),
        },
    )


@role_required(Role.COORDINATOR)
def rules_print(request: HttpRequest) -> HttpResponse:
    _regions, region = _rules_region(request)
    rules = selectors.rules_for_region(region=region)
    return render(
        request,
        "schools/rules_print.html",
        {"region": region, "rules": rules, **selectors.rules_summary(rules=rules)},
    )


@role_required(Role.COORDINATOR)
def rules_export(request: HttpRequest) -> HttpResponse:
    _regions, region = _rules_region(request)
    text = rules_dumps(rules=selectors.rules_for_region(region=region))
    response = HttpResponse(text, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="category-rules-{region.pk}.json"'
    return response


@require_POST
@role_required(Role.COORDINATOR)
def rules_load_view(request: HttpRequest) -> HttpResponse:
    _regions, region = _rules_region(request)
    upload = request.FILES.get("file")
    try:
        if upload is None or upload.size > 1_000_000:
            raise ValidationError(_("Choose a rules file (JSON, up to 1 MB)."))
        rules_load(region=region, text=upload.read(), user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(
            request, _("The rules are loaded; the categories of the region will be recomputed.")
        )
    return redirect(f"{reverse('schools:rules')}?region={region.pk}")


# --- imports ------------------------------------------------------------------------------------


@role_required(*TERRITORY)
def imports(request: HttpRequest) -> HttpResponse:
    runs = selectors.import_run_list_for_user(user=request.user)
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    can_load = scope_for(request.user).has_role(Role.COORDINATOR)
    context = {"page": page, "can_load_municipalities": can_load}
    return render(request, "schools/imports.html", context)


@accepts_upload()
@role_required(*TERRITORY)
def import_new(request: HttpRequest) -> HttpResponse:
    municipalities = selectors.municipality_list_for_user(user=request.user)
    regions = selectors.region_list_for_user(user=request.user)
    form = ImportUploadForm(
        request.POST or None,
        request.FILES or None,
        municipalities=municipalities,
        regions=regions if scope_for(request.user).has_role(Role.COORDINATOR) else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.import_run_upload(
                upload=data["file"],
                kind=data["kind"],
                user=request.user,
                municipality=data["municipality"],
                region=None if data["municipality"] else data.get("region"),
                assessment=data["assessment"] or "",
                year=data["year"],
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            if run.status == ImportStatus.READING:  # an XLSX: read in the background
                return redirect("schools:import_detail", pk=run.pk)
            return redirect("schools:import_mapping", pk=run.pk)
    return render(request, "schools/import_new.html", {"form": form})


def _run_for(request: HttpRequest, pk: int, *, wizard: bool = False):
    """The run, through the policy; ``wizard``: only a run the import wizard goes on with
    (a municipalities list has no columns or import step)."""
    require(scope_for(request.user).has_role(*TERRITORY))
    runs = selectors.import_run_list_for_user(user=request.user)
    if wizard:
        runs = runs.filter(kind__in=WIZARD_KINDS)
    return get_for_user_or_404(runs, pk=pk)


def import_mapping(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk, wizard=True)
    if run.status == ImportStatus.READING:
        return redirect("schools:import_detail", pk=run.pk)
    saved = selectors.saved_mappings_for(kind=run.kind)
    chosen = saved.filter(name=request.GET.get("use", "")).first()
    form = MappingForm(
        request.POST if request.method == "POST" else None,
        run=run,
        initial_mapping=services.saved_mapping_for_run(run=run, saved=chosen) if chosen else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.import_run_save_mapping(
                run=run,
                mapping=form.mapping(),
                save_as=form.cleaned_data["save_as"],
                user=request.user,
            )
        except ImportFileError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("schools:import_preview", pk=run.pk)
    context = {"run": run, "form": form, "saved": saved, "chosen": chosen}
    return render(request, "schools/import_mapping.html", context)


def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """The stored check of the file (computed once, when the columns were confirmed) and the
    import button; a rejected import comes back here to import the valid rows."""
    run = _run_for(request, pk, wizard=True)
    form = ImportApplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["create_municipalities"]:
            services.import_run_confirm_municipalities(run=run)
            return redirect("schools:import_preview", pk=run.pk)
        try:
            services.import_run_queue(run=run, skip_invalid=form.cleaned_data["skip_invalid"])
        except ImportFileError as exc:
            messages.error(request, str(exc))
        return redirect("schools:import_detail", pk=run.pk)
    template = "schools/_import_check.html" if request.htmx else "schools/import_preview.html"
    context = {"run": run, "form": form, "can_apply": services.import_run_can_apply(run=run)}
    return render(request, template, context)


def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = _run_for(request, pk)
    template = "schools/_import_status.html" if request.htmx else "schools/import_detail.html"
    return render(request, template, {"run": run})


# --- the municipalities list (``import_municipalities`` in the browser) ------------------------


@accepts_upload(services.MUNICIPALITY_LIST_MAX_SIZE)
@role_required(Role.COORDINATOR)
def municipality_list(request: HttpRequest) -> HttpResponse:
    """Upload a region's municipalities list and see its dry run: new, updated, row errors."""
    regions = selectors.region_list_for_user(user=request.user)
    form = MunicipalityListForm(request.POST or None, request.FILES or None, regions=regions)
    plan = None
    if request.method == "POST" and form.is_valid():
        upload, region = form.cleaned_data["file"], form.cleaned_data["region"]
        data = upload.read(services.MUNICIPALITY_LIST_MAX_SIZE + 1)
        try:
            _run, plan = services.municipality_list_check(
                data=data, file_name=upload.name, region=region, user=request.user
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
    context = {
        "form": form,
        "plan": plan,
        "region": form.cleaned_data.get("region") if plan else None,
    }
    return render(request, "schools/municipality_list.html", context)


@require_POST
@role_required(Role.COORDINATOR)
def municipality_list_confirm(request: HttpRequest) -> HttpResponse:
    """Save the list checked on the previous page (its stored run) — checked again, all rows
    or none."""
    run = selectors.municipality_list_pending(user=request.user)
    if run is None:
        messages.error(request, _("Upload the list again: the checked file is no longer kept."))
        return redirect("schools:municipality_list")
    get_for_user_or_404(selectors.region_list_for_user(user=request.user), pk=run.region_id)
    try:
        plan = services.municipality_list_save(run=run, user=request.user)
    except ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect("schools:municipality_list")
    if plan.invalid:
        messages.error(request, _("The list has errors; nothing was changed."))
        return redirect("schools:municipality_list")
    messages.success(
        request,
        _("Municipalities saved: new %(new)s, updated %(updated)s, unchanged %(unchanged)s.")
        % {"new": len(plan.new), "updated": len(plan.updated), "unchanged": plan.unchanged},
    )
    return redirect("schools:imports")
