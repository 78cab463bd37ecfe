"""Roadmap page and inline update timings (issue 7).

Builds a throw-away database (SQLite in a temporary folder unless ``DATABASE_URL`` is given),
a school with a 200-item roadmap (every item with evidence and a curator's comment), then
measures through Django's test client — the whole middleware stack, no network:

* the roadmap page (``roadmaps:detail``) for the director and the curator: p50 / p95 / max and
  the number of SQL queries, at 50 and 200 items (the count must not grow);
* an inline update round-trip (htmx ``item_quick`` POST returning the item's fragment).

Usage: ``.venv/bin/python bench/bench_roadmaps.py [--runs 40]``. Prints a table (wall-clock
and this process's CPU time, which a loaded shared machine does not inflate); exits non-zero
only on error. Targets: page < 300 ms p95, inline update < 100 ms p95.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="bench_roadmaps_")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ.setdefault("PRIVATE_MEDIA_ROOT", f"{TMP}/private")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402


class QueryCounter:
    """Counts SQL statements through an execute wrapper (works with DEBUG off)."""

    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)

    def __enter__(self):
        self._cm = connection.execute_wrapper(self)
        self._cm.__enter__()
        return self

    def __exit__(self, *exc):
        return self._cm.__exit__(*exc)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def build(n_items: int):
    from datetime import date, timedelta

    from diagnostics.models import RiskFactor
    from network_portal.accounts.models import Role, RoleAssignment, User
    from roadmaps.models import Evidence, ReviewComment, Roadmap, RoadmapItem
    from schools.models import Municipality, Organisation, Region

    region, _ = Region.objects.get_or_create(name="Бенчмарк-область")
    mun, _ = Municipality.objects.get_or_create(region=region, name="Бенчмарк-округ")
    school, _ = Organisation.objects.get_or_create(
        municipality=mun, short_name=f"МОБУ «СОШ № {n_items}»",
        defaults={"full_name": "Школа для замеров", "kind": "school"},
    )  # fmt: skip
    director, _ = User.objects.get_or_create(email=f"director{n_items}@bench.local")
    curator, _ = User.objects.get_or_create(email=f"curator{n_items}@bench.local")
    RoleAssignment.objects.get_or_create(user=director, role=Role.DIRECTOR, organisation=school)
    RoleAssignment.objects.get_or_create(user=curator, role=Role.CURATOR, organisation=school)
    roadmap = Roadmap.objects.create(organisation=school, title=f"Дорожная карта на {n_items}")
    factors = list(RiskFactor.objects.all())
    modules = ["teaching", "self_assessment", "leadership", "motivation", "parents", "content"]
    statuses = ["planned", "in_progress", "done", "cancelled"]
    today = date.today()
    items = RoadmapItem.objects.bulk_create(
        RoadmapItem(
            roadmap=roadmap, task=f"Задача {i}", measure="Методический день со школой-лидером",
            risk_factor=factors[i % len(factors)], module=modules[i % len(modules)],
            responsible_person="Иванова И. И.", responsible_organisation=school,
            start_date=today - timedelta(days=60 - i % 50),
            due_date=today - timedelta(days=60 - i % 50) + timedelta(days=i % 90),
            target_indicator="Доля, %",
            target_value=80, status=statuses[i % len(statuses)], position=i,
        )
        for i in range(n_items)
    )  # fmt: skip
    Evidence.objects.bulk_create(
        Evidence(item=item, kind="link", url="https://school.example.ru/news", added_by=director)
        for item in items
    )
    ReviewComment.objects.bulk_create(
        ReviewComment(roadmap=roadmap, item=item, author=curator, text="Уточните показатель")
        for item in items
    )
    return roadmap, items, director, curator


def time_get(client: Client, url: str, runs: int) -> tuple[list[float], list[float], int]:
    client.get(url)  # warm-up: templates, session, caches
    with QueryCounter() as queries:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    timings, cpu = [], []
    for _ in range(runs):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return timings, cpu, queries.count


def time_quick(client: Client, items, runs: int) -> tuple[list[float], list[float], int]:
    from roadmaps.models import RoadmapItem

    timings, cpu, count = [], [], 0
    for i in range(runs + 1):
        item = RoadmapItem.objects.get(pk=items[i % len(items)].pk)
        url = reverse("roadmaps:item_quick", args=[item.pk])
        data = {"status": "in_progress", "actual": str(i % 80), "version": item.version}
        with QueryCounter() as queries:
            start, start_cpu = time.perf_counter(), time.process_time()
            response = client.post(url, data, HTTP_HX_REQUEST="true")
            elapsed = (time.perf_counter() - start) * 1000
            elapsed_cpu = (time.process_time() - start_cpu) * 1000
        assert response.status_code == 200 and b"roadmap-item" in response.content
        if i:  # the first one warms up
            timings.append(elapsed)
            cpu.append(elapsed_cpu)
            count = queries.count
    return timings, cpu, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    rows = []
    for n in (50, 200):
        roadmap, items, director, curator = build(n)
        url = reverse("roadmaps:detail", args=[roadmap.pk])
        for who, user in (("director", director), ("curator", curator)):
            client = Client()
            client.force_login(user)
            timings, cpu, queries = time_get(client, url, args.runs)
            rows.append((f"roadmap page, {n} items, {who}", timings, cpu, queries))
        if n == 200:
            client = Client()
            client.force_login(director)
            timings, cpu, queries = time_quick(client, items, args.runs)
            rows.append(("inline update (htmx), 200-item roadmap", timings, cpu, queries))
    print(
        f"{'measure':42} {'runs':>4} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} "
        f"{'cpu p50':>7} {'cpu p95':>7} {'queries':>7}"
    )
    for label, timings, cpu, queries in rows:
        print(
            f"{label:42} {len(timings):>4} {statistics.median(timings):>7.1f} "
            f"{percentile(timings, 95):>7.1f} {max(timings):>7.1f} "
            f"{statistics.median(cpu):>7.1f} {percentile(cpu, 95):>7.1f} {queries:>7}"
        )
    print(f"load average: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    print(f"database: {connection.vendor}; python {sys.version.split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
