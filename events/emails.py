"""E-mails about events, each sent once and never lost.

A ``Notification`` row with a unique key (kind, recipient, object, due date) is inserted for
every recipient *before* anything is sent, then claimed with a conditional ``UPDATE`` that
stamps a token of its own — the rule of the reminder loop (``network_portal.notifications.
services``): a row is claimable while pending or failed, or when it has been stuck in
*sending* longer than ``STALE_AFTER`` (the worker that claimed it died). So a retried task or
a second worker never sends a letter twice, and a letter that could not go out stays in the
table: Celery retries the task a few times, and ``emails_retry`` (Celery beat,
``events.retry_emails``) later sends whatever is still owed — failed, stale, or never
attempted because the task could not even be queued.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from network_portal.notifications.email import email_error_text, email_send
from network_portal.notifications.models import Notification, NotificationStatus
from network_portal.notifications.services import MAX_ATTEMPTS, STALE_AFTER

from .models import Event, EventStatus, Registration, RegistrationStatus
from .selectors import ACTIVE

logger = logging.getLogger(__name__)

KIND_PROMOTED = "events.promoted"
KIND_CANCELLED = "events.cancelled"
KINDS = (KIND_PROMOTED, KIND_CANCELLED)


class EmailsNotSent(Exception):
    """Some letters of a batch failed; they are marked failed and will be retried."""


def claimable_q(now: datetime) -> Q:
    """The reminder loop's rule: pending, failed, or claimed longer than ``STALE_AFTER`` ago."""
    return Q(status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED]) | Q(
        status=NotificationStatus.SENDING, claimed_at__lt=now - STALE_AFTER
    )


@dataclass(frozen=True)
class Letter:
    recipient: Any
    object_key: str
    due_date: date
    context: dict[str, Any]


def _rows(kind: str, letters: list[Letter]) -> dict[tuple, Notification]:
    """Insert-or-skip the once-only rows (the unique key makes a row inserted meanwhile by
    another worker a no-op); returns them by (recipient, object, due date). Two queries."""
    Notification.objects.bulk_create(
        [
            Notification(
                kind=kind,
                recipient=x.recipient,
                object_key=x.object_key,
                due_date=x.due_date,
            )
            for x in letters
        ],
        ignore_conflicts=True,
    )
    found = Notification.objects.filter(
        kind=kind,
        recipient_id__in={x.recipient.pk for x in letters},
        object_key__in={x.object_key for x in letters},
    )
    return {(n.recipient_id, n.object_key, n.due_date): n for n in found}


