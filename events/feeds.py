"""iCalendar feeds (RFC 5545) written by the icalendar library.

The municipality feed is public (published and held events); the personal feed lists one's
registrations behind a secret token. Both carry a reminder (VALARM) the day before and are
cacheable: ``condition`` answers 304 to a matching ETag or If-Modified-Since.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import icalendar
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import condition, require_GET

from schools.models import Municipality

from .models import Event, EventStatus, Registration, RegistrationStatus
from .selectors import (
    calendar_token_user_id,
    feed_fingerprint,
    personal_feed_registrations,
    public_feed_events,
)

REMINDER_BEFORE = timedelta(days=1)
PRODID = "-//Network partnerships portal//Events//RU"


def event_uid(event: Event) -> str:
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "portal"
    return f"event-{event.pk}@{host}"


def _vevent(event: Event, *, now: datetime, tentative: bool = False) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", event_uid(event))
    item.add("dtstamp", now)
    item.add("last-modified", event.updated_at)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    kind = f"{event.event_type.name}: " if event.event_type_id else ""
    item.add("summary", f"{kind}{event.title}")
    location = event.place or event.online_url
    if location:
        item.add("location", location)
    lines = [event.description.strip()] if event.description.strip() else []
    lines.append(f"Организатор: {event.organiser.short_name}")
    if event.online_url:
        lines.append(f"Ссылка для подключения: {event.online_url}")
    item.add("description", "\n".join(lines))
    item.add("url", settings.SITE_URL + reverse("events:public_detail", args=[event.pk]))
    item.add("organizer", "", parameters={"CN": event.organiser.short_name})
    if event.status == EventStatus.CANCELLED:
        item.add("status", "CANCELLED")
    else:
        item.add("status", "TENTATIVE" if tentative else "CONFIRMED")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Завтра: {event.title}")
        alarm.add("trigger", -REMINDER_BEFORE)
        item.add_component(alarm)
    return item


def calendar_build(
    *, name: str, events: Iterable[Event], tentative_ids: frozenset[int] = frozenset()
) -> bytes:
    """One VCALENDAR with a VEVENT (and a VALARM) per event."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    now = timezone.now()
    for event in events:
        cal.add_component(_vevent(event, now=now, tentative=event.pk in tentative_ids))
    return cal.to_ical()


def _ics(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "public, max-age=900"
    return response


# --- municipality feed (public) --------------------------------------------------------


def _municipality_fingerprint(request: HttpRequest, municipality_id: int):
    # ``condition`` asks for the ETag and Last-Modified separately: compute them once.
    if not hasattr(request, "_events_feed_fingerprint"):
        request._events_feed_fingerprint = feed_fingerprint(
            public_feed_events(municipality_id=municipality_id)
        )
    return request._events_feed_fingerprint


@login_not_required
@require_GET
@condition(
    etag_func=lambda request, municipality_id: _municipality_fingerprint(request, municipality_id)[
        0
    ],
    last_modified_func=lambda request, municipality_id: _municipality_fingerprint(
        request, municipality_id
    )[1],
)
def municipality_feed(request: HttpRequest, municipality_id: int) -> HttpResponse:
    municipality = Municipality.objects.filter(pk=municipality_id).first()
    if municipality is None:
        raise Http404
    content = calendar_build(
        name=f"Сетевые мероприятия: {municipality.name}",
        events=public_feed_events(municipality_id=municipality_id),
    )
    return _ics(content, f"events-{municipality_id}.ics")


# --- personal feed (secret token) ------------------------------------------------------


def _personal_fingerprint(request: HttpRequest, key: str):
    if not hasattr(request, "_events_feed_fingerprint"):
        user_id = calendar_token_user_id(key=key)
        request._events_feed_fingerprint = (
            (None, None)
            if user_id is None
            else feed_fingerprint(personal_feed_registrations(user_id=user_id))
        )
    return request._events_feed_fingerprint


@login_not_required
@require_GET
@condition(
    etag_func=lambda request, key: _personal_fingerprint(request, key)[0],
    last_modified_func=lambda request, key: _personal_fingerprint(request, key)[1],
)
def personal_feed(request: HttpRequest, key: str) -> HttpResponse:
    user_id = calendar_token_user_id(key=key)
    if user_id is None:  # a wrong or reset key: nothing, not even whose it was
        raise Http404
    registrations: list[Registration] = list(personal_feed_registrations(user_id=user_id))
    content = calendar_build(
        name="Мои сетевые мероприятия",
        events=[r.event for r in registrations],
        tentative_ids=frozenset(
            r.event_id for r in registrations if r.status == RegistrationStatus.WAITLISTED
        ),
    )
    response = _ics(content, "my-events.ics")
    response["Cache-Control"] = "private, max-age=900"
    return response
