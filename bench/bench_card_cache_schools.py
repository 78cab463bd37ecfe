"""Hit rate of the cached school card and roadmap page while a director writes all day
(issue 17 item 5: per-school tokens, ``schools/card_cache.py``).

On a bench region (``bench/make_region.py``, e.g. the 2,000-school one) with Redis as the cache,
one director of school A quick-updates A's items (``roadmaps:item_quick``, the view's whole
service: claim, save, history, counts) while a methodologist asks for the card and the roadmap
page of school B between two saves. Twice: with every write replacing the global token (as
before: attribution switched off) and with per-school tokens. Then the cost of a bulk deletion
of rows whose models now have delete receivers (Django deletes them one batch of instances at
a time instead of one ``DELETE … WHERE fk IN``), rolled back.

Usage::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench CACHE_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python -m bench.bench_card_cache_schools [--saves 30]

Prints a table; exits non-zero only on error. Writes to the database (items' statuses, roles).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")
os.environ["SCHOOL_CARD_CACHE"] = "1"

import django  # noqa: E402

django.setup()

from django.db import transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.db.models.signals import post_delete, pre_delete  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from schools import card_cache  # noqa: E402


class Rollback(Exception):
    pass


def _users(a, b):
    from network_portal.accounts.models import Role, RoleAssignment

    director = RoleAssignment.objects.filter(role=Role.DIRECTOR, organisation=a).first().user
    reader = (
        RoleAssignment.objects.filter(role=Role.METHODOLOGIST, municipality=b.municipality_id)
        .first()
        .user
    )
    return director, reader


def run(saves: int, *, per_school: bool) -> dict:
    from roadmaps.models import Roadmap, RoadmapItem

    busiest = (
        Roadmap.objects.annotate(n=Count("items"))
        .filter(n__gte=5)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    roadmap_a = Roadmap.objects.select_related("organisation").get(pk=busiest[1])
    roadmap_b = (
        Roadmap.objects.select_related("organisation")
        .filter(organisation__municipality=roadmap_a.organisation.municipality_id)
        .exclude(organisation=roadmap_a.organisation)
        .order_by("pk")
        .first()
    )
    a, b = roadmap_a.organisation, roadmap_b.organisation
    director_user, reader_user = _users(a, b)
    director, reader = Client(), Client()
    director.force_login(director_user)
    reader.force_login(reader_user)
    pages = [
        reverse("schools:detail", args=[b.pk]),
        reverse("roadmaps:detail", args=[roadmap_b.pk]),
    ]

    kept = []
    real_keep = card_cache.keep

    def counting_keep(*args, **kwargs):
        kept.append(1)
        return real_keep(*args, **kwargs)

    saved_attribution = card_cache.attribution
    card_cache.keep = counting_keep
    if not per_school:
        card_cache.attribution = lambda *args, **kwargs: None
    items = list(RoadmapItem.objects.filter(roadmap=roadmap_a).order_by("pk")[:5])
    hits = misses = 0
    times = []
    try:
        for url in pages:
            reader.get(url)
        for n in range(saves):
            item = RoadmapItem.objects.get(pk=items[n % len(items)].pk)
            status = "in_progress" if item.status != "in_progress" else "planned"
            response = director.post(
                reverse("roadmaps:item_quick", args=[item.pk]),
                {"status": status, "actual": "", "version": item.version},
            )
            assert response.status_code in (200, 302), response.status_code
            for url in pages:
                before = len(kept)
                started = time.perf_counter()
                assert reader.get(url).status_code == 200
                times.append((time.perf_counter() - started) * 1000)
                if len(kept) == before:
                    hits += 1
                else:
                    misses += 1
    finally:
        card_cache.keep = real_keep
        card_cache.attribution = saved_attribution
    return {"hits": hits, "misses": misses, "p50": statistics.median(times)}


def delete_cost(repeat: int = 3) -> list[tuple[str, float, float]]:
    """A roadmap's deletion (its items, evidence, comments cascade) and a QuerySet deletion of
    many items, with and without the card cache's receivers, rolled back."""
    from roadmaps.models import Evidence, ReviewComment, Roadmap, RoadmapItem

    roadmap = Roadmap.objects.annotate(n=Count("items")).order_by("-n").first()
    items = list(RoadmapItem.objects.filter(roadmap=roadmap).values_list("pk", flat=True))

    def cascade():
        with transaction.atomic():
            Evidence.objects.bulk_create(
                Evidence(item_id=pk, kind="comment", text="Подтверждение") for pk in items
            )
            ReviewComment.objects.bulk_create(
                ReviewComment(roadmap=roadmap, item_id=pk, text="Замечание") for pk in items
            )
            started = time.perf_counter()
            Roadmap.objects.get(pk=roadmap.pk).delete()
            took = time.perf_counter() - started
            transaction.set_rollback(True)
        return took

    def many(model, make):
        def job():
            with transaction.atomic():
                model.objects.bulk_create(make(n) for n in range(5000))
                started = time.perf_counter()
                model.objects.filter(text__startswith="Пачка").delete()
                took = time.perf_counter() - started
                transaction.set_rollback(True)
            return took

        return job

    def evidence(n):
        return Evidence(item_id=items[n % len(items)], kind="comment", text=f"Пачка {n}")

    def comment(n):
        return ReviewComment(roadmap=roadmap, text=f"Пачка {n}")

    receivers = [
        (model, uid)
        for model in list(card_cache._OWNERS)
        for uid in [f"schools.card_cache.{model._meta.label}"]
    ]

    def without():
        for model, uid in receivers:
            pre_delete.disconnect(sender=model, dispatch_uid=uid)
            post_delete.disconnect(sender=model, dispatch_uid=uid)

    def again():
        for model, uid in receivers:
            pre_delete.connect(card_cache._deleting, sender=model, dispatch_uid=uid)
            post_delete.connect(card_cache._deleted, sender=model, dispatch_uid=uid)

    rows = []
    for name, job in (
        (f"a roadmap of {len(items)} items, each with evidence and a comment", cascade),
        (
            "5,000 evidence by QuerySet.delete() (history: no fast delete anyway)",
            many(Evidence, evidence),
        ),
        (
            "5,000 comments by QuerySet.delete() (registered with deletes=False)",
            many(ReviewComment, comment),
        ),
    ):
        runs = 1 if job is cascade else repeat  # the cascade recounts each item's school
        with_receivers = min(job() for _ in range(runs))
        without()
        try:
            bare = min(job() for _ in range(runs))
        finally:
            again()
        rows.append((name, bare * 1000, with_receivers * 1000))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=30)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    before = run(args.saves, per_school=False)
    after = run(args.saves, per_school=True)
    print(
        f"load average {load:.1f}; {args.saves} item saves of school A, B's card and roadmap page"
    )
    print("| tokens | B's pages served from the cache | p50 of B's page |")
    print("|---|---:|---:|")
    for name, r in (("one global (before)", before), ("per school (after)", after)):
        total = r["hits"] + r["misses"]
        print(f"| {name} | {r['hits']}/{total} | {r['p50']:.1f} ms |")
    print()
    print("| deletion | without receivers | with the card cache's receivers |")
    print("|---|---:|---:|")
    for name, bare, with_receivers in delete_cost():
        print(f"| {name} | {bare:.0f} ms | {with_receivers:.0f} ms |")


if __name__ == "__main__":
    main()
