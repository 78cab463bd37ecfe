"""The reminder send loop: each reminder goes out exactly once per person, object and due date.

One run (:func:`reminders_send`, the hourly beat task ``notifications.send_reminders``):

1. every registered kind's selector yields :class:`~.registry.Reminder` tuples (bounded queries);
2. reminders of switched-off kinds and of users without an address are dropped;
3. in batches of ``BATCH`` reminders, the :class:`~.models.Notification` rows of exactly
   those keys are read and the missing ones inserted (insert-or-skip: the unique key kind +
   recipient + object + due date makes a row another worker inserted meanwhile a no-op);
4. the rows still to send (pending, failed, or stuck in *sending* longer than ``STALE_AFTER``
   after a crashed worker) become letters — one per recipient and kind (a person with five
   items due gets one letter, not five) — handed on in chunks of ``CHUNK`` letters: the beat
   task queues each chunk as a task of its own (``notifications.send_reminder_chunk``), so the
   workers compose and send in parallel; eagerly (tests, demo) or from the command they run
   here;
5. a chunk (:func:`reminders_send_chunk`) claims its rows with a conditional ``UPDATE`` that
   stamps a token of its own and returns the rows it got, so two chunks or workers never claim
   the same row, sends a letter of the rows it got, and marks each letter at once: *sent*, or
   *failed* with the exception class and SMTP code (never the address) for the next run to
   retry.

Queries: two per batch of 1 000 reminders (a third when another worker inserted some of its
rows meanwhile), one per chunk (``UPDATE … RETURNING``), plus one ``UPDATE`` per e-mail,
written the moment the server accepted it — never one per item, and independent of how many
rows earlier runs left behind. Marking each letter at once keeps the one case SMTP
cannot make exactly-once as narrow as it can be: a worker killed between the server's
"accepted" and that ``UPDATE`` leaves that one letter in *sending*, to go again after
``STALE_AFTER`` (see ``bench/README.md`` for a region's figures).
"""

from __future__ import annotations

import logging
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection as db_connection
from django.db.models import Exists, Q
from django.urls import reverse
from django.utils import timezone, translation

from .email import EmailTemplates, email_error_text
from .models import Notification, NotificationPreference, NotificationStatus
from .registry import Reminder, get_reminder_kind, reminder_kinds
from .tokens import unsubscribe_token
from .watermark import reminders_swept

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=30)
MAX_ATTEMPTS = 10
#: Reminders per batch of insert-or-skip and claim (at most four queries each).
BATCH = 1000
#: Letters per chunk: one task each when the beat fans the run out (about ``BATCH`` reminders).
CHUNK = 250


@dataclass
class SendResult:
    emails: int = 0
    notifications: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    #: letters handed to chunk tasks that run elsewhere (not counted above)
    queued: int = 0

    def add(self, other: SendResult) -> None:
        self.emails += other.emails
        self.notifications += other.notifications
        self.failed += other.failed
        self.errors += other.errors
        self.queued += other.queued


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


def _is_claimable(status: str, claimed_at, attempts: int, now) -> bool:
    """:func:`_claim`'s condition in Python, for rows already read."""
    if attempts >= MAX_ATTEMPTS:
        return False
    if status in (NotificationStatus.PENDING, NotificationStatus.FAILED):
        return True
    return status == NotificationStatus.SENDING and claimed_at < now - STALE_AFTER


def _rows(reminders: list[Reminder]) -> dict[tuple, tuple]:
    """Insert-or-skip the rows of one batch of reminders; their ``(pk, status, claimed_at,
    attempts)`` by key.

    At most three queries per batch (read, insert, and a second read only when another worker
    inserted some of the keys meanwhile), whatever the history: only the rows of these keys are
    read (a superset by kind, recipient, object and due date, narrowed in Python), never every
    row in a date window — long-overdue items would make that window the whole history.
    """
    keys = {r.key for r in reminders}

    def read() -> dict[tuple, tuple]:
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

    known = read()
    missing = [r for r in reminders if r.key not in known]
    if missing:
        inserted = _insert(missing)
        known.update(inserted)
        if len(inserted) < len(missing):  # another worker inserted some of them meanwhile
            known = read()
    return known


#: The columns :func:`_insert` writes for each reminder (the others take their defaults).
_INSERT_COLUMNS = ("kind", "recipient_id", "object_key", "due_date", "status", "created_at")


