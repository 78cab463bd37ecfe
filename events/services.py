"""Writes of network events.

Capacity is guarded by locking the event row (``select_for_update``) in every service that
changes who holds a place: registration, cancellation, a group registration, a new capacity.
Two people racing for the last place are served one after the other; the second one lands on
the waiting list. E-mails go out after the commit, each once (``events.emails``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from network_portal.access.policy import scope_for
from network_portal.accounts.models import RoleAssignment
from network_portal.audit.services import audit_log
from network_portal.editing import claim
from network_portal.outbox.services import enqueue_on_commit
from schools import card_cache

from . import rules
from .card import shown_on, shown_on_items
from .models import (
    AUDIENCE_FIELDS,
    CalendarToken,
    Event,
    EventMaterial,
    EventReport,
    EventStatus,
    Registration,
    RegistrationStatus,
)
from .rules import RegistrationRefused

CERTIFICATE_KIND = "events.certificate"


class EventChangeRefused(ValidationError):
    """An edit the rules refuse; carries field errors for the form."""


#: Statuses in which the event itself (not its report or attendance) may still be edited.
EDITABLE_STATUSES = (EventStatus.DRAFT, EventStatus.PUBLISHED)


# --- Events -------------------------------------------------------------------------------


def _author(user: Any) -> Any | None:
    return user if user is not None and user.is_authenticated else None


def _apply(event: Event, data: dict[str, Any]) -> None:
    audience = set(data.pop("audience", event.audience))
    for code, field in AUDIENCE_FIELDS.items():
        setattr(event, field, code in audience)
    for name, value in data.items():
        setattr(event, name, value)


@transaction.atomic
def event_create(
    *,
    user: Any,
    data: dict[str, Any],
    roadmap_items: Iterable = (),
    risk_factors: Iterable = (),
) -> Event:
    author = _author(user)
    event = Event(created_by=author, updated_by=author, status=EventStatus.DRAFT)
    _apply(event, dict(data))
    event.municipality_id = event.organiser.municipality_id
    event.full_clean(exclude=["created_by", "updated_by"])
    roadmap_items = list(roadmap_items)
    # shown on its organiser's card and its items' roadmap pages only (``schools.card_cache``)
    with _attributed(shown_on_items(organiser_id=event.organiser_id, items=roadmap_items)):
        event.save()
        event.roadmap_items.set(roadmap_items)
        event.risk_factors.set(risk_factors)
    return event


def _attributed(schools: set[int]):
    """A block in which the writes of an event, its links to roadmap items and risk factors
    and its report replace only these schools' kept pages (``schools.card_cache``)."""
    return card_cache.attributed(
        Event,
        Event.roadmap_items.through,
        Event.risk_factors.through,
        EventReport,
        schools=schools,
    )


def event_update(
    *,
    event: Event,
    user: Any,
    data: dict[str, Any],
    version: int | None = None,
    roadmap_items: Iterable | None = None,
    risk_factors: Iterable | None = None,
) -> Event:
    """Save an edit. A capacity below the number registered is refused with the numbers; a
    larger one moves people up from the waiting list.

    ``version`` is the version the editor saw (see ``network_portal.editing``; by default
    the version of ``event`` as passed in): if anybody changed the event since — an edit,
    publishing, cancelling — nothing is written and :class:`~network_portal.editing.StaleEdit`
    carries the stored event, so the form shows the other change and keeps what was typed.
    """
    roadmap_items = list(roadmap_items) if roadmap_items is not None else None
    # the pages that show it before and after the edit (its organiser and its items may change)
    organiser = data.get("organiser")
    before = shown_on(event=event)  # its items as stored: kept items need no second read
    after = shown_on_items(
        organiser_id=organiser.pk if organiser is not None else event.organiser_id,
        items=roadmap_items or (),
    )
    with transaction.atomic(), _attributed(before | after):
        claim(
            event,
            seen=version,
            queryset=Event.objects.select_related("event_type", "organiser", "updated_by"),
        )
        locked = Event.objects.get(pk=event.pk)  # held by the claim until the commit
        if locked.status not in EDITABLE_STATUSES:
            raise EventChangeRefused(_("A held or cancelled event can no longer be edited."))
        registered = _registered_count(locked)
        new_capacity = data.get("capacity", locked.capacity)
        message = rules.capacity_error(capacity=new_capacity, registered=registered)
        if message:
            raise EventChangeRefused({"capacity": [message]})
        _apply(locked, dict(data))
        locked.municipality_id = locked.organiser.municipality_id
        locked.full_clean(exclude=["created_by", "updated_by"])
        locked.updated_by = _author(user)
        locked.save()
        if roadmap_items is not None:
            locked.roadmap_items.set(roadmap_items)
        if risk_factors is not None:
            locked.risk_factors.set(risk_factors)
        _promote_waiting(locked)
    return locked


