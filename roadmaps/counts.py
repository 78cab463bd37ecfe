"""The overview's per-school counts, kept on change (issue 17).

The municipality overview orders a territory's schools by their open concerns, then their
overdue items: counted per request, that was one pass over every school's items (20,000
schools: ≈ 450 ms of SQL for page 1). :class:`~roadmaps.models.SchoolCounts` keeps each school's
roadmaps, open concerns and overdue items instead, so a page reads one narrow row per school:

* **on change, at once:** saving or deleting a roadmap, an item or a concern recounts its
  school's figure in the same transaction (:func:`counts_refresh`, connected in
  :func:`connect`; the bulk creation of items in ``services`` calls it itself; a roadmap deleted
  with its items recounts its school once, not per item). The school's row
  is locked before it is counted, so two changes of one school committed together cannot leave
  the older count;
* **on the day's change** (an item becomes overdue the day after its due date, with no write):
  the first read (or beat's run) of a new day (:func:`counts_for_today`) recounts only the
  schools with an open item due between the last day counted and today, read from the items'
  (status, due date) index;
* **a full count** when there is none yet (after the migration), and once each ISO week — the
  backstop for changes no signal sees (``QuerySet.update()``, SQL), as the reminders' watermark
  does — by beat's ``roadmaps.keep_counts`` (every 10 minutes), never in a page request: a page
  does at most the day's change and reads what is kept.

The figures are ``roadmaps.figures``' definitions (``item_filters``), counted by the same
``Q``; ``tests/roadmaps/test_overview_counts.py`` compares the kept counts with a live count.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, QuerySet
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from schools import card_cache

from .figures import item_filters
from .models import (
    CLOSED_ITEM_STATUSES,
    CountsDay,
    EngagementConcern,
    Roadmap,
    RoadmapItem,
    SchoolCounts,
)

FIELDS = ("n_roadmaps", "n_concerns", "n_overdue")


def _counted(*, ids: list[int] | None, fields: Iterable[str], today: date) -> dict[str, dict]:
    """``{field: {organisation id: n}}`` of these schools (``None``: every school), one
    ``GROUP BY`` per figure."""
    queries = {
        "n_roadmaps": (Roadmap.objects.all(), "organisation_id"),
        "n_concerns": (
            EngagementConcern.objects.filter(resolved_at__isnull=True),
            "organisation_id",
        ),
        "n_overdue": (
            RoadmapItem.objects.filter(item_filters(today=today)["overdue"]),
            "roadmap__organisation_id",
        ),
    }
    result = {}
    for name in fields:
        rows, school = queries[name]
        if ids is not None:
            rows = rows.filter(**{f"{school}__in": ids})
        result[name] = dict(rows.order_by().values_list(school).annotate(n=Count("pk")))
    return result


def counts_refresh(
    *,
    organisation_ids: Iterable[int | None],
    fields: Iterable[str] = FIELDS,
    create: bool = True,
    today: date | None = None,
) -> None:
    """Recount ``fields`` of these schools. ``create=False`` (a deletion) only updates the rows
    that exist: a school without a row has nothing to count, and one being deleted must not get
    a row again."""
    ids = sorted({pk for pk in organisation_ids if pk is not None})
    if not ids:
        return
    fields = tuple(fields)
    today = today or timezone.localdate()
    # these schools' rows only: their cached pages, not every school's (``schools.card_cache``)
    with transaction.atomic(), card_cache.attributed(SchoolCounts, schools=ids):
        if create:
            SchoolCounts.objects.bulk_create(
                [SchoolCounts(organisation_id=pk) for pk in ids], ignore_conflicts=True
            )
        # locked first: a concurrent change of the same school waits, then counts what this
        # transaction committed (READ COMMITTED: each statement reads the newest commits)
        locked = list(
            SchoolCounts.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not locked:
            return
        counted = _counted(ids=locked, fields=fields, today=today)
        SchoolCounts.objects.bulk_update(
            [
                SchoolCounts(organisation_id=pk, **{f: counted[f].get(pk, 0) for f in fields})
                for pk in locked
            ],
            fields,
            batch_size=500,
        )


def counts_rebuild(*, today: date | None = None) -> int:
    """Count every school again (the first read, then weekly); returns the rows kept."""
    today = today or timezone.localdate()
    with transaction.atomic():
        # every row locked in the order counts_refresh locks its own (no deadlock with it)
        list(SchoolCounts.objects.select_for_update().order_by("pk").values_list("pk", flat=True))
        counted = _counted(ids=None, fields=FIELDS, today=today)
        ids = set().union(*(set(by_school) for by_school in counted.values()))
        rows = [
            SchoolCounts(organisation_id=pk, **{f: counted[f].get(pk, 0) for f in FIELDS})
            for pk in sorted(ids)
        ]
        SchoolCounts.objects.bulk_create(
            rows,
            update_conflicts=True,
            unique_fields=["organisation"],
            update_fields=list(FIELDS),
            batch_size=1000,
        )
        SchoolCounts.objects.exclude(pk__in=ids).delete()
    return len(rows)


def counts_for_today(*, today: date | None = None, full: bool = True) -> None:
    """Bring the overdue items up to today (one index read of the marker when they are).

    ``full``: count every school again when there is no full count of this ISO week yet (beat's
    ``roadmaps.keep_counts``, offline reads). A page request passes ``full=False``: it never
    waits for the full count (≈ 4 s at 20,000 schools), it does at most the day's change (an
    index read of the items due since the last day counted) and reads what is kept; with no
    marker yet it only starts one, and beat's next run (every 10 minutes) counts every school."""
    today = today or timezone.localdate()
    week_start = today - timedelta(days=today.weekday())
    done = CountsDay.objects.filter(pk=1, day=today)
    if full:
        done = done.filter(counted_on__gte=week_start)
    if done.exists():
        return
    with transaction.atomic():
        marker, created = CountsDay.objects.get_or_create(pk=1, defaults={"day": today})
        marker = CountsDay.objects.select_for_update().get(pk=1)
        if full and (marker.counted_on is None or marker.counted_on < week_start):
            counts_rebuild(today=today)
            marker.counted_on = today
        elif created or marker.day == today:
            pass  # nothing counted from yet, or another request did the day meanwhile
        else:
            low, high = sorted((marker.day, today))
            crossing = (
                RoadmapItem.objects.filter(due_date__gte=low, due_date__lt=high)
                .exclude(status__in=CLOSED_ITEM_STATUSES)
                .order_by()
                .values_list("roadmap__organisation_id", flat=True)
                .distinct()
            )
            counts_refresh(
                organisation_ids=list(crossing), fields=("n_overdue",), create=False, today=today
            )
        marker.day = today
        marker.save(update_fields=["day", "counted_on"])