def _other_columns() -> dict[str, Any]:
    """A new row's other columns and their values, from the model: each field's default (as
    ``Model.save()`` would write it; ``NULL`` for a nullable field without one). A callable
    default would give every row of a batch one value: such a field must join
    ``_INSERT_COLUMNS`` instead."""
    values = {}
    for f in Notification._meta.concrete_fields:
        if f.primary_key or f.attname in _INSERT_COLUMNS:
            continue
        if f.has_default() and callable(f.default):
            raise ImproperlyConfigured(f"{f.name}: a callable default needs a value per row")
        values[f.column] = f.get_db_prep_save(f.get_default(), db_connection)
    return values


def _insert(reminders: list[Reminder]) -> dict[tuple, tuple]:
    """Insert the rows of these reminders, skipping a key that exists (the unique key makes a
    row another worker inserted meanwhile a no-op); the new rows' ``(pk, status, claimed_at,
    attempts)`` by key, from ``RETURNING`` (no read-back, no model instances, one statement
    per batch; PostgreSQL and SQLite ≥ 3.35 both take this ``INSERT``).

    Committed without waiting for the disk (:func:`_asynchronous_commit`): a row lost with the
    database server is a *pending* row that the next run inserts again, and the claim that
    follows (a synchronous commit) writes the WAL up to it before any letter goes out."""
    ops = db_connection.ops
    table = ops.quote_name(Notification._meta.db_table)
    others = _other_columns()
    names = (*_INSERT_COLUMNS, *others)
    columns = ", ".join(ops.quote_name(c) for c in names)
    row = f"({', '.join(['%s'] * len(names))})"
    created = ops.adapt_datetimefield_value(timezone.now())
    pending = NotificationStatus.PENDING.value
    defaults = tuple(others.values())
    found = {}
    size = max(1, ops.bulk_batch_size(names, reminders))
    for batch in _chunks(reminders, size):
        params = []
        for r in batch:
            due = ops.adapt_datefield_value(r.due_date)
            params += (r.kind, r.recipient_id, r.object_key, due, pending, created, *defaults)
        sql = (
            f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(batch))} "  # noqa: S608
            "ON CONFLICT DO NOTHING RETURNING id, kind, recipient_id, object_key, due_date"
        )
        with db_connection.cursor() as cursor:
            cursor.execute(_asynchronous_commit() + sql, params)
            for pk, kind, rid, obj, due in cursor.fetchall():
                due = due if isinstance(due, date) else date.fromisoformat(due)
                found[(kind, rid, obj, due)] = (pk, pending, None, 0)
    return found


def _letter_chunks(reminders: list[Reminder], users: dict[int, dict]) -> Iterator[list[list]]:
    """The letters still to send, one per recipient and kind, in chunks of at most ``CHUNK``
    letters and (unless one letter has more) ``BATCH`` reminders, as plain values that Celery's
    JSON serialiser carries as they are (lists, text, numbers, dates; see
    :func:`reminders_send_chunk`). A chunk's rows are inserted (*pending*) just before it is
    handed on: the workers start on the first chunk while the next is prepared, and a chunk that
    is lost leaves rows that the next run reads again."""
    groups: dict[tuple[int, str], list[Reminder]] = defaultdict(list)
    for r in reminders:
        groups[(r.recipient_id, r.kind)].append(r)
    chunk: list[tuple[int, str]] = []
    size = 0
    keys = sorted(groups)
    for n, key in enumerate(keys, 1):
        chunk.append(key)
        size += len(groups[key])
        if len(chunk) >= CHUNK or size >= BATCH or n == len(keys):
            letters = _letters(chunk, groups, users)
            if letters:
                yield letters
            chunk, size = [], 0


def _letters(
    keys: list[tuple[int, str]], groups: dict[tuple[int, str], list[Reminder]], users: dict
) -> list[list]:
    known: dict[tuple, tuple] = {}
    for batch in _chunks([r for key in keys for r in groups[key]]):
        known.update(_rows(batch))
    now = timezone.now()
    letters = []
    for recipient_id, kind in keys:
        items = []
        for r in groups[(recipient_id, kind)]:
            pk, status, claimed_at, attempts = known.get(r.key, (None, "", None, MAX_ATTEMPTS))
            if pk is not None and _is_claimable(status, claimed_at, attempts, now):
                items.append([pk, r.object_key, r.due_date, {**r.context, "due_date": r.due_date}])
        if items:
            items.sort(key=lambda item: (item[2], item[1]))  # by due date, then object
            user = users[recipient_id]
            letters.append(
                [recipient_id, user["email"], user["first_name"], user["last_name"], kind, items]
            )
    return letters