def event_publish(*, event: Event, user: Any) -> Event:
    if event.status != EventStatus.DRAFT:
        raise EventChangeRefused(_("Only a draft can be published."))
    if event.starts_at <= timezone.now():
        raise EventChangeRefused(
            _(
                "The event's date (%(date)s) has passed: it cannot be published with "
                "registration. Set a future date first."
            )
            % {"date": timezone.localtime(event.starts_at).strftime("%d.%m.%Y %H:%M")}
        )
    with _attributed(shown_on(event=event)):
        Event.objects.filter(pk=event.pk, status=EventStatus.DRAFT).update(
            status=EventStatus.PUBLISHED,
            updated_at=timezone.now(),
            updated_by=_author(user),
            version=F("version") + 1,
        )
    event.refresh_from_db()
    return event


def event_cancel(*, event: Event, user: Any, reason: str) -> Event:
    """Cancel the event and tell everyone registered or waiting (one e-mail each)."""
    if event.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
        raise EventChangeRefused(_("A held or already cancelled event cannot be cancelled."))
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        locked.status = EventStatus.CANCELLED
        locked.cancellation_reason = reason
        locked.updated_by = _author(user)
        locked.version += 1
        # its organiser's card and its roadmaps' pages (``schools.card_cache``)
        with _attributed(shown_on(event=locked)):
            locked.save(
                update_fields=[
                    "status",
                    "cancellation_reason",
                    "updated_at",
                    "updated_by",
                    "version",
                ]
            )
        audit_log(actor=user, action="event.cancel", obj=locked, reason=reason)
        from .tasks import notify_event_cancelled

        enqueue_on_commit(notify_event_cancelled, locked.pk)
    return locked


def event_mark_held(*, event: Event, user: Any, now: datetime | None = None) -> Event:
    now = now or timezone.now()
    if event.status != EventStatus.PUBLISHED:
        raise EventChangeRefused(_("Only a published event can be marked as held."))
    if event.starts_at > now:
        raise EventChangeRefused(_("The event has not started yet."))
    with _attributed(shown_on(event=event)):
        Event.objects.filter(pk=event.pk).update(
            status=EventStatus.HELD,
            updated_at=now,
            updated_by=_author(user),
            version=F("version") + 1,
        )
    event.refresh_from_db()
    return event


# --- Registration -------------------------------------------------------------------------


def _registered_count(event: Event) -> int:
    return Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED).count()


def _promote_waiting(event: Event, *, now: datetime | None = None) -> list[Registration]:
    """Give free places to the head of the waiting list (the event row is locked)."""
    now = now or timezone.now()
    if event.status != EventStatus.PUBLISHED or event.starts_at <= now:
        return []
    waiting = Registration.objects.filter(event=event, status=RegistrationStatus.WAITLISTED)
    free = rules.places_to_promote(
        capacity=event.capacity, registered=_registered_count(event), waiting=waiting.count()
    )
    promoted = list(waiting.order_by("queued_at", "pk")[:free]) if free else []
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
        registration.promoted_at = now
        registration.save(update_fields=["status", "promoted_at", "updated_at"])
    if promoted:
        from .tasks import notify_registration_promoted

        for registration in promoted:
            enqueue_on_commit(notify_registration_promoted, registration.pk)
    return promoted


