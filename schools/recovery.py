"""Imports left behind by a dead worker are recovered by beat, as documents are.

A worker killed while checking or applying a file leaves its run «Выполняется 60 %» forever
(and a lost queue message leaves it «В очереди»). The import writes everything in one
transaction, so such a run wrote nothing: beat's ``schools.recover_imports`` marks it
*interrupted*, and the user may start it again from the check page. A stale check goes back
to the columns step with the reason. The tasks' hard time limit is below ``STALE_AFTER``, so
a run without a sign of life for that long has no worker left.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext

from .models import ImportRun, ImportStatus

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=30)
#: The limits of ``tasks.run_import`` and ``tasks.check_import``, safely inside STALE_AFTER.
SOFT_TIME_LIMIT = int(STALE_AFTER.total_seconds() * 2 / 3)
TIME_LIMIT = int(STALE_AFTER.total_seconds() * 4 / 5)

BUSY = (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.CHECKING, ImportStatus.READING)


@dataclass
class RecoverResult:
    interrupted: int = 0
    checks: int = 0
    reads: int = 0


def import_run_heartbeat(run_id: int, **fields) -> None:
    """Record a sign of life of the run's background work (with any other fields)."""
    ImportRun.objects.filter(pk=run_id).update(heartbeat_at=timezone.now(), **fields)


def _stale_q(now: datetime) -> Q:
    cutoff = now - STALE_AFTER
    # A run from before heartbeats were recorded counts from its creation.
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    return Q(status__in=BUSY) & silent


def interrupted_message() -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(
            "The import was interrupted (the background worker stopped); nothing was written. "
            "Start it again."
        )


def import_runs_recover(*, now: datetime | None = None) -> RecoverResult:
    """Beat's work: mark stale imports interrupted (they can be applied again) and send stale
    checks back to the columns step. Conditional updates: a run that moved on meanwhile, or
    that a concurrent recovery took, is left alone."""
    now = now or timezone.now()
    result = RecoverResult()
    stale = ImportRun.objects.filter(_stale_q(now))
    with translation.override(settings.LANGUAGE_CODE):
        check_error = gettext(
            "The check of the rows was interrupted (the background worker stopped). "
            "Confirm the columns again to check the file."
        )
    result.checks = stale.filter(status=ImportStatus.CHECKING).update(
        status=ImportStatus.UPLOADED, progress=0, error=check_error, heartbeat_at=now
    )
    with translation.override(settings.LANGUAGE_CODE):
        read_error = gettext(
            "Reading the file was interrupted (the background worker stopped). Upload the file "
            "again."
        )
    result.reads = stale.filter(status=ImportStatus.READING).update(
        status=ImportStatus.FAILED, error=read_error, finished_at=now, heartbeat_at=now
    )
    result.interrupted = stale.filter(
        status__in=(ImportStatus.QUEUED, ImportStatus.RUNNING)
    ).update(
        status=ImportStatus.INTERRUPTED,
        progress=0,
        error=interrupted_message(),
        finished_at=now,
        heartbeat_at=now,
    )
    if result.checks or result.interrupted or result.reads:
        logger.warning(
            "Imports recovered: %s interrupted, %s checks sent back, %s readings failed",
            result.interrupted,
            result.checks,
            result.reads,
        )
    return result
