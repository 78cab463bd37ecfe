"""The reminder send loop: each reminder goes out exactly once per person, object and due date.

One run:

1. every registered kind's selector yields :class:`~.registry.Reminder` tuples (bounded queries);
2. reminders of switched-off kinds and of users without an address are dropped;
3. in batches of ``BATCH`` reminders, the :class:`~.models.Notification` rows of exactly
   those keys are read, the missing ones inserted (insert-or-skip: the unique key kind +
   recipient + object + due date makes a row another worker inserted meanwhile a no-op), and
   the rows still to send (pending, failed, or stuck in *sending* longer than ``STALE_AFTER``
   after a crashed worker) claimed with a conditional ``UPDATE`` that stamps this run's token,
   so two workers running at once never claim the same row;
4. the claimed rows of one recipient and kind become one e-mail (a person with five items due
   gets one letter, not five); the rows of accepted e-mails are marked *sent*, those the SMTP
   server refused or timed out on *failed* with the exception class and SMTP code (never the
   address), and the next run retries them.

Queries: at most four per batch of 1 000 reminders plus one ``UPDATE`` per e-mail, written
the moment the server accepted it — never one per item (a letter holds all of a person's items
of a kind), and independent of how many rows earlier runs left behind. Marking each letter at
once keeps the one case SMTP cannot make exactly-once as narrow as it can be: a worker killed
between the server's "accepted" and that ``UPDATE`` leaves that one letter in *sending*, to go
again after ``STALE_AFTER`` (see ``bench/README.md`` for a region's figures).
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
from django.db import connection as db_connection
from django.db.models import Case, Exists, F, Q, Value, When
from django.urls import reverse
from django.utils import timezone

from .email import email_error_text, email_render
from .models import Notification, NotificationPreference, NotificationStatus
from .registry import Reminder, get_reminder_kind, reminder_kinds
from .tokens import unsubscribe_token
from .watermark import reminders_swept

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=30)
MAX_ATTEMPTS = 10
#: Reminders per batch of insert-or-skip and claim (at most four queries each).
BATCH = 1000
#: Sent e-mails whose rows are marked in one ``UPDATE`` (see :class:`_Marks`): every letter at
#: once, because a batch of marks lost with a killed worker would be a batch of letters sent
#: twice.
MARK_EVERY = 1


@dataclass
class SendResult:
    emails: int = 0
    notifications: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _chunks(values: list, size: int = BATCH) -> Iterable[list]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def notification_finished(*, kind: str, recipient, object_key, due_date) -> Exists:
    """Whether the reminder of this key needs nothing more: sent, or given up after
    ``MAX_ATTEMPTS``. For the selectors: an ``Exists`` over the unique key's index whose
    arguments are values or outer references, so that a run reads only the rows still due
    (``~notification_finished(...)``) and a run with nothing to send reads almost nothing,
    whatever the size of the history (the send loop's claim still decides exactly-once)."""
    return Exists(
        Notification.objects.filter(
            Q(status=NotificationStatus.SENT) | Q(attempts__gte=MAX_ATTEMPTS),
            kind=kind,
            recipient_id=recipient,
            object_key=object_key,
            due_date=due_date,
        )
    )


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


def _is_claimable(status: str, claimed_at, attempts: int, now) -> bool:
    """:func:`_claimable` in Python, for rows already read."""
    if attempts >= MAX_ATTEMPTS:
        return False
    if status in (NotificationStatus.PENDING, NotificationStatus.FAILED):
        return True
    return status == NotificationStatus.SENDING and claimed_at < now - STALE_AFTER


def _claim(reminders: list[Reminder], *, now, token: str) -> None:
    """Insert-or-skip the rows of one batch of reminders and claim those still to send.

    At most four queries per batch (read, insert, read back, claim), whatever the history: only
    the rows of these keys are read (a
    superset by kind, recipient, object and due date, narrowed in Python), never every row in
    a date window — long-overdue items would make that window the whole history.
    """
    keys = {r.key for r in reminders}

    def rows() -> dict[tuple, tuple]:
        found = {}
        for pk, kind, rid, obj, due, status, claimed_at, attempts in Notification.objects.filter(
            kind__in={k[0] for k in keys},
            recipient_id__in={k[1] for k in keys},
            object_key__in={k[2] for k in keys},
            due_date__in={k[3] for k in keys},
        ).values_list(
            "pk",
            "kind",
            "recipient_id",
            "object_key",
            "due_date",
            "status",
            "claimed_at",
            "attempts",
        ):
            if (kind, rid, obj, due) in keys:
                found[(kind, rid, obj, due)] = (pk, status, claimed_at, attempts)
        return found

    known = rows()
    missing = [r for r in reminders if r.key not in known]
    if missing:
        # insert-or-skip: the unique key makes a row inserted meanwhile by another worker a no-op
        Notification.objects.bulk_create(
            [
                Notification(
                    kind=r.kind,
                    recipient_id=r.recipient_id,
                    object_key=r.object_key,
                    due_date=r.due_date,
                )
                for r in missing
            ],
            ignore_conflicts=True,
            batch_size=BATCH,
        )
        known = rows()  # the new rows' primary keys (ignore_conflicts returns none)
    to_claim = [
        pk
        for pk, status, claimed_at, attempts in known.values()
        if _is_claimable(status, claimed_at, attempts, now)
    ]
    if to_claim:
        # the condition again in SQL: a row another worker claimed meanwhile stays theirs
        Notification.objects.filter(_claimable(now), pk__in=to_claim).update(
            status=NotificationStatus.SENDING,
            claimed_at=now,
            claim_token=token,
            attempts=F("attempts") + 1,
        )


class _Marks:
    """Outcomes of sent e-mails, written in one ``UPDATE`` per ``MARK_EVERY`` e-mails.

    :meth:`flush` also runs in a ``finally``, so a worker that is stopped (or hits an error)
    records every letter that went out.
    """

    def __init__(self, token: str) -> None:
        self.token = token
        self.sent: list[tuple[list[int], str]] = []
        self.failed: dict[str, list[int]] = defaultdict(list)
        self.pending = 0

    def add_sent(self, pks: list[int], subject: str) -> None:
        self.sent.append((pks, subject[:300]))
        self._count()

    def add_failed(self, pks: list[int], error: str) -> None:
        self.failed[error].extend(pks)
        self._count()

    def _count(self) -> None:
        self.pending += 1
        if self.pending >= MARK_EVERY:
            self.flush()

    def flush(self) -> None:
        if len(self.sent) == 1:  # the usual case (``MARK_EVERY = 1``): plain SQL, no ORM build
            (pks, subject), sent_at = self.sent[0], timezone.now()
            table = db_connection.ops.quote_name(Notification._meta.db_table)
            with db_connection.cursor() as cursor:
                placeholders = ", ".join(["%s"] * len(pks))
                sql = (
                    f"UPDATE {table} SET status = %s, sent_at = %s, subject = %s, "  # noqa: S608
                    f"last_error = '' WHERE claim_token = %s AND id IN ({placeholders})"
                )
                cursor.execute(
                    _asynchronous_commit() + sql,
                    [
                        NotificationStatus.SENT,
                        db_connection.ops.adapt_datetimefield_value(sent_at),
                        subject,
                        self.token,
                        *pks,
                    ],
                )
        elif self.sent:
            sent_at = timezone.now()
            # one UPDATE for all: the subject of each row comes from a CASE over its pk
            whens = [When(pk__in=pks, then=Value(subject)) for pks, subject in self.sent]
            Notification.objects.filter(
                pk__in=[pk for pks, _ in self.sent for pk in pks], claim_token=self.token
            ).update(
                status=NotificationStatus.SENT,
                sent_at=sent_at,
                subject=Case(*whens, default=F("subject")),
                last_error="",
            )
        for error, pks in self.failed.items():
            Notification.objects.filter(pk__in=pks, claim_token=self.token).update(
                status=NotificationStatus.FAILED, last_error=error
            )
        self.sent, self.failed, self.pending = [], defaultdict(list), 0


def _asynchronous_commit() -> str:
    """On PostgreSQL (psycopg2, outside an atomic block): a prefix that makes the mark's own
    commit not wait for the disk — ``SET LOCAL`` in the implicit transaction of one
    two-statement query, so it is still one round trip and nothing outlives the statement.

    A commit that waits for ``fsync`` costs ~10 ms on a slow disk, and each letter's mark is its
    own commit: 33,000 letters at 20,000 schools spent minutes on nothing else. With
    ``synchronous_commit`` off the server acknowledges the mark once it is in its WAL buffers,
    so a *worker* killed right after still leaves it marked — the case the per-letter mark is
    for, unchanged. Only a crash of the *database server* within ~3 × ``wal_writer_delay``
    (0.6 s by default) can lose the last marks; those rows stay *sending* and their letters go
    again after ``STALE_AFTER``, as after a crash between the SMTP server's accept and the mark.
    The claims stay synchronous."""
    if db_connection.vendor != "postgresql" or db_connection.in_atomic_block:
        return ""
    from django.db.backends.postgresql.psycopg_any import is_psycopg3

    return "" if is_psycopg3 else "SET LOCAL synchronous_commit TO OFF; "


def reminders_send(
    *, today: date | None = None, kinds: Iterable[str] | None = None, connection=None
) -> SendResult:
    """Run the loop once; returns how many e-mails (and reminders in them) were sent.

    A run that completes (even with letters refused: their rows are *failed*, retried) records
    its start as the kinds' watermark (``watermark.py``); one that raises records nothing."""
    today = today or timezone.localdate()
    kinds = list(kinds) if kinds else None
    started = timezone.now()
    result = _reminders_send(today=today, kinds=kinds, connection=connection)
    wanted = set(kinds) if kinds else None
    reminders_swept(
        [k.key for k in reminder_kinds() if wanted is None or k.key in wanted], today, started
    )
    return result


def _reminders_send(*, today: date, kinds: list[str] | None, connection) -> SendResult:
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
    token = uuid.uuid4().hex
    for batch in _chunks(list(wanted.values())):
        _claim(batch, now=now, token=token)
    groups: dict[tuple[int, str], list[tuple[int, Reminder]]] = defaultdict(list)
    for pk, *key in Notification.objects.filter(
        claim_token=token, status=NotificationStatus.SENDING
    ).values_list("pk", "kind", "recipient_id", "object_key", "due_date"):
        reminder = wanted[tuple(key)]
        groups[(reminder.recipient_id, reminder.kind)].append((pk, reminder))
    if not groups:
        return result
    connection = connection or get_connection(fail_silently=False)
    marks = _Marks(token)
    try:
        for (recipient_id, kind_key), rows in sorted(groups.items()):
            pks = [pk for pk, _ in rows]
            user = users[recipient_id]
            try:
                subject = _send_one(user, kind_key, [r for _, r in rows], connection)
            except Exception as exc:  # SMTP refused, timed out, template error: retry next run
                error = email_error_text(exc)
                logger.warning("Reminder %s to user %s failed: %s", kind_key, recipient_id, error)
                marks.add_failed(pks, error)
                result.failed += len(pks)
                result.errors.append(f"{kind_key} → user {recipient_id}: {error}")
                continue
            marks.add_sent(pks, subject)
            result.emails += 1
            result.notifications += len(pks)
    finally:
        marks.flush()
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
