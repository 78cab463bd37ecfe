"""The school figures every page shows, each defined once (issue 15).

A figure shown on a dashboard, a list, a card, an overview, the impact page or a PDF is
computed here and nowhere else, and its definition is printed next to it
(``{% figure_help "schools.categories" %}``, registered in :mod:`schools.apps`).

**The category of a school** is its current assignment of its *newest* year. Earlier years
keep a current row of their own (the history of categories), so counting every current row
counts a school once per year: a municipality of 10 schools showed 16 on its chart.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils.translation import gettext_lazy as _

from .models import SUPPORTED_CATEGORIES, Category, CategoryAssignment

HELP = {
    "schools.categories": _(
        "Each active school is counted once, with its category of the newest year "
        "(earlier years are history)."
    ),
    "schools.supported": _(
        "Supported schools: active schools whose category of the newest year is ШНОР, ШНСУ "
        "or «зона риска»."
    ),
}


def latest_categories() -> QuerySet[CategoryAssignment]:
    """One row per school: its current category assignment of the newest year."""
    newer = CategoryAssignment.objects.filter(
        organisation_id=OuterRef("organisation_id"), is_current=True, year__gt=OuterRef("year")
    )
    return CategoryAssignment.objects.filter(is_current=True).exclude(Exists(newer))


def category_of(*, organisations: QuerySet | Iterable[int]) -> dict[int, CategoryAssignment]:
    """{organisation id: its latest category assignment}, in one query."""
    return {
        a.organisation_id: a
        for a in latest_categories().filter(organisation_id__in=organisations).order_by()
    }


def category_counts(*, organisations: QuerySet) -> dict[str, int]:
    """{category: number of active schools}, each school once (its newest year); one query.
    Every category is present, with 0 where there is none."""
    counts = dict(
        latest_categories()
        .filter(organisation__in=organisations, organisation__is_active=True)
        .order_by()
        .values_list("category")
        .annotate(n=Count("organisation_id", distinct=True))
    )
    return {value: counts.get(value, 0) for value in Category.values}


def supported_school_ids(*, organisations: QuerySet) -> QuerySet:
    """The supported schools among ``organisations`` (active, newest category supported), as a
    subquery of organisation ids."""
    return (
        latest_categories()
        .filter(
            organisation__in=organisations,
            organisation__is_active=True,
            category__in=SUPPORTED_CATEGORIES,
        )
        .values("organisation_id")
    )