def _place(event: Event, user: Any, *, by: Any | None, now: datetime) -> tuple[Registration, bool]:
    """Register or wait-list one person on a locked event; returns (registration, created)."""
    existing = Registration.objects.filter(event=event, user=user).first()
    rules.registration_check(
        status=event.status,
        starts_at=event.starts_at,
        deadline=event.registration_deadline,
        now=now,
        current=existing.status if existing else None,
    )
    status = rules.place_status(capacity=event.capacity, registered=_registered_count(event))
    if existing is None:
        return (
            Registration.objects.create(
                event=event,
                user=user,
                status=status,
                queued_at=now,
                registered_by=by if by is not None and by != user else None,
            ),
            True,
        )
    existing.status = status
    existing.queued_at = now
    existing.promoted_at = None
    existing.attended = False
    existing.registered_by = by if by is not None and by != user else None
    existing.save()
    return existing, False


def _audience_refusal(event: Event) -> str:
    return _("This event is for %(audience)s: registration on the portal is not open to you.") % {
        "audience": ", ".join(str(a) for a in event.get_audience_display())
    }


def registration_register(*, event: Event, user: Any, now: datetime | None = None) -> Registration:
    """A person registers themself: a place while there is one, else the waiting list."""
    now = now or timezone.now()
    if not rules.audience_admits(roles=scope_for(user).roles, audience=event.audience):
        raise RegistrationRefused(_audience_refusal(event))
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=event.pk)
        registration, _created = _place(locked, user, by=None, now=now)
    return registration


@dataclass(frozen=True)
class GroupResult:
    registered: list[Any]
    waitlisted: list[Any]
    skipped: list[tuple[Any, str]]


def registration_register_group(
    *, event: Event, users: Iterable[Any], by: Any, now: datetime | None = None
) -> GroupResult:
    """An organiser or director registers several teachers at once (in the order given);
    those who do not fit go to the waiting list, those already in are skipped with the reason."""
    now = now or timezone.now()
    users = list(users)
    roles: dict[int, set[str]] = {}
    schools = shown_on(event=event)  # and the people's (their roles'): every row's pages
    for user_id, role, school in RoleAssignment.objects.filter(
        user_id__in=[u.pk for u in users]
    ).values_list("user_id", "role", "organisation_id"):
        roles.setdefault(user_id, set()).add(role)
        schools.add(school)
    registered, waitlisted, skipped = [], [], []
    # one block for the group's rows (``schools.card_cache``): not two lookups per person
    with transaction.atomic(), card_cache.attributed(Registration, schools=schools):
        locked = Event.objects.select_for_update().get(pk=event.pk)
        for person in users:
            # the same audience rule as for registering oneself (a teacher for a parents' evening)
            if not rules.audience_admits(roles=roles.get(person.pk, ()), audience=locked.audience):
                skipped.append(
                    (
                        person,
                        _("the event is for %(audience)s.")
                        % {"audience": ", ".join(str(a) for a in locked.get_audience_display())},
                    )
                )
                continue
            try:
                registration, _created = _place(locked, person, by=by, now=now)
            except RegistrationRefused as refused:
                skipped.append((person, refused.message))
                continue
            target = (
                registered if registration.status == RegistrationStatus.REGISTERED else waitlisted
            )
            target.append(person)
    return GroupResult(registered, waitlisted, skipped)


