"""The reminder send loop: each reminder goes out exactly once per person, object and due date.

One run:

1. every registered kind's selector yields :class:`~.registry.Reminder` tuples (bounded queries);
2. reminders of switched-off kinds and of users without an address are dropped;
3. a :class:`~.models.Notification` row is inserted for each, or skipped if it exists (the
   unique key kind + recipient + object + due date) — insert-or-skip;
4. rows still to send (pending, failed, or stuck in *sending* longer than ``STALE_AFTER`` after a
   crashed worker) are claimed with a conditional ``UPDATE`` that stamps this run's token, so two
   workers running at once never claim the same row;
5. the claimed rows of one recipient and kind become one e-mail (a person with five items due
   gets one letter, not five); after the SMTP server accepts it the rows are marked *sent*; if it
   refuses or times out they are marked *failed* with the error and the next run retries them.

The query count grows with the number of 1 000-row batches and with the number of e-mails (each
accepted e-mail is marked sent at once, so that a crash can resend at most that one letter after
``STALE_AFTER``) — never with the number of items: a region's 12 700 reminders went out as
3 400 letters (see ``bench/README.md``).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from .email import email_render
from .models import Notification, NotificationPreference, NotificationStatus
from .registry import Reminder, get_reminder_kind, reminder_kinds
from .tokens import unsubscribe_token

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=30)
MAX_ATTEMPTS = 10
BATCH = 1000


@dataclass
class SendResult:
    emails: int = 0
    notifications: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _chunks(values: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def reminders_collect(*, today: date, kinds: Iterable[str] | None = None) -> list[Reminder]:
    wanted = set(kinds) if kinds else None
    found: dict[tuple, Reminder] = {}
    for kind in reminder_kinds():
        if wanted is not None and kind.key not in wanted:
            continue
        for reminder in kind.collect(today):
            found.setdefault(reminder.key, reminder)
    return list(found.values())


def _recipients(ids: set[int]) -> dict[int, dict]:
    users = {}
    for chunk in _chunks(sorted(ids), 5000):
        for u in (
            get_user_model()
            .objects.filter(pk__in=chunk, is_active=True)
            .exclude(email="")
            .values("pk", "email", "first_name", "last_name")
        ):
            users[u["pk"]] = u
    disabled = {}
    for chunk in _chunks(sorted(ids), 5000):
        for p in NotificationPreference.objects.filter(user_id__in=chunk).values(
            "user_id", "disabled_kinds"
        ):
            disabled[p["user_id"]] = set(p["disabled_kinds"])
    for pk, user in users.items():
        user["disabled"] = disabled.get(pk, set())
    return users


def _claimable(now) -> Q:
    return Q(status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED]) | Q(
        status=NotificationStatus.SENDING, claimed_at__lt=now - STALE_AFTER
    )


def reminders_send(
    *, today: date | None = None, kinds: Iterable[str] | None = None, connection=None
) -> SendResult:
    """Run the loop once; returns how many e-mails (and reminders in them) were sent."""
    today = today or timezone.localdate()
    result = SendResult()
    reminders = reminders_collect(today=today, kinds=kinds)
    if not reminders:
        return result
    users = _recipients({r.recipient_id for r in reminders})
    wanted = {
        r.key: r
        for r in reminders
        if r.recipient_id in users and r.kind not in users[r.recipient_id]["disabled"]
    }
    if not wanted:
        return result
    now = timezone.now()
    due_dates = [r.due_date for r in wanted.values()]
    window = Notification.objects.filter(
        kind__in={r.kind for r in wanted.values()},
        due_date__gte=min(due_dates),
        due_date__lte=max(due_dates),
    )
    known = set(window.values_list("kind", "recipient_id", "object_key", "due_date"))
    # insert-or-skip: the unique key makes a row inserted meanwhile by another worker a no-op
    Notification.objects.bulk_create(
        [
            Notification(
                kind=r.kind,
                recipient_id=r.recipient_id,
                object_key=r.object_key,
                due_date=r.due_date,
            )
            for key, r in wanted.items()
            if key not in known
        ],
        ignore_conflicts=True,
        batch_size=BATCH,
    )
    open_rows = window.filter(_claimable(now), attempts__lt=MAX_ATTEMPTS).values_list(
        "pk", "kind", "recipient_id", "object_key", "due_date"
    )
    to_claim = [pk for pk, *key in open_rows if tuple(key) in wanted]
    token = uuid.uuid4().hex
    for chunk in _chunks(to_claim):
        Notification.objects.filter(_claimable(now), pk__in=chunk).update(
            status=NotificationStatus.SENDING,
            claimed_at=now,
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    groups: dict[tuple[int, str], list[tuple[int, Reminder]]] = defaultdict(list)
    for pk, *key in Notification.objects.filter(
        claim_token=token, status=NotificationStatus.SENDING
    ).values_list("pk", "kind", "recipient_id", "object_key", "due_date"):
        reminder = wanted[tuple(key)]
        groups[(reminder.recipient_id, reminder.kind)].append((pk, reminder))
    if not groups:
        return result
    connection = connection or get_connection(fail_silently=False)
    for (recipient_id, kind_key), rows in sorted(groups.items()):
        pks = [pk for pk, _ in rows]
        user = users[recipient_id]
        try:
            subject = _send_one(user, kind_key, [r for _, r in rows], connection)
        except Exception as exc:  # SMTP refused, timed out, template error: retry next run
            logger.warning("Reminder %s to user %s failed: %s", kind_key, recipient_id, exc)
            Notification.objects.filter(pk__in=pks, claim_token=token).update(
                status=NotificationStatus.FAILED,
                last_error=f"{exc.__class__.__name__}: {exc}"[:2000],
            )
            result.failed += len(pks)
            result.errors.append(f"{kind_key} → {user['email']}: {exc.__class__.__name__}")
            continue
        Notification.objects.filter(pk__in=pks, claim_token=token).update(
            status=NotificationStatus.SENT,
            sent_at=timezone.now(),
            subject=subject[:300],
            last_error="",
        )
        result.emails += 1
        result.notifications += len(pks)
    return result


def _send_one(user: dict, kind_key: str, reminders: list[Reminder], connection) -> str:
    kind = get_reminder_kind(kind_key)
    unsubscribe = settings.SITE_URL + reverse(
        "notifications:unsubscribe", args=[unsubscribe_token(user_id=user["pk"], kind=kind_key)]
    )
    context = {
        "user_name": " ".join(x for x in (user["first_name"], user["last_name"]) if x),
        "kind_label": kind.label,
        "reminders": [
            {**r.context, "due_date": r.due_date}
            for r in sorted(reminders, key=lambda r: (r.due_date, r.object_key))
        ],
        "count": len(reminders),
        "unsubscribe_url": unsubscribe,
        "preferences_url": settings.SITE_URL + reverse("notifications:preferences"),
    }
    subject, text, html = email_render(template=kind.template, context=context)
    message = EmailMultiAlternatives(
        subject=subject,
        body=text,
        to=[user["email"]],
        connection=connection,
        headers={"List-Unsubscribe": f"<{unsubscribe}>"},
    )
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)
    return subject


def preference_set(*, user, disabled_kinds: Iterable[str]) -> NotificationPreference:
    known = {k.key for k in reminder_kinds()}
    preference, _ = NotificationPreference.objects.update_or_create(
        user=user, defaults={"disabled_kinds": sorted(set(disabled_kinds) & known)}
    )
    return preference


def unsubscribe(*, user_id: int, kind: str) -> NotificationPreference:
    """Switch off one kind of reminder, or all of them (``kind == "*"``)."""
    user = get_user_model().objects.get(pk=user_id)
    known = [k.key for k in reminder_kinds()]
    current = NotificationPreference.objects.filter(user=user).first()
    disabled = set(current.disabled_kinds) if current else set()
    disabled |= set(known) if kind == "*" else {kind}
    return preference_set(user=user, disabled_kinds=disabled)
