"""A watermark per reminder kind: the moment of the last completed run, so that the next run of
the same day reads only the rows that changed since (issue 17: the hourly run with nothing to
send costs the same at 2,000 and 20,000 schools).

A run of a roadmap kind (due soon, overdue, escalation) selects every open item in its date
window whose reminder was not sent: that set only grows when

* the day changes (the windows move): the first run of each local day is a **full sweep**,
  which also catches anything the rules below cannot see (a ``QuerySet.update()`` of items);
* an item is created or saved (due date moved, reopened, another responsible person):
  ``RoadmapItem.updated_at`` (indexed) is at or after the last run's start, less
  :data:`MARGIN` for transactions that committed after that run took its snapshot;
* a reminder was not finished (pending, failed, stuck in *sending*): its notification row;
* people change (a role assigned or withdrawn, a user activated or given an address, a
  preference switched back on), or a school, roadmap or notification row is changed or
  deleted: the signals below stamp :data:`CHANGED_KEY` (at the save and again at the
  commit), and a watermark older than the stamp is not used: the next run is a full sweep.

So an incremental run returns a superset of the new pairs; the selectors' anti-join and the
send loop's claim still decide exactly-once. The watermark is written only after a run
completed (never after one that raised), with the run's *start*: what became due while it was
running is read again by the next one. It lives in the cache, so it costs no query; a lost
cache key only means a full sweep. It is used only when the cache is shared by the web and
worker processes (``REMINDERS_INCREMENTAL``; off with the per-process memory cache, where a
web process's invalidation would not reach the worker).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

#: Rows changed this long before the last run's start are read again: a transaction that
#: saved an item before the run started but committed after its snapshot.
MARGIN = timedelta(minutes=15)
CHANGED_KEY = "reminders:changed-at"
#: A day is enough: every run on a new day is a full sweep.
KEEP_FOR = 2 * 24 * 3600


def _key(kind: str) -> str:
    return f"reminders:watermark:{kind}"


def enabled() -> bool:
    return bool(getattr(settings, "REMINDERS_INCREMENTAL", False))


def reminders_since(kind: str, today: date) -> datetime | None:
    """The moment from which changed rows are enough for ``kind`` on ``today``, or ``None``
    for a full sweep (first run of the day, no watermark, people changed since)."""
    if not enabled():
        return None
    found = cache.get_many([_key(kind), CHANGED_KEY])
    mark = found.get(_key(kind))
    if not mark or mark[0] != today.isoformat():
        return None
    started = mark[1]
    changed = found.get(CHANGED_KEY)
    if changed is not None and changed >= started:
        return None
    return started - MARGIN


def reminders_swept(kinds: Iterable[str], today: date, started: datetime) -> None:
    """Record a completed run of ``kinds`` for ``today`` that started at ``started``."""
    if enabled():
        cache.set_many({_key(k): (today.isoformat(), started) for k in kinds}, KEEP_FOR)


def _stamp() -> None:
    cache.set(CHANGED_KEY, timezone.now(), KEEP_FOR)


def reminders_changed(**_kwargs) -> None:
    """Something an incremental run cannot see changed: the next run of each kind sweeps.

    Stamped at once and again when the transaction commits: a run that started before the
    commit may not have seen the change, and the commit's stamp is after that run's start."""
    if enabled():
        _stamp()
        transaction.on_commit(_stamp)


def _user_saved(sender, update_fields=None, **kwargs) -> None:
    if update_fields and set(update_fields) <= {"last_login"}:
        return  # every login saves the user
    reminders_changed()


def connect_signals() -> None:
    from django.contrib.auth import get_user_model
    from django.db.models.signals import post_delete, post_save

    from network_portal.accounts.models import RoleAssignment

    from .models import Notification, NotificationPreference

    post_save.connect(_user_saved, sender=get_user_model(), dispatch_uid="reminders-user")
    senders = [
        RoleAssignment,
        NotificationPreference,
        "schools.Organisation",
        "roadmaps.Roadmap",
    ]
    for sender in senders:
        post_save.connect(reminders_changed, sender=sender, dispatch_uid=f"reminders-{sender}")
        post_delete.connect(reminders_changed, sender=sender, dispatch_uid=f"reminders-d{sender}")
    post_delete.connect(reminders_changed, sender=Notification, dispatch_uid="reminders-notif")
