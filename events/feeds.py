"""iCalendar feeds (RFC 5545) written by the icalendar library.

The municipality feed is public (published and held events); the personal feed lists one's
registrations behind a secret token. Both carry a reminder (VALARM) the day before and are
cacheable: ``condition`` answers 304 to a matching ETag or If-Modified-Since.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

import icalendar
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
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
#: A cached VEVENT is also refreshed daily (an organisation or event type renamed meanwhile).
VEVENT_CACHE_SECONDS = 60 * 60 * 24
PRODID = "-//Network partnerships portal//Events//RU"


def event_uid(event: Event) -> str:
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "portal"
    return f"event-{event.pk}@{host}"


def _vevent(event: Event, *, tentative: bool = False) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", event_uid(event))
    item.add("dtstamp", event.updated_at)
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
    *,
    name: str,
    events: Iterable[Event],
    tentative_ids: frozenset[int] = frozenset(),
    cache_key: str = "",
) -> bytes:
    """One VCALENDAR with a VEVENT (and a VALARM) per event.

    Writing a VEVENT with icalendar costs about a millisecond, so a feed of 1,000 events would
    take a second. With ``cache_key``, the VEVENTs of the feed are kept in one cache entry,
    each under the event's ``updated_at`` (any edit of the event changes it): only new or
    changed events are written again.
    """
    events = list(events)
    stored: dict[tuple, bytes] = cache.get(cache_key, {}) if cache_key else {}
    chunks: dict[tuple, bytes] = {}
    for event in events:
        key = (event.pk, event.updated_at.timestamp(), event.pk in tentative_ids)
        chunk = stored.get(key)
        if chunk is None:
            chunk = _vevent(event, tentative=event.pk in tentative_ids).to_ical()
        chunks[key] = chunk
    if cache_key and chunks.keys() != stored.keys():
        cache.set(cache_key, chunks, timeout=VEVENT_CACHE_SECONDS)
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    head, end = cal.to_ical().rsplit(b"END:VCALENDAR", 1)
    body = b"".join(chunks.values())
    return head + body + b"END:VCALENDAR" + end


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
    etag, _last = _municipality_fingerprint(request, municipality_id)
    key = f"events:feed:municipality:{municipality_id}:{etag}"
    content = cache.get(key)
    if content is None:  # the data changed since the last build (or the cache was cleared)
        content = calendar_build(
            name=f"Сетевые мероприятия: {municipality.name}",
            events=public_feed_events(municipality_id=municipality_id),
            cache_key=f"events:vevents:municipality:{municipality_id}",
        )
        cache.set(key, content, timeout=VEVENT_CACHE_SECONDS)
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
        cache_key=f"events:vevents:user:{user_id}",
    )
    response = _ics(content, "my-events.ics")
    response["Cache-Control"] = "private, max-age=900"
    return response
