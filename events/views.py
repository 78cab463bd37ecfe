"""Pages of network events for logged-in users. Public pages are in ``events.public``."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from network_portal.access.policy import get_for_user_or_404, require
from network_portal.editing import StaleEdit
from network_portal.ui.request_size import accepts_upload

from . import rules, selectors, services
from .forms import (
    CancelForm,
    EventFilterForm,
    EventForm,
    GroupRegistrationForm,
    MaterialForm,
    ReportForm,
)
from .models import Event, EventMaterial, EventReport, Registration, RegistrationStatus
from .rules import RegistrationRefused
from .services import EventChangeRefused


def _event(request: HttpRequest, pk: int) -> Event:
    queryset = selectors.event_list_for_user(user=request.user).select_related(
        "event_type", "organiser", "municipality", "partnership"
    )
    return get_for_user_or_404(queryset, pk=pk)


def _editable_event(request: HttpRequest, pk: int) -> Event:
    """Outside the territory: 404; visible but not the organiser's side: 403."""
    event = _event(request, pk)
    require(selectors.event_permissions(user=request.user, event=event).can_edit)
    return event


def _refused(request: HttpRequest, error: Exception) -> None:
    text = getattr(error, "message", None) or " ".join(getattr(error, "messages", [str(error)]))
    messages.error(request, text)


# --- Lists --------------------------------------------------------------------------------


def event_list(request: HttpRequest) -> HttpResponse:
    """Upcoming events of the user's territory, «my registrations» and, for organisers, drafts."""
    filters = EventFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    past = request.GET.get("when") == "past"
    events = selectors.event_overview_for_user(
        user=request.user,
        event_type=chosen.get("type").code if chosen.get("type") else "",
        audience=chosen.get("audience") or "",
        upcoming=not past,
    )
    page = Paginator(events, 20).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "events": page.object_list,
        "filters": filters,
        "past": past,
        "my_registrations": selectors.registrations_of_user(user=request.user)[:20],
        "can_create": selectors.event_can_create(user=request.user),
        "municipalities": selectors.planning_municipalities_for_user(user=request.user),
    }
    return render(request, "events/event_list.html", context)


def _event_form(request: HttpRequest, *, event: Event | None = None, initial=None) -> EventForm:
    choices = selectors.event_form_choices(user=request.user, event=event)
    return EventForm(request.POST or None, initial=initial, **choices)


def event_create(request: HttpRequest) -> HttpResponse:
    require(selectors.event_can_create(user=request.user))
    initial = {"audience": ["teachers"], "partnership": request.GET.get("partnership")}
    organisers = selectors.organiser_choices_for_user(user=request.user)
    if organisers.count() == 1:
        initial["organiser"] = organisers.get().pk
    form = _event_form(request, initial=initial)
    if form.is_valid():
        event = services.event_create(
            user=request.user,
            data=form.event_data(),
            roadmap_items=form.cleaned_data["roadmap_items"],
            risk_factors=form.cleaned_data["risk_factors"],
        )
        messages.success(
            request, _("The event is saved as a draft. Publish it to open registration.")
        )
        return redirect("events:detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": None})


