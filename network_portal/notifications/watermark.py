"""A watermark per reminder kind: the moment of the last completed run, so that the next run of
the same day reads only the rows that changed since (issue 17: the hourly run with nothing to
send costs the same at 2,000 and 20,000 schools).

A run of a roadmap kind (due soon, overdue, escalation) selects every open item in its date
window whose reminder was not sent: that set only grows when

* the day changes: the items that entered the kind's date window since the last run's day are
  read (overdue: due in [last day, today); due soon: (last day + 7, today + 7]; escalation:
  the same bands 14 and 30 days back) from the items' (status, due date) index;
* an item is created or saved (due date moved, reopened, another responsible person):
  ``RoadmapItem.updated_at`` (indexed) is at or after the last run's start, less
  :data:`MARGIN` for transactions that committed after that run took its snapshot;
* a reminder was not finished (pending, failed, stuck in *sending*): its notification row;
* people change (a role assigned or withdrawn, a user activated or given an address, a
  preference switched back on), or a school, roadmap or notification row is changed or
  deleted: the signals below stamp :data:`CHANGED_KEY` (at the save and again at the
  commit), and a watermark older than the stamp is not used: the next run is a full sweep.

The first run of each ISO week is a **full sweep**, which also catches what the rules above
cannot see (items changed by ``QuerySet.update()`` or SQL, which leave ``updated_at``).

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
from typing import NamedTuple

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

#: Rows changed this long before the last run's start are read again: a transaction that
#: saved an item before the run started but committed after its snapshot.
MARGIN = timedelta(minutes=15)
CHANGED_KEY = "reminders:changed-at"
#: A week is enough: the first run of each ISO week is a full sweep.
KEEP_FOR = 8 * 24 * 3600


def _key(kind: str) -> str:
    return f"reminders:watermark:{kind}"


def enabled() -> bool:
    return bool(getattr(settings, "REMINDERS_INCREMENTAL", False))


class Since(NamedTuple):
    #: items saved from this moment on are read (the last run's start less ``MARGIN``)
    moment: datetime
    #: the day of the last run: the items that entered the kind's date window since are read
    day: date


def reminders_since(kind: str, today: date) -> Since | None:
    """What an incremental run of ``kind`` on ``today`` reads from, or ``None`` for a full
    sweep: no watermark, people changed since it, or the last run was in another ISO week (the
    weekly sweep, the backstop for items changed in bulk without ``updated_at``)."""
    if not enabled():
        return None
    found = cache.get_many([_key(kind), CHANGED_KEY])
    mark = found.get(_key(kind))
    if not mark:
        return None
    day, started = date.fromisoformat(mark[0]), mark[1]
    if day > today or day.isocalendar()[:2] != today.isocalendar()[:2]:
        return None
    changed = found.get(CHANGED_KEY)
    if changed is not None and changed >= started:
        return None
    return Since(started - MARGIN, day)


def reminders_swept(kinds: Iterable[str], today: date, started: datetime) -> None:
    """Record a completed run of ``kinds`` for ``today`` that started at ``started``."""
    if enabled():
        cache.set_many({_key(k): (today.isoformat(), started) for k in kinds}, KEEP_FOR)


def _stamp() -> None:
    cache.set(CHANGED_KEY, timezone.now(), KEEP_FOR)


def reminders_changed(**_kwargs) -> None:
    """Something an incremental run cannot see changed: the next run of each kind sweeps.

    Stamped at once and again when the transaction commits: a run that started before the
    commit may not have seen the change, and the commit's stamp is after that run's start.
    The commit's stamp is registered once per transaction (a bulk change of many rows queues one
    callback, not one per row); outside a transaction the commit is now."""
    if not enabled():
        return
    _stamp()
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        entry[1] is _stamp for entry in connection.run_on_commit
    ):
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
    sweep_after_changes_of(RoleAssignment, NotificationPreference)
    post_delete.connect(reminders_changed, sender=Notification, dispatch_uid="reminders-notif")


def sweep_after_changes_of(*senders) -> None:
    """A save or deletion of any of ``senders`` makes the next run of each kind sweep. The
    platform's own models are connected here; a domain app connects the models its reminder
    kinds read (``reports.apps``), so that this sub-app imports no domain app."""
    from django.db.models.signals import post_delete, post_save

    for sender in senders:
        uid = f"reminders-{sender._meta.label}"
        post_save.connect(reminders_changed, sender=sender, dispatch_uid=uid)
        post_delete.connect(reminders_changed, sender=sender, dispatch_uid=f"{uid}-deleted")