# --- kept on change ----------------------------------------------------------------------------


def _school_of_roadmap(roadmap_id: int) -> int | None:
    return Roadmap.objects.filter(pk=roadmap_id).values_list("organisation_id", flat=True).first()


#: The item fields its school's overdue count depends on.
_OVERDUE_FIELDS = frozenset({"status", "due_date", "roadmap", "roadmap_id"})


def _item_saved(
    sender, instance: RoadmapItem, raw: bool = False, update_fields=None, **kwargs
) -> None:
    if raw:  # fixtures: the weekly count catches them
        return
    if update_fields is not None and not _OVERDUE_FIELDS & set(update_fields):
        return  # e.g. only the actual value or a timestamp: the count cannot have changed
    school = (
        instance.roadmap.organisation_id
        if RoadmapItem.roadmap.is_cached(instance)
        else _school_of_roadmap(instance.roadmap_id)
    )
    counts_refresh(organisation_ids=[school], fields=("n_overdue",), create=True)


def _item_deleted(sender, instance: RoadmapItem, origin=None, **kwargs) -> None:
    if _deleted_with_its_roadmap(origin):
        return  # _roadmap_deleted recounts the school once, not once per item
    counts_refresh(
        organisation_ids=[_school_of_roadmap(instance.roadmap_id)],
        fields=("n_overdue",),
        create=False,
    )


def _deleted_with_its_roadmap(origin) -> bool:
    """Whether an item's deletion was started by something other than items (its roadmap, or
    a school or territory above it): items cascade only from their roadmap, so the roadmap is
    deleted with them and :func:`_roadmap_deleted` recounts its school."""
    if origin is None:
        return False
    model = origin.model if isinstance(origin, QuerySet) else type(origin)
    return not issubclass(model, RoadmapItem)


def _roadmap_saved(sender, instance: Roadmap, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not created:  # a roadmap keeps its school; its items are counted as they change
        return
    counts_refresh(organisation_ids=[instance.organisation_id], fields=("n_roadmaps",))


def _roadmap_deleted(sender, instance: Roadmap, **kwargs) -> None:
    counts_refresh(
        organisation_ids=[instance.organisation_id],
        fields=("n_roadmaps", "n_overdue"),
        create=False,
    )


def _concern_changed(sender, instance: EngagementConcern, raw: bool = False, **kwargs) -> None:
    if raw:
        return
    counts_refresh(
        organisation_ids=[instance.organisation_id],
        fields=("n_concerns",),
        create=kwargs.get("signal") is post_save,
    )


def connect() -> None:
    uid = "roadmaps.counts"
    post_save.connect(_item_saved, sender=RoadmapItem, dispatch_uid=f"{uid}.item_saved")
    post_delete.connect(_item_deleted, sender=RoadmapItem, dispatch_uid=f"{uid}.item_deleted")
    post_save.connect(_roadmap_saved, sender=Roadmap, dispatch_uid=f"{uid}.roadmap_saved")
    post_delete.connect(_roadmap_deleted, sender=Roadmap, dispatch_uid=f"{uid}.roadmap_deleted")
    for signal in (post_save, post_delete):
        signal.connect(
            _concern_changed, sender=EngagementConcern, dispatch_uid=f"{uid}.concern.{signal!r}"
        )