def _claim(pks: list[int], *, now, token: str) -> set[int]:
    """Claim the rows of a chunk that are still to send: one conditional ``UPDATE`` that stamps
    the chunk's token and returns the rows it got (``RETURNING``; PostgreSQL, SQLite ≥ 3.35).
    The condition is :func:`_is_claimable`'s again (without the attempts, which the letters
    were already cut by), in SQL: a row another worker claimed meanwhile stays theirs. A
    synchronous commit: it also writes the WAL of the rows' insert."""
    if not pks:
        return set()
    ops = db_connection.ops
    table = ops.quote_name(Notification._meta.db_table)
    sql = (
        f"UPDATE {table} SET status = %s, claimed_at = %s, claim_token = %s, "  # noqa: S608
        f"attempts = attempts + 1 WHERE id IN ({', '.join(['%s'] * len(pks))}) "
        "AND (status IN (%s, %s) OR (status = %s AND claimed_at < %s)) RETURNING id"
    )
    stamp = ops.adapt_datetimefield_value(now)
    params = [
        NotificationStatus.SENDING.value,
        stamp,
        token,
        *pks,
        NotificationStatus.PENDING.value,
        NotificationStatus.FAILED.value,
        NotificationStatus.SENDING.value,
        ops.adapt_datetimefield_value(now - STALE_AFTER),
    ]
    with db_connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {pk for (pk,) in cursor.fetchall()}


def _mark(*, token: str, pks: list[int], **fields) -> None:
    """One letter's outcome, written the moment it is known: one ``UPDATE`` of its rows (still
    held by this chunk's claim), a plain statement with no ORM build, committed without waiting
    for the disk on PostgreSQL (:func:`_asynchronous_commit`)."""
    table = db_connection.ops.quote_name(Notification._meta.db_table)
    columns = ", ".join(f"{db_connection.ops.quote_name(name)} = %s" for name in fields)
    placeholders = ", ".join(["%s"] * len(pks))
    sql = f"UPDATE {table} SET {columns} WHERE claim_token = %s AND id IN ({placeholders})"  # noqa: S608
    with db_connection.cursor() as cursor:
        cursor.execute(_asynchronous_commit() + sql, [*fields.values(), token, *pks])


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
    *,
    today: date | None = None,
    kinds: Iterable[str] | None = None,
    connection=None,
    send_chunk: Callable[[list[list]], SendResult | None] | None = None,
) -> SendResult:
    """Run the loop once; returns how many e-mails (and reminders in them) were sent.

    The letters go in chunks of ``CHUNK``: each chunk is handed to ``send_chunk`` (the beat's
    task queues it as a task of its own, so that workers compose and send in parallel; it
    returns ``None`` for a queued chunk, counted in ``queued``) or, without it, sent here by
    :func:`reminders_send_chunk`, with ``connection`` if given.

    A run that completes (even with letters refused: their rows are *failed*, retried) records
    its start as the kinds' watermark (``watermark.py``); one that raises records nothing. A
    queued chunk's rows exist before it is queued, so that a lost or failed chunk leaves rows
    *pending* or *sending* which the next run reads again."""
    today = today or timezone.localdate()
    kinds = list(kinds) if kinds else None
    started = timezone.now()
    result = SendResult()
    reminders = reminders_collect(today=today, kinds=kinds)
    if reminders:
        users = _recipients({r.recipient_id for r in reminders})
        wanted = [
            r
            for r in reminders
            if r.recipient_id in users and r.kind not in users[r.recipient_id]["disabled"]
        ]
        for chunk in _letter_chunks(wanted, users):
            # plain values: the task's serialiser encodes them once, on the way to the broker
            sent = (send_chunk or partial(reminders_send_chunk, connection=connection))(chunk)
            if sent is None:
                result.queued += len(chunk)
            else:
                result.add(sent)
    wanted_kinds = set(kinds) if kinds else None
    reminders_swept(
        [k.key for k in reminder_kinds() if wanted_kinds is None or k.key in wanted_kinds],
        today,
        started,
    )
    return result