def _send_claimed(
    note: Notification, *, template: str, letter: Letter, now: datetime | None = None
) -> bool:
    """Claim the row and send; False when it is sent, being sent, or out of attempts."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = Notification.objects.filter(
        claimable_q(now), pk=note.pk, attempts__lt=MAX_ATTEMPTS
    ).update(
        status=NotificationStatus.SENDING,
        claimed_at=now,
        claim_token=token,
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return False
    mine = Notification.objects.filter(pk=note.pk, claim_token=token)
    try:
        subject = email_send(
            to=[letter.recipient.email],
            template=template,
            context={**letter.context, "user": letter.recipient},
        )
    except Exception as exc:  # SMTP refused or timed out, a template error: retried later
        # the class and SMTP code only: a refused recipient's text is the address itself
        mine.update(status=NotificationStatus.FAILED, last_error=email_error_text(exc)[:2000])
        raise
    mine.update(
        status=NotificationStatus.SENT, subject=subject[:300], sent_at=timezone.now(), last_error=""
    )
    return True


def _deliver(
    kind: str, template: str, letters: list[Letter], *, now: datetime | None = None
) -> int:
    """Rows for every letter first, then one letter after the other; a failure does not stop
    the others. Returns how many were sent; raises :class:`EmailsNotSent` at the end if any
    failed (so that the Celery task retries)."""
    letters = [x for x in letters if x.recipient.is_active and x.recipient.email]
    if not letters:
        return 0
    found = _rows(kind, letters)
    rows = [(x, found[(x.recipient.pk, x.object_key, x.due_date)]) for x in letters]
    sent, failed = 0, []
    for letter, note in rows:
        try:
            sent += _send_claimed(note, template=template, letter=letter, now=now)
        except Exception as exc:
            logger.warning(
                "E-mail %s to user %s failed: %s", kind, letter.recipient.pk, email_error_text(exc)
            )
            failed.append(exc)
    if failed:
        reasons = ", ".join(sorted({email_error_text(exc) for exc in failed}))
        raise EmailsNotSent(f"{len(failed)} of {len(rows)} {kind} e-mails failed: {reasons}")
    return sent


def _event_context(event: Event) -> dict[str, Any]:
    return {"event": event, "event_path": reverse("events:detail", args=[event.pk])}


def _promoted_key(event_id: int, promoted_at: datetime) -> str:
    """One letter per promotion: leaving and being promoted again is a new letter."""
    return f"event:{event_id}:{int(promoted_at.timestamp())}"


def send_promoted(*, registration_id: int, now: datetime | None = None) -> bool:
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
    letter = Letter(
        recipient=registration.user,
        object_key=_promoted_key(registration.event_id, registration.promoted_at),
        due_date=timezone.localdate(event.starts_at),
        context=_event_context(event),
    )
    return bool(_deliver(KIND_PROMOTED, "events_promoted", [letter], now=now))


def send_cancelled(*, event_id: int, now: datetime | None = None) -> int:
    """Tell everyone registered or waiting that the event is cancelled; returns how many."""
    event = Event.objects.select_related("organiser").get(pk=event_id)
    if event.status != EventStatus.CANCELLED:
        return 0
    letters = [
        Letter(
            recipient=registration.user,
            object_key=f"event:{event.pk}",
            due_date=timezone.localdate(event.starts_at),
            context=_event_context(event),
        )
        for registration in Registration.objects.filter(
            event=event, status__in=ACTIVE
        ).select_related("user")
    ]
    return _deliver(KIND_CANCELLED, "events_cancelled", letters, now=now)


def emails_retry(*, now: datetime | None = None) -> int:
    """Send the event e-mails still owed, for events still ahead: the letters that failed
    after Celery's own retries, that a crashed worker left in *sending* (after
    ``STALE_AFTER``), and those whose task never ran at all (the broker was down) — what is
    owed is read from the registrations themselves, not only from the rows. A letter sent
    once is never sent again. A fixed number of queries plus the letters sent."""
    now = now or timezone.now()
    ahead = Q(event__starts_at__gt=now)
    cancelled = list(
        Registration.objects.filter(
            ahead, event__status=EventStatus.CANCELLED, status__in=ACTIVE
        ).values_list("event_id", "user_id")
    )
    promoted = [
        (pk, _promoted_key(event_id, moment), user_id)
        for pk, event_id, user_id, moment in Registration.objects.filter(
            ahead, status=RegistrationStatus.REGISTERED, event__status=EventStatus.PUBLISHED
        )
        .exclude(promoted_at=None)
        .values_list("pk", "event_id", "user_id", "promoted_at")
    ]
    sent = set(
        Notification.objects.filter(
            Q(kind=KIND_CANCELLED, object_key__in={f"event:{e}" for e, _u in cancelled})
            | Q(kind=KIND_PROMOTED, object_key__in={key for _pk, key, _u in promoted}),
            status=NotificationStatus.SENT,
        ).values_list("kind", "object_key", "recipient_id")
    )
    owed_events = sorted({e for e, u in cancelled if (KIND_CANCELLED, f"event:{e}", u) not in sent})
    owed_promotions = [pk for pk, key, u in promoted if (KIND_PROMOTED, key, u) not in sent]
    total, failures = 0, 0
    for event_id in owed_events:
        try:
            total += send_cancelled(event_id=event_id, now=now)
        except EmailsNotSent:
            failures += 1
    for registration_id in owed_promotions:
        try:
            total += send_promoted(registration_id=registration_id, now=now)
        except EmailsNotSent:
            failures += 1
    if failures:
        logger.warning("Event e-mails: %d batches still failing, retried on the next run", failures)
    return total
