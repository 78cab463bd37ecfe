"""Pages without login: announcements (анонсы), an embeddable snippet, certificate checks.

Only published (and held) events appear, and no personal data: no participant names, no
organiser people — the organiser is an organisation. Each view is ``login_not_required`` and
its URL name starts with ``events:public_`` (see ``network_portal/access/public.py``).
"""

from __future__ import annotations

from csp.decorators import csp_replace
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from schools.models import Municipality

from . import rules, selectors
from .forms import PublicFilterForm
from .models import EventStatus, Registration

EMBED_LIMIT = 10


def _public_events(request: HttpRequest, municipality_id: int):
    filters = PublicFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    events = selectors.public_event_list(
        municipality_id=municipality_id,
        event_type=chosen["type"].code if chosen.get("type") else "",
        audience=chosen.get("audience") or "",
        date_from=chosen.get("date_from") or timezone.localdate(),
        date_to=chosen.get("date_to"),
    )
    return filters, events


@login_not_required
@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    municipalities = (
        Municipality.objects.filter(events__status=EventStatus.PUBLISHED)
        .distinct()
        .order_by("name")
    )
    return render(request, "events/public/index.html", {"municipalities": municipalities})


@login_not_required
@require_GET
def public_list(request: HttpRequest, municipality_id: int) -> HttpResponse:
    municipality = get_object_or_404(Municipality, pk=municipality_id)
    filters, events = _public_events(request, municipality_id)
    page = Paginator(events, 20).get_page(request.GET.get("page"))
    embed_url = request.build_absolute_uri(reverse("events:public_embed", args=[municipality_id]))
    context = {
        "municipality": municipality,
        "filters": filters,
        "page": page,
        "events": page.object_list,
        "embed_url": embed_url,
        "feed_url": request.build_absolute_uri(
            reverse("events:public_feed", args=[municipality_id])
        ),
        "snippet_events": list(page.object_list)[:EMBED_LIMIT] if page.number == 1 else [],
        "site_url": request.build_absolute_uri("/").rstrip("/"),
    }
    return render(request, "events/public/list.html", context)


@login_not_required
@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = selectors.public_event(pk=pk)
    if event is None:
        raise Http404
    free = None if event.capacity is None else max(0, event.capacity - event.registered_count)
    # a signed-in user of another territory cannot open the event's portal page (a 404): the
    # «register» link is for those who can, and for visitors (they log in first)
    opens = not request.user.is_authenticated or (
        selectors.event_list_for_user(user=request.user).filter(pk=event.pk).exists()
    )
    context = {"event": event, "free": free, "opens_on_portal": opens}
    return render(request, "events/public/detail.html", context)


@login_not_required
@require_GET
@xframe_options_exempt
@csp_replace({"frame-ancestors": ["*"]})
def public_embed(request: HttpRequest, municipality_id: int) -> HttpResponse:
    """The announcements for a school's own site (in an iframe): the only framable page."""
    municipality = get_object_or_404(Municipality, pk=municipality_id)
    _filters, events = _public_events(request, municipality_id)
    context = {"municipality": municipality, "events": events[:EMBED_LIMIT]}
    return render(request, "events/public/embed.html", context)


@login_not_required
@require_GET
def public_certificate_verify(request: HttpRequest, code: str = "") -> HttpResponse:
    """Check a certificate by its code: the event, the dates and the holder's masked name."""
    code = (code or request.GET.get("code", "")).strip().upper()
    if not code:
        return render(request, "events/public/verify.html", {"code": ""})
    plausible = rules.certificate_code_plausible(code)
    if plausible and "code" in request.GET:
        return redirect("events:public_certificate_verify", code=code)
    registration = (
        Registration.objects.select_related("event", "event__organiser", "user")
        .filter(certificate_code=code, attended=True)
        .exclude(event__status__in=(EventStatus.DRAFT, EventStatus.CANCELLED))
        .first()
        if plausible
        else None
    )
    holder = None
    if registration is not None:
        user = registration.user
        holder = rules.name_masked(
            last_name=user.last_name, first_name=user.first_name, middle_name=user.middle_name
        )
    context = {"code": code, "registration": registration, "holder": holder}
    return render(
        request, "events/public/verify.html", context, status=200 if registration else 404
    )