def event_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Saved only over the version the person opened; otherwise the other change is shown and
    everything typed stays in the form."""
    event = _editable_event(request, pk)
    form = _event_form(request, event=event, initial=EventForm.initial_for(event))
    if form.is_valid():
        try:
            services.event_update(
                event=event,
                user=request.user,
                data=form.event_data(),
                version=form.seen_version,
                roadmap_items=form.cleaned_data["roadmap_items"],
                risk_factors=form.cleaned_data["risk_factors"],
            )
        except StaleEdit as stale:
            form.refuse(stale)
        except EventChangeRefused as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, _("The changes are saved."))
            return redirect("events:detail", pk=event.pk)
    return render(request, "events/event_form.html", {"form": form, "event": event})


# --- One event ------------------------------------------------------------------------------


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    registration = selectors.registration_of(event=event, user=request.user)
    counts = selectors.with_counts(Event.objects.filter(pk=event.pk)).values(
        "registered_count", "waiting_count"
    )[0]
    perms = selectors.event_permissions(user=request.user, event=event)
    can_edit = perms.can_edit
    context = {
        "event": event,
        "counts": counts,
        "free": None
        if event.capacity is None
        else max(0, event.capacity - counts["registered_count"]),
        "registration": registration,
        "waiting_position": registration and selectors.waiting_position(registration=registration),
        "can_edit": can_edit,
        # as the public page says: the link is for those who hold a place (and the organisers)
        "show_online_url": can_edit
        or (registration is not None and registration.status == RegistrationStatus.REGISTERED),
        "can_group": perms.can_register_group,
        "certificate_ready": registration is not None
        and services.certificate_available(registration=registration),
        "materials": event.materials.all(),
        "report": EventReport.objects.filter(event=event).first(),
        "attended_count": event.registrations.filter(attended=True).count(),
        "roadmap_items": event.roadmap_items.select_related("roadmap__organisation"),
        "risk_factors": event.risk_factors.all(),
        "material_form": MaterialForm(),
    }
    return render(request, "events/event_detail.html", context)


@require_POST
def event_publish(request: HttpRequest, pk: int) -> HttpResponse:
    event = _editable_event(request, pk)
    try:
        services.event_publish(event=event, user=request.user)
        messages.success(request, _("The event is published: registration is open."))
    except EventChangeRefused as refused:
        _refused(request, refused)
    return redirect("events:detail", pk=pk)


def event_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    event = _editable_event(request, pk)
    form = CancelForm(request.POST or None)
    if form.is_valid():
        try:
            services.event_cancel(
                event=event, user=request.user, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("The event is cancelled; the participants are notified."))
            return redirect("events:detail", pk=pk)
        except EventChangeRefused as refused:
            form.add_error(None, refused)
    return render(request, "events/event_cancel.html", {"event": event, "form": form})


@require_POST
def register(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    try:
        registration = services.registration_register(event=event, user=request.user)
    except RegistrationRefused as refused:
        _refused(request, refused)
    else:
        if registration.status == "registered":
            messages.success(request, _("You are registered. See you at the event!"))
        else:
            messages.info(
                request,
                _(
                    "There are no places left: you are on the waiting list. We will e-mail you "
                    "when a place frees up."
                ),
            )
    return redirect("events:detail", pk=pk)


@require_POST
def unregister(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    registration = get_object_or_404(Registration, event=event, user=request.user)
    try:
        services.registration_cancel(registration=registration)
        messages.success(request, _("Your registration is cancelled."))
    except RegistrationRefused as refused:
        _refused(request, refused)
    return redirect(_safe_next(request, default=reverse("events:detail", args=[pk])))


def _safe_next(request: HttpRequest, *, default: str) -> str:
    """The ``next`` address of a form if it points into the portal, else ``default``."""
    target = request.POST.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if target and safe else default


# --- Organiser: registrations, attendance, report, materials ---------------------------------


def registrations(request: HttpRequest, pk: int) -> HttpResponse:
    """Who is registered and waiting; a director or methodologist registers a group."""
    event = _event(request, pk)
    perms = selectors.event_permissions(user=request.user, event=event)
    can_edit = perms.can_edit
    require(can_edit or perms.can_register_group)
    teachers = selectors.teachers_for_group_registration(user=request.user, event=event)
    form = GroupRegistrationForm(request.POST or None, teachers=teachers)
    if form.is_valid():
        result = services.registration_register_group(
            event=event, users=form.cleaned_data["teachers"], by=request.user
        )
        _group_messages(request, result)
        return redirect("events:registrations", pk=pk)
    rows = selectors.event_registrations(event=event) if can_edit else None
    return render(
        request,
        "events/registrations.html",
        {"event": event, "rows": rows, "form": form, "can_edit": can_edit},
    )


def _group_messages(request: HttpRequest, result: services.GroupResult) -> None:
    if result.registered:
        messages.success(
            request,
            ngettext("%(n)d person registered.", "%(n)d people registered.", len(result.registered))
            % {"n": len(result.registered)},
        )
    if result.waitlisted:
        messages.warning(
            request,
            ngettext(
                "%(n)d person is on the waiting list: no places left.",
                "%(n)d people are on the waiting list: no places left.",
                len(result.waitlisted),
            )
            % {"n": len(result.waitlisted)},
        )
    for person, reason in result.skipped:
        messages.info(request, f"{person.get_full_name()}: {reason}")


def attendance(request: HttpRequest, pk: int) -> HttpResponse:
    """The check-in list: one button per person; htmx swaps the row, without JS the page reloads."""
    event = _editable_event(request, pk)
    if request.method == "POST":
        registration = get_object_or_404(
            Registration, event=event, pk=request.POST.get("registration")
        )
        try:
            services.attendance_set(
                registration=registration, attended=request.POST.get("attended") == "1"
            )
        except EventChangeRefused as refused:
            if request.htmx:
                return HttpResponse(" ".join(refused.messages), status=409)
            _refused(request, refused)
        if request.htmx:
            row = selectors.attendees_with_organisations(event=event, pk=registration.pk)
            context = {"event": event, "r": row[0] if row else registration}
            return render(request, "events/_checkin_row.html", context)
        return redirect(f"{reverse('events:attendance', args=[pk])}#r{registration.pk}")
    rows = selectors.attendees_with_organisations(event=event)
    context = {"event": event, "rows": rows, "attended": sum(r.attended for r in rows)}
    return render(request, "events/attendance.html", context)


def sign_in_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    event = _editable_event(request, pk)
    rows = selectors.attendees_with_organisations(event=event)
    return render(request, "events/sign_in_sheet.html", {"event": event, "rows": rows})


@require_POST
def certificate(request: HttpRequest, pk: int) -> HttpResponse:
    event = _event(request, pk)
    registration = get_object_or_404(Registration, event=event, user=request.user)
    try:
        job = services.certificate_request(registration=registration, user=request.user)
    except EventChangeRefused as refused:
        _refused(request, refused)
        return redirect("events:detail", pk=pk)
    return redirect("documents:detail", pk=job.pk)


def report_edit(request: HttpRequest, pk: int) -> HttpResponse:
    event = _editable_event(request, pk)
    report = EventReport.objects.filter(event=event).first()
    initial = (
        {
            "summary": report.summary,
            "results": report.results,
            "other_participants": report.other_participants,
        }
        if report
        else {}
    )
    form = ReportForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            services.report_save(event=event, user=request.user, **form.cleaned_data)
            messages.success(request, _("The report is saved."))
            return redirect("events:detail", pk=pk)
        except EventChangeRefused as refused:
            form.add_error(None, refused)
    attended = event.registrations.filter(attended=True).count()
    return render(
        request, "events/report_form.html", {"event": event, "form": form, "attended": attended}
    )


@accepts_upload()
@require_POST
def material_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = _editable_event(request, pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        services.material_add(event=event, user=request.user, **form.cleaned_data)
        messages.success(request, _("The material is added."))
    else:
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
    return redirect(f"{reverse('events:detail', args=[pk])}#materials")


def material_download(request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
    event = _event(request, pk)
    material = get_object_or_404(EventMaterial, event=event, pk=material_pk)
    if not material.file:
        raise Http404
    return FileResponse(
        material.file.open("rb"), as_attachment=True, filename=material.file.name.rsplit("/", 1)[-1]
    )


@require_POST
def material_delete(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    event = _editable_event(request, pk)
    services.material_delete(material=get_object_or_404(EventMaterial, event=event, pk=material_pk))
    messages.success(request, _("The material is deleted."))
    return redirect(f"{reverse('events:detail', args=[pk])}#materials")


# --- Planning and calendar -----------------------------------------------------------------


def planning(request: HttpRequest) -> HttpResponse:
    """A month calendar of the municipality's events and the teachers' needs no event covers."""
    municipalities = selectors.planning_municipalities_for_user(user=request.user)
    municipality = (
        get_for_user_or_404(municipalities, pk=request.GET["m"])
        if request.GET.get("m")
        else municipalities.first()
    )
    if municipality is None:
        raise Http404
    year, month = rules.month_parse(request.GET.get("month"), today=timezone.localdate())
    context = selectors.planning_month(
        user=request.user, municipality=municipality, year=year, month=month
    )
    context["municipalities"] = municipalities
    context["can_create"] = selectors.event_can_create(user=request.user)
    return render(request, "events/planning.html", context)


def calendar_settings(request: HttpRequest) -> HttpResponse:
    """The secret address of «my events» for a calendar app; resetting it kills the old one."""
    if request.method == "POST":
        token = services.calendar_token_reset(user=request.user)
        messages.success(request, _("A new address is ready; the old one no longer works."))
        return redirect("events:calendar")
    token = services.calendar_token_get(user=request.user)
    url = request.build_absolute_uri(reverse("events:public_personal_feed", args=[token.key]))
    return render(request, "events/calendar.html", {"feed_url": url, "token": token})
