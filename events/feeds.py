"""iCalendar feeds (RFC 5545) written by the icalendar library.

The municipality feed is public (published and held events); the personal feed lists one's
registrations behind a secret token. Both carry a reminder (VALARM) the day before and are
cacheable: ``condition`` answers 304 to a matching ETag or If-Modified-Since.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import icalendar
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import condition, require_GET

from schools.models import Municipality

from .models import Event, EventStatus, Registration, RegistrationStatus
from .selectors import (
    calendar_token_user_id,
    personal_feed_fingerprint,
    personal_feed_registrations,
    public_feed_events,
    public_feed_fingerprint,
)

REMINDER_BEFORE = timedelta(days=1)
#: A built feed is kept a day at most (its ETag names the day).
FEED_CACHE_SECONDS = 60 * 60 * 24
#: A VEVENT is kept under everything it prints (the event's ``updated_at`` and the names of
#: its organiser and type), so it never goes stale: only a cleared cache writes it again.
VEVENT_CACHE_SECONDS = 60 * 60 * 24 * 30
#: What a VEVENT's cache key is made of: the row's version and the related names it prints.
VERSION_FIELDS = (
    "pk",
    "updated_at",
    "organiser__short_name",
    "organiser__email",
    "event_type__name",
)
PRODID = "-//Network partnerships portal//Events//RU"


def event_uid(event: Event) -> str:
    host = settings.SITE_URL.split("//")[-1].split("/")[0] or "portal"
    return f"event-{event.pk}@{host}"


def event_summary(event: Event) -> str:
    """«Семинар: Приёмы работы», but not «Методический день: Методический день «…»»: the
    type is named only when the title does not name it already."""
    kind = event.event_type.name if event.event_type_id else ""
    if not kind or kind.casefold() in event.title.casefold():
        return event.title
    return f"{kind}: {event.title}"


def _organiser_address(email: str) -> str:
    """The organisation's public e-mail as a ``mailto:`` address, or "" if it is not one."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        return ""
    return f"mailto:{email}"


def _vevent(event: Event, *, tentative: bool = False, with_link: bool = False) -> icalendar.Event:
    """One VEVENT. The online link only ``with_link`` — in the personal feed of someone who
    holds a place; the public feed, like the public page, says the link is sent to those
    registered."""
    item = icalendar.Event()
    item.add("uid", event_uid(event))
    item.add("dtstamp", event.updated_at)
    item.add("last-modified", event.updated_at)
    item.add("dtstart", event.starts_at)
    item.add("dtend", event.ends_at)
    item.add("summary", event_summary(event))
    if event.event_type_id:
        item.add("categories", [event.event_type.name])
    online = event.online_url if with_link else ""
    location = (
        event.place or online or (pgettext("event format", "Online") if event.online_url else "")
    )
    if location:
        item.add("location", location)
    lines = [event.description.strip()] if event.description.strip() else []
    lines.append(_("Organiser: %(name)s") % {"name": event.organiser.short_name})
    if online:
        lines.append(_("Link to join: %(url)s") % {"url": online})
    elif event.online_url:
        lines.append(_("Online: the link is sent to registered participants."))
    item.add("description", "\n".join(lines))
    item.add("url", settings.SITE_URL + reverse("events:public_detail", args=[event.pk]))
    address = _organiser_address(event.organiser.email)
    if address:  # ORGANIZER is a cal-address: without an e-mail there is none to give
        item.add("organizer", address, parameters={"CN": event.organiser.short_name})
    if event.status == EventStatus.CANCELLED:
        item.add("status", "CANCELLED")
    else:
        item.add("status", "TENTATIVE" if tentative else "CONFIRMED")
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _("Tomorrow: %(title)s") % {"title": event.title})
        alarm.add("trigger", -REMINDER_BEFORE)
        item.add_component(alarm)
    return item


def calendar_build(
    *,
    name: str,
    events: Iterable[Event] | None = None,
    versions: Iterable[tuple] | None = None,
    load: Callable[[list[int]], Iterable[Event]] | None = None,
    tentative_ids: frozenset[int] = frozenset(),
    link_ids: frozenset[int] = frozenset(),
    cache_key: str = "",
) -> bytes:
    """One VCALENDAR with a VEVENT (and a VALARM) per event.

    Writing a VEVENT with icalendar costs about a millisecond, so a feed of 1,000 events would
    take a second. With ``cache_key``, the VEVENTs of the feed are kept in one cache entry,
    each under the event's ``updated_at`` (any edit of the event changes it) and the names it
    prints: only new or changed events are written again. Give either the ``events``
    themselves, or their ``versions`` — rows of :data:`VERSION_FIELDS` in feed order — and
    ``load(pks)`` to fetch the full rows: then only the events whose VEVENT is not cached are
    loaded at all (loading 1,000 model instances to reuse their cached VEVENTs was most of a
    rebuild's time).
    """
    stored: dict[tuple, bytes] = cache.get(cache_key, {}) if cache_key else {}

    def key_of(pk: int, updated_at: datetime, *names: str | None) -> tuple:
        return (pk, updated_at.timestamp(), pk in tentative_ids, pk in link_ids, *names)

    if events is not None:
        by_pk = {event.pk: event for event in events}
        keys = [
            key_of(
                pk,
                event.updated_at,
                event.organiser.short_name,
                event.organiser.email,
                event.event_type.name if event.event_type_id else None,
            )
            for pk, event in by_pk.items()
        ]
    else:
        keys = [key_of(*row) for row in versions or ()]
        missing = [key[0] for key in keys if key not in stored]
        by_pk = {event.pk: event for event in load(missing)} if missing else {}
    chunks: dict[tuple, bytes] = {}
    for key in keys:
        chunk = stored.get(key)
        if chunk is None:
            event = by_pk.get(key[0])
            if event is None:  # deleted between the two queries
                continue
            chunk = _vevent(event, tentative=key[2], with_link=key[3]).to_ical()
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
        request._events_feed_fingerprint = public_feed_fingerprint(municipality_id=municipality_id)
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
        feed = public_feed_events(municipality_id=municipality_id)
        content = calendar_build(
            name=_("Network events: %(municipality)s") % {"municipality": municipality.name},
            versions=feed.values_list(*VERSION_FIELDS),
            load=lambda pks: feed.filter(pk__in=pks),
            cache_key=f"events:vevents:municipality:{municipality_id}",
        )
        cache.set(key, content, timeout=FEED_CACHE_SECONDS)
    return _ics(content, f"events-{municipality_id}.ics")


# --- personal feed (secret token) ------------------------------------------------------


def _personal_fingerprint(request: HttpRequest, key: str):
    if not hasattr(request, "_events_feed_fingerprint"):
        user_id = calendar_token_user_id(key=key)
        request._events_feed_fingerprint = (
            (None, None) if user_id is None else personal_feed_fingerprint(user_id=user_id)
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
        name=_("My network events"),
        events=[r.event for r in registrations],
        tentative_ids=frozenset(
            r.event_id for r in registrations if r.status == RegistrationStatus.WAITLISTED
        ),
        # the online link goes to those who hold a place, not to the waiting list
        link_ids=frozenset(
            r.event_id for r in registrations if r.status == RegistrationStatus.REGISTERED
        ),
        cache_key=f"events:vevents:user:{user_id}",
    )
    response = _ics(content, "my-events.ics")
    response["Cache-Control"] = "private, max-age=900"
    return response
