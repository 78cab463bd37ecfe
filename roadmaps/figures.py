"""Roadmap figures, each defined once (issue 15); see ``network_portal.ui.figures``.

- **Completion** of a school's (or a territory's) roadmaps: the items done over all items of
  the plan except the cancelled ones — every item, whatever its due date, as of today (a PDF:
  as of the end of its period, or today if earlier). The seed-002 criterion «дорожная карта
  реализована» is another figure: the items *due* by that day that are done.
- **Overdue**: an item not done and not cancelled whose due date has passed. Never stored.
- **Coverage**: supported schools that have a roadmap, over all supported schools; a
  territory's completion is always shown next to it, so 20 % of one roadmap is not read as
  20 % of the territory.

Each aggregate is one query (``Count`` with filters), usable over items directly
(``prefix=""``) or through a relation (``prefix="roadmaps__items__"`` on organisations).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import CLOSED_ITEM_STATUSES, ItemStatus

HELP = {
    "roadmaps.completion": _(
        "Completion: items done over all items of the roadmaps except cancelled ones, "
        "whatever their due dates, as of today."
    ),
    "roadmaps.completion_pdf": _(
        "Completion: items done by the date of the report over all items of the roadmaps "
        "except cancelled ones, whatever their due dates."
    ),
    "roadmaps.overdue": _("Overdue: items neither done nor cancelled whose due date has passed."),
    "roadmaps.coverage": _(
        "Supported schools with a roadmap (any status) over all supported schools; "
        "completion counts the items of the existing roadmaps only."
    ),
}


def percent(done: int, total: int) -> int | None:
    """The rounded share of done items, ``None`` without items (shown as «—», never 0 %)."""
    return round(100 * done / total) if total else None


def item_filters(*, prefix: str = "", today: date | None = None) -> dict[str, Q]:
    """The ``Q`` of each figure over items reached through ``prefix``."""
    today = today or timezone.localdate()
    p = prefix
    return {
        "total": ~Q(**{f"{p}status": ItemStatus.CANCELLED}),
        "done": Q(**{f"{p}status": ItemStatus.DONE}),
        "overdue": Q(**{f"{p}due_date__lt": today})
        & ~Q(**{f"{p}status__in": CLOSED_ITEM_STATUSES}),
    }


def item_annotations(*, prefix: str, today: date | None = None) -> dict[str, Count]:
    """``n_items`` (not cancelled), ``n_done``, ``n_overdue`` for ``.annotate()`` through a
    relation, e.g. ``Organisation.objects.annotate(**item_annotations(prefix="roadmaps__items__"))``."""
    field = prefix.rstrip("_")
    return {
        f"n_{name}": Count(field, filter=q, distinct=True)
        for name, q in (
            ("items", item_filters(prefix=prefix, today=today)["total"]),
            ("done", item_filters(prefix=prefix, today=today)["done"]),
            ("overdue", item_filters(prefix=prefix, today=today)["overdue"]),
        )
    }


def completion(*, items: QuerySet, today: date | None = None) -> dict[str, Any]:
    """``{total, done, overdue, percent}`` of a queryset of items, in one query."""
    filters = item_filters(today=today)
    agg = items.aggregate(**{name: Count("pk", filter=q) for name, q in filters.items()})
    agg["percent"] = percent(agg["done"], agg["total"])
    return agg


def completion_of_rows(rows, *, day: date) -> dict[str, Any]:
    """The same figure over plain item rows (``status``, ``due_date``, ``completed_at``) as of
    ``day``: a progress report judges the plan as it stood at the end of its period."""
    live = [r for r in rows if r["status"] != ItemStatus.CANCELLED]
    done = sum(1 for r in live if item_done_by(r, day))
    overdue = sum(1 for r in live if r["due_date"] < day and not item_done_by(r, day))
    return {
        "total": len(live),
        "done": done,
        "overdue": overdue,
        "percent": percent(done, len(live)),
    }


def item_done_by(row: dict[str, Any], day: date) -> bool:
    completed = row.get("completed_at")
    return row["status"] == ItemStatus.DONE and (completed is None or completed <= day)


def item_subqueries(*, outer: str = "pk", today: date | None = None) -> dict[str, Any]:
    """``n_items``, ``n_done``, ``n_overdue`` of an organisation's roadmaps as correlated
    subqueries (``outer`` names the organisation's id in the outer query): usable to filter and
    sort a long list of schools without joining every item."""
    from django.db.models import IntegerField, OuterRef, Subquery
    from django.db.models.functions import Coalesce

    from .models import RoadmapItem

    result = {}
    for name, q in item_filters(today=today).items():
        # the figure's condition is the aggregate's FILTER, not the WHERE: with it in the WHERE
        # SQLite scans the status index (half the region's items) once per school
        counted = (
            RoadmapItem.objects.filter(roadmap__organisation_id=OuterRef(outer))
            .order_by()
            .values("roadmap__organisation_id")
            .annotate(n=Count("pk", filter=q))
            .values("n")
        )
        key = {"total": "n_items", "done": "n_done", "overdue": "n_overdue"}[name]
        result[key] = Coalesce(Subquery(counted, output_field=IntegerField()), 0)
    return result