def reminders_send_chunk(letters: list[list], *, connection=None) -> SendResult:
    """Claim, compose and send one chunk of letters (:func:`_letters`' plain values).

    The chunk claims its rows with a conditional ``UPDATE`` that stamps a token of its own (a
    row another chunk or worker holds stays theirs: two chunks over the same reminders send
    each once) and returns which rows it got, sends a letter of those only, and marks each
    letter the moment the server accepted or refused it. One query per chunk plus one
    ``UPDATE`` per letter."""
    result = SendResult()
    now, token = timezone.now(), uuid.uuid4().hex
    claimed = _claim([item[0] for letter in letters for item in letter[5]], now=now, token=token)
    if not claimed:
        return result
    session = _Session(connection or get_connection(fail_silently=False), own=connection is None)
    try:
        with translation.override(settings.LANGUAGE_CODE):
            compose = _Composer()
            for recipient_id, email, first_name, last_name, kind_key, items in letters:
                items = [item for item in items if item[0] in claimed]
                if not items:
                    continue
                pks = [item[0] for item in items]
                try:
                    message = compose(
                        recipient_id,
                        email,
                        " ".join(x for x in (first_name, last_name) if x),
                        kind_key,
                        [item[3] for item in items],
                    )
                    message.connection = session.open()
                    message.send(fail_silently=False)
                except Exception as exc:  # SMTP refused, timed out, template error: retry
                    session.close()  # a session that failed is not used again
                    error = email_error_text(exc)
                    logger.warning(
                        "Reminder %s to user %s failed: %s", kind_key, recipient_id, error
                    )
                    _mark(token=token, pks=pks, status=NotificationStatus.FAILED, last_error=error)
                    result.failed += len(pks)
                    result.errors.append(f"{kind_key} → user {recipient_id}: {error}")
                    continue
                _mark(
                    token=token,
                    pks=pks,
                    status=NotificationStatus.SENT,
                    sent_at=db_connection.ops.adapt_datetimefield_value(timezone.now()),
                    subject=message.subject[:300],
                    last_error="",
                )
                result.emails += 1
                result.notifications += len(pks)
    finally:
        session.close()
    return result


class _Session:
    """One SMTP session for a chunk's letters instead of one per letter (Django's backends open
    and close a connection around each ``send_messages`` unless it is already open): opened
    before the first letter, closed after a failure (the next letter opens a new one) and at
    the end. Only for a backend this chunk made itself that follows Django's API; one passed
    in by the caller is used as it is."""

    def __init__(self, connection, *, own: bool) -> None:
        self.connection = connection
        self.managed = own and isinstance(connection, BaseEmailBackend)
        self.is_open = False

    def open(self):
        if self.managed and not self.is_open:
            self.connection.open()
            self.is_open = True
        return self.connection

    def close(self) -> None:
        if self.is_open:
            self.is_open = False
            try:
                self.connection.close()
            except Exception as exc:  # the server went away: nothing left to close
                logger.warning("Closing the e-mail session failed: %s", email_error_text(exc))


class _Composer:
    """Builds the letters of one chunk: what is the same for every letter (the kinds'
    templates, the preferences link, the unsubscribe link's frame) is done once."""

    def __init__(self) -> None:
        self.templates: dict[str, EmailTemplates] = {}
        self.preferences_url = settings.SITE_URL + reverse("notifications:preferences")
        self.unsubscribe_url = settings.SITE_URL + reverse(
            "notifications:unsubscribe", args=["TOKEN"]
        )

    def __call__(
        self, user_id: int, email: str, user_name: str, kind_key: str, reminders: list[dict]
    ) -> EmailMultiAlternatives:
        kind = get_reminder_kind(kind_key)
        if kind_key not in self.templates:
            self.templates[kind_key] = EmailTemplates(kind.template)
        if kind.display is not None:
            kind.display(reminders)
        # the token has only URL-safe characters: the same link reverse() would build
        unsubscribe = self.unsubscribe_url.replace(
            "TOKEN", unsubscribe_token(user_id=user_id, kind=kind_key)
        )
        subject, text, html = self.templates[kind_key].render(
            {
                "user_name": user_name,
                "kind_label": kind.label,
                "reminders": reminders,
                "count": len(reminders),
                "unsubscribe_url": unsubscribe,
                "preferences_url": self.preferences_url,
            }
        )
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            to=[email],
            headers={"List-Unsubscribe": f"<{unsubscribe}>"},
        )
        message.attach_alternative(html, "text/html")
        return message


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
