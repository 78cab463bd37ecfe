"""Queue Celery tasks after commit without ever losing them to a broker that is down.

``enqueue_on_commit(task, *args, **kwargs)`` replaces ``transaction.on_commit(lambda:
task.delay(...))``: the change is already committed when the broker is asked, so a broker
error must neither turn the saved change into a 500 nor lose the task (an e-mail, an import).
What cannot be queued is kept as an :class:`OutboxTask` row; beat's ``outbox.send_pending``
queues it later, and the page that made the change says that e-mails will follow
(:class:`network_portal.outbox.middleware.OutboxNoticeMiddleware`).
"""

from __future__ import annotations

import contextvars
import logging
from dataclasses import dataclass
from typing import Any

from celery import current_app
from django.db import connection, transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from .models import OutboxTask

logger = logging.getLogger(__name__)

# What an unreachable broker raises (kombu wraps most of them; a refused socket may not be).
BROKER_ERRORS: tuple[type[BaseException], ...] = (KombuOperationalError, ConnectionError, OSError)
BATCH = 200

# Set by the middleware for one request: how many tasks of it went to the outbox.
_deferred: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "outbox_deferred", default=None
)


def _describe(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"[:2000]


def enqueue_now(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Queue ``task`` now; on a broker error keep it in the outbox. True when queued."""
    try:
        task.apply_async(args=args, kwargs=kwargs)
    except BROKER_ERRORS as exc:
        OutboxTask.objects.create(
            task_name=task.name, args=list(args), kwargs=kwargs, error=_describe(exc)
        )
        logger.warning(
            "Task %s not queued (%s); kept in the outbox", task.name, exc.__class__.__name__
        )
        deferred = _deferred.get()
        if deferred is not None:
            deferred.append(task.name)
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """After the current transaction commits, queue ``task(*args, **kwargs)`` — or keep it
    in the outbox when the broker is down. Arguments must be JSON values (ids, lists)."""
    transaction.on_commit(lambda: enqueue_now(task, *args, **kwargs))


@dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    unknown: int = 0


def outbox_send_pending(*, limit: int = BATCH) -> SendResult:
    """Queue the tasks kept in the outbox, oldest first; stop at the first broker error (the
    rest would fail the same way). Rows locked by a concurrent run are skipped (PostgreSQL)."""
    result = SendResult()
    with transaction.atomic():
        rows = OutboxTask.objects.filter(sent_at__isnull=True).order_by("pk")
        if connection.features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        for row in rows[:limit]:
            now = timezone.now()
            task = current_app.tasks.get(row.task_name)
            if task is None:
                # A task renamed or removed since: keep the row for the administrator.
                row.error, row.last_tried_at = f"Unknown task {row.task_name}", now
                row.attempts += 1
                row.save(update_fields=["error", "last_tried_at", "attempts"])
                result.unknown += 1
                continue
            try:
                task.apply_async(args=row.args, kwargs=row.kwargs)
            except BROKER_ERRORS as exc:
                row.error, row.last_tried_at = _describe(exc), now
                row.attempts += 1
                row.save(update_fields=["error", "last_tried_at", "attempts"])
                result.failed += 1
                logger.warning("Outbox: broker still unavailable (%s)", exc.__class__.__name__)
                break
            row.sent_at, row.last_tried_at = now, now
            row.save(update_fields=["sent_at", "last_tried_at"])
            result.sent += 1
    if result.sent:
        logger.info("Outbox: %s task(s) queued", result.sent)
    return result


class collect_deferred:
    """Count the tasks sent to the outbox inside the block (one request)."""

    def __enter__(self) -> list[str]:
        self._token = _deferred.set([])
        return _deferred.get()  # type: ignore[return-value]

    def __exit__(self, *exc: object) -> None:
        _deferred.reset(self._token)
