"""Public announcements and iCal feeds of a municipality with 1,000 events (issue 8).

Builds a throw-away database (SQLite in a temporary folder unless ``DATABASE_URL`` is given;
on PostgreSQL use a database of its own, e.g. ``portal_bench_events``), a municipality with
``--events`` published events spread over a year (a tenth of them with registrations), then
measures through Django's test client — the whole middleware stack, no network:

* the announcements page (``events:public_list``), first page and a filtered one;
* the municipality feed (``events:public_feed``): served from the cache, a 304
  revalidation, the first request after one event changed (only that VEVENT is written
  again; the other events are not even loaded) and with an empty cache;
* the embeddable snippet (``events:public_embed``);
* the personal feed of a teacher registered for 50 events;

with p50 / p95 / max and the number of SQL queries at 100 events and at the full size (the
count must not grow). Usage: ``.venv/bin/python bench/bench_events.py [--events 1000]
[--runs 40]``. Prints a table; exits non-zero only on error. Target: p95 < 200 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="bench_events_")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ.setdefault("PRIVATE_MEDIA_ROOT", f"{TMP}/private")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

TARGET_MS = 200


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def build(n_events: int, *, seed: int = 8):
    from events.models import Event, EventStatus, EventType, Registration
    from network_portal.accounts.models import Role, RoleAssignment, User
    from schools.models import Municipality, Organisation, Region

    rng = random.Random(seed)
    region, _ = Region.objects.get_or_create(name="Бенчмарк-область")
    municipality = Municipality.objects.create(region=region, name=f"Округ {n_events}")
    organisations = Organisation.objects.bulk_create(
        Organisation(
            municipality=municipality, short_name=f"МОБУ «СОШ № {i}»", full_name=f"СОШ {i}"
        )
        for i in range(1, 41)
    )
    types = list(EventType.objects.all())
    now = timezone.now().replace(minute=0, second=0, microsecond=0)
    events = Event.objects.bulk_create(
        Event(
            title=f"Семинар № {i}: {rng.choice(['ОВЗ', 'ОГЭ', 'цифровая школа', 'родители'])}",
            event_type=rng.choice(types),
            municipality=municipality,
            organiser=rng.choice(organisations),
            starts_at=now + timedelta(hours=rng.randint(1, 365 * 24)),
            ends_at=now + timedelta(hours=rng.randint(1, 365 * 24)) + timedelta(days=400),
            place="Актовый зал",
            capacity=rng.choice([None, 20, 30, 50]),
            status=EventStatus.PUBLISHED,
            for_teachers=True,
            for_parents=rng.random() < 0.2,
            description="Описание мероприятия. " * 5,
        )
        for i in range(n_events)
    )
    for event in events:  # bulk_create skipped the CHECK-friendly end: make it start + 2 h
        event.ends_at = event.starts_at + timedelta(hours=2)
    Event.objects.bulk_update(events, ["ends_at"])
    teacher = User.objects.create_user(
        email=f"bench-teacher-{n_events}@example.test", password="x" * 12
    )
    RoleAssignment.objects.create(user=teacher, role=Role.TEACHER, organisation=organisations[0])
    people = User.objects.bulk_create(
        User(email=f"p{n_events}-{i}@example.test", last_name=f"Участник{i}") for i in range(30)
    )
    registrations = [
        Registration(event=event, user=person, queued_at=now)
        for event in events[: n_events // 10]
        for person in rng.sample(people, 10)
    ]
    registrations += [Registration(event=e, user=teacher, queued_at=now) for e in events[:50]]
    Registration.objects.bulk_create(registrations)
    from events.services import calendar_token_get

    return municipality, calendar_token_get(user=teacher).key


def measure(
    client: Client, url: str, runs: int, before=None, **headers
) -> tuple[list[float], int, int]:
    client.get(url, **headers)  # warm up
    times = []
    for _ in range(runs):
        if before:
            before()
        start = time.perf_counter()
        response = client.get(url, **headers)
        times.append((time.perf_counter() - start) * 1000)
    counter = QueryCounter()
    if before:
        before()
    with connection.execute_wrapper(counter):
        response = client.get(url, **headers)
    return times, counter.count, response.status_code


def _touch(municipality):
    """An edit of one event before each request: the feed is rebuilt (other VEVENTs cached)."""
    from events.models import Event

    def touch():
        event = Event.objects.filter(municipality=municipality).order_by("?").first()
        event.description += "."
        event.save(update_fields=["description", "updated_at"])

    return touch


def _cold():
    """No cached feed and no cached VEVENT: every event written again (once a day at most)."""
    from django.core.cache import cache

    cache.clear()


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    small = build(100)
    large = build(args.events)
    client = Client()
    rows = []
    for label, (municipality, key) in (("100", small), (str(args.events), large)):
        feed = reverse("events:public_feed", args=[municipality.pk])
        etag = client.get(feed)["ETag"]
        pages = [
            ("announcements, page 1", reverse("events:public_list", args=[municipality.pk]), {}),
            (
                "announcements, parents only",
                reverse("events:public_list", args=[municipality.pk]) + "?audience=parents",
                {},
            ),
            ("embed snippet", reverse("events:public_embed", args=[municipality.pk]), {}),
            ("municipality feed, full", feed, {}),
            ("municipality feed, 304", feed, {"HTTP_IF_NONE_MATCH": etag}),
            ("municipality feed, after one event changed", feed, {"before": _touch(municipality)}),
            ("municipality feed, cold cache (a restart)", feed, {"before": _cold}),
            ("personal feed (50 events)", reverse("events:public_personal_feed", args=[key]), {}),
        ]
        for name, url, headers in pages:
            times, queries, status = measure(client, url, args.runs, **headers)
            rows.append(
                (name, label, status, queries, statistics.median(times), p95(times), max(times))
            )
    print(f"database: {connection.vendor}; runs: {args.runs}; target p95 < {TARGET_MS} ms\n")
    print("| page | events | status | queries | p50 ms | p95 ms | max ms |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, label, status, queries, p50, p95v, worst in rows:
        print(f"| {name} | {label} | {status} | {queries} | {p50:.0f} | {p95v:.0f} | {worst:.0f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
