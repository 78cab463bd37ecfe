"""E-mails about events, each sent once: a ``Notification`` row with a unique key is claimed
before sending, so a retried task or a second worker skips it (DESIGN.md: Reminders)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from network_portal.notifications.email import email_send
from network_portal.notifications.models import Notification, NotificationStatus

from .models import Event, Registration, RegistrationStatus
from .selectors import ACTIVE

KIND_PROMOTED = "events.promoted"
KIND_CANCELLED = "events.cancelled"


def send_once(
    *,
    kind: str,
    recipient: Any,
    object_key: str,
    due_date: date,
    template: str,
    context: dict[str, Any],
) -> bool:
    """Claim the notification and send it; False when it was already sent or being sent."""
    try:
        with transaction.atomic():
            note, _created = Notification.objects.get_or_create(
                kind=kind, recipient=recipient, object_key=object_key, due_date=due_date
            )
    except IntegrityError:  # another worker inserted it between our get and create
        note = Notification.objects.get(
            kind=kind, recipient=recipient, object_key=object_key, due_date=due_date
        )
    claimed = Notification.objects.filter(
        pk=note.pk, status__in=(NotificationStatus.PENDING, NotificationStatus.FAILED)
    ).update(
        status=NotificationStatus.SENDING, claimed_at=timezone.now(), attempts=F("attempts") + 1
    )
    if not claimed:
        return False
    try:
        subject = email_send(to=[recipient.email], template=template, context=context)
    except Exception as exc:
        Notification.objects.filter(pk=note.pk).update(
            status=NotificationStatus.FAILED, last_error=str(exc)[:2000]
        )
        raise
    Notification.objects.filter(pk=note.pk).update(
        status=NotificationStatus.SENT, subject=subject[:300], sent_at=timezone.now()
    )
    return True


def _event_context(event: Event) -> dict[str, Any]:
    return {"event": event, "event_path": reverse("events:detail", args=[event.pk])}


def send_promoted(*, registration_id: int) -> bool:
    """«Место освободилось»: the person moved from the waiting list to the participants."""
    registration = (
        Registration.objects.select_related("event", "event__organiser", "user")
        .filter(pk=registration_id, status=RegistrationStatus.REGISTERED)
        .exclude(promoted_at=None)
        .first()
    )
    if registration is None:  # cancelled again before the e-mail went out
        return False
    event = registration.event
    return send_once(
        kind=KIND_PROMOTED,
        recipient=registration.user,
        object_key=f"event:{event.pk}:{int(registration.promoted_at.timestamp())}",
        due_date=timezone.localdate(event.starts_at),
        template="events_promoted",
        context={**_event_context(event), "user": registration.user},
    )


def send_cancelled(*, event_id: int) -> int:
    """Tell everyone registered or waiting that the event is cancelled; returns how many."""
    event = Event.objects.select_related("organiser").get(pk=event_id)
    sent = 0
    for registration in Registration.objects.filter(event=event, status__in=ACTIVE).select_related(
        "user"
    ):
        sent += send_once(
            kind=KIND_CANCELLED,
            recipient=registration.user,
            object_key=f"event:{event.pk}",
            due_date=timezone.localdate(event.starts_at),
            template="events_cancelled",
            context={**_event_context(event), "user": registration.user},
        )
    return sent