def registration_cancel(*, registration: Registration, now: datetime | None = None) -> Registration:
    """The person leaves (or leaves the waiting list); a freed place goes to the next waiting."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Event.objects.select_for_update().get(pk=registration.event_id)
        registration.refresh_from_db()
        if registration.status == RegistrationStatus.CANCELLED:
            raise RegistrationRefused(_("This registration is already cancelled."))
        if locked.starts_at <= now:
            raise RegistrationRefused(_("The event has already started."))
        registration.status = RegistrationStatus.CANCELLED
        registration.save(update_fields=["status", "updated_at"])
        _promote_waiting(locked, now=now)
    return registration


# --- Attendance, certificates, materials, report -------------------------------------------


def attendance_set(
    *, registration: Registration, attended: bool, now: datetime | None = None
) -> Registration:
    now = now or timezone.now()
    event = registration.event
    if event.status not in (EventStatus.PUBLISHED, EventStatus.HELD):
        raise EventChangeRefused(_("Attendance is marked only for published or held events."))
    if timezone.localdate(event.starts_at) > timezone.localdate(now):
        raise EventChangeRefused(_("Attendance can be marked from the day of the event."))
    if registration.status != RegistrationStatus.REGISTERED:
        raise EventChangeRefused(_("Only registered participants are marked."))
    registration.attended = attended
    registration.save(update_fields=["attended", "updated_at"])
    return registration


def certificate_available(*, registration: Registration) -> bool:
    return (
        registration.attended
        and registration.status == RegistrationStatus.REGISTERED
        and registration.event.status in (EventStatus.PUBLISHED, EventStatus.HELD)
    )


def certificate_data_version(params: dict) -> str:
    """The certificate is rebuilt only when what it prints changes."""
    registration = (
        Registration.objects.select_related("event", "event__organiser", "user")
        .filter(pk=params.get("registration_id"))
        .first()
    )
    if registration is None:
        return ""
    event = registration.event
    raw = "|".join(
        str(x)
        for x in (
            registration.certificate_code,
            registration.user.get_full_name(),
            registration.attended,
            event.title,
            event.starts_at.isoformat(),
            event.ends_at.isoformat(),
            event.organiser.short_name,
        )
    )
    return hashlib.sha256(raw.encode()).hexdigest()[:40]


def _certificate_code_assign(registration: Registration) -> None:
    # the code is printed on the certificate, shown on no kept page: the registration's own
    # schools' pages are replaced, not every page (``schools.card_cache``)
    schools = card_cache.stored_schools(registration) if card_cache.enabled() else None
    for _attempt in range(5):
        try:
            with transaction.atomic(), card_cache.attributed(Registration, schools=schools or ()):
                Registration.objects.filter(
                    pk=registration.pk, certificate_code__isnull=True
                ).update(certificate_code=rules.certificate_code_new())
            break
        except IntegrityError:  # the same code drawn twice: draw again
            continue
    registration.refresh_from_db(fields=["certificate_code"])


def certificate_request(*, registration: Registration, user: Any):
    """Queue the participant's certificate (a ``documents`` job, built by Celery)."""
    from network_portal.documents.services import job_request

    if not certificate_available(registration=registration):
        raise EventChangeRefused(_("A certificate is issued only to those who attended."))
    if not registration.certificate_code:
        _certificate_code_assign(registration)
    return job_request(
        kind=CERTIFICATE_KIND,
        params={"registration_id": registration.pk},
        title=_("Certificate of participation: %(event)s") % {"event": registration.event.title},
        user=user,
    )


def material_add(
    *, event: Event, user: Any, title: str, file: Any = None, url: str = ""
) -> EventMaterial:
    material = EventMaterial(event=event, title=title, url=url or "", uploaded_by=user)
    if file:
        material.file = file
    material.full_clean(exclude=["uploaded_by"])
    material.save()
    return material


def material_delete(*, material: EventMaterial) -> None:
    if material.file:
        material.file.delete(save=False)
    material.delete()


def report_save(
    *,
    event: Event,
    user: Any,
    summary: str,
    results: str = "",
    other_participants: int = 0,
    now: datetime | None = None,
) -> EventReport:
    """Write (or rewrite) the report; a published event that has started becomes «held»."""
    now = now or timezone.now()
    if event.status not in (EventStatus.PUBLISHED, EventStatus.HELD) or event.starts_at > now:
        raise EventChangeRefused(_("A report is written after the event has taken place."))
    # its report is shown where the event is (``schools.card_cache``)
    with (
        transaction.atomic(),
        _attributed(shown_on(event=event)),
    ):
        report, _created = EventReport.objects.update_or_create(
            event=event,
            defaults={
                "summary": summary,
                "results": results,
                "other_participants": other_participants,
                "written_by": user,
            },
        )
        if event.status == EventStatus.PUBLISHED:
            event_mark_held(event=event, user=user, now=now)
    return report


# --- Calendar tokens ----------------------------------------------------------------------


def calendar_token_get(*, user: Any) -> CalendarToken:
    token = CalendarToken.objects.filter(user=user).first()
    return token or calendar_token_reset(user=user)


def calendar_token_reset(*, user: Any) -> CalendarToken:
    """A new secret key: the old feed URL answers 404 from now on."""
    token, _created = CalendarToken.objects.update_or_create(
        user=user, defaults={"key": get_random_string(40)}
    )
    return token
