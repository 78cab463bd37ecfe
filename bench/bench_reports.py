"""Reports, reminders and dashboards at region scale (issue 9).

Builds a throw-away database (SQLite in a temporary folder unless ``DATABASE_URL`` is given)
with ``bench/make_region.py`` (2 000 schools in 60 municipalities), adds 10 roadmap items per
school (20 000), a director per school, a curator per five schools and a methodologist per
municipality, then measures:

* the reminder run (``reminders_send``) for the whole region: time, SQL queries, e-mails and
  reminders sent (locmem backend) — and the second run, which must send nothing;
* a municipality progress report of about 20 pages, built in a fresh worker-like process:
  build time (context + HTML + PDF) and the peak memory (max RSS) of that process;
* the data version of that report (asked in the web request when it is ordered);
* the home-page panels of the methodologist and the coordinator: time and queries;
* «Мониторинг», the control table, for the coordinator (the whole region) and a methodologist:
  a page sorted by name and by overdue items, and the CSV of every row — time, queries, size
  (``--only monitoring`` measures just this after the setup).

Usage: ``.venv/bin/python bench/bench_reports.py [--schools 2000]``. Prints a table; exits
non-zero only on error. Targets: reminders < 60 s in bounded queries, the report < 10 s and
< 200 MB, dashboards in a constant number of queries.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
if "--child-report" not in sys.argv:
    TMP = tempfile.mkdtemp(prefix="bench_reports_")
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
    os.environ.setdefault("PRIVATE_MEDIA_ROOT", f"{TMP}/private")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")
os.environ["EMAIL_URL"] = "consolemail://"  # replaced by locmem below
os.environ.pop("CELERY_BROKER_URL", None)

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402

settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


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


def child_report(municipality_id: int, start: str, end: str) -> None:
    """Runs in a fresh process, like a worker: build one municipality report, print figures."""
    from django.utils import timezone

    from reports.documents import report_context, report_render
    from reports.selectors import Period

    started = time.perf_counter()
    context = report_context(
        subject="municipality",
        pk=municipality_id,
        period=Period.from_params({"start": start, "end": end}),
        printed_by="bench",
        printed_at=timezone.localtime(),
    )
    built = time.perf_counter()
    pdf = report_render(context)
    done = time.perf_counter()
    import io

    from pypdf import PdfReader

    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    print(
        json.dumps(
            {
                "context_s": round(built - started, 2),
                "total_s": round(done - started, 2),
                "pages": pages,
                "kb": len(pdf) // 1024,
                "schools": len(context["sections"]),
                "maxrss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


#: Runs the command given after it and prints the peak memory of that child alone. A child's
#: ``ru_maxrss`` counts the memory of the process it was forked from (Linux keeps the
#: high-water mark across ``exec``), so a 400 MB bench reads ≥ 400 MB for any child. This
#: small launcher is forked from the bench but its own child is forked from the launcher
#: (~10 MB), so ``RUSAGE_CHILDREN`` here is the report's worker alone.
ALONE = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], check=True)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"alone_mb": round(peak / 1024)}), flush=True)
"""


def populate(schools: int, seed: int) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from bench.make_region import make_region
    from diagnostics.models import FactorLevel, RiskFactor, RiskProfile
    from events.models import Event, Registration
    from network_portal.accounts.models import Role, RoleAssignment, User
    from partnerships.models import Partnership, PartnershipMember
    from roadmaps.models import ProgrammeModule, Roadmap, RoadmapItem
    from schools.models import CategoryAssignment

    rng = random.Random(seed)
    started = time.perf_counter()
    region = make_region(seed=seed, schools=schools, years=3, last_year=2026)
    existing = User.objects.filter(email="coordinator@bench.test").first()
    if existing is not None:  # generated once (20,000 schools take minutes), reused after
        return _populated(region, existing, started)
    today = timezone.localdate()
    password = make_password(None)
    users = User.objects.bulk_create(
        [
            User(
                email=f"director{i}@bench.test",
                first_name="Директор",
                last_name=str(i),
                password=password,
            )
            for i in range(len(region.school_ids))
        ]
        + [
            User(
                email=f"curator{i}@bench.test",
                first_name="Куратор",
                last_name=str(i),
                password=password,
            )
            for i in range(len(region.school_ids) // 5 + 1)
        ]
        + [
            User(
                email=f"method{i}@bench.test",
                first_name="Методист",
                last_name=str(i),
                password=password,
            )
            for i in range(len(region.municipality_ids))
        ]
        + [User(email="coordinator@bench.test", password=password)],
        batch_size=500,
    )
    directors = users[: len(region.school_ids)]
    curators = users[
        len(region.school_ids) : len(region.school_ids) + len(region.school_ids) // 5 + 1
    ]
    methodists = users[-len(region.municipality_ids) - 1 : -1]
    coordinator = users[-1]
    assignments = [
        RoleAssignment(user=d, role=Role.DIRECTOR, organisation_id=s)
        for d, s in zip(directors, region.school_ids, strict=True)
    ]
    assignments += [
        RoleAssignment(user=curators[i // 5], role=Role.CURATOR, organisation_id=s)
        for i, s in enumerate(region.school_ids)
    ]
    assignments += [
        RoleAssignment(user=m, role=Role.METHODOLOGIST, municipality_id=mid)
        for m, mid in zip(methodists, region.municipality_ids, strict=True)
    ]
    assignments.append(
        RoleAssignment(user=coordinator, role=Role.COORDINATOR, region_id=region.region_id)
    )
    RoleAssignment.objects.bulk_create(assignments, batch_size=1000)

    from schools.models import Organisation

    mun_of = dict(
        Organisation.objects.filter(pk__in=region.school_ids).values_list("pk", "municipality_id")
    )
    roadmaps = Roadmap.objects.bulk_create(
        [
            Roadmap(organisation_id=s, title=f"Программа перехода {s}", status="approved")
            for s in region.school_ids
        ],
        batch_size=1000,
    )
    modules = list(ProgrammeModule.values)
    factors = list(RiskFactor.objects.order_by("code"))
    items = []
    for roadmap, director in zip(roadmaps, directors, strict=True):
        for k in range(10):
            due = today + timedelta(days=rng.randint(-60, 60))
            status = rng.choice(["planned", "in_progress", "done", "done"])
            items.append(
                RoadmapItem(
                    roadmap=roadmap,
                    task=f"Мероприятие {k + 1} дорожной карты",
                    measure="Семинар, методический день, взаимопосещение уроков",
                    module=modules[k % len(modules)],
                    risk_factor=factors[k % len(factors)],
                    responsible_user=director if k % 3 else None,
                    responsible_person="Заместитель директора по УВР",
                    start_date=due - timedelta(days=60),
                    due_date=due,
                    status=status,
                    completed_at=due if status == "done" else None,
                    position=k,
                )
            )
    RoadmapItem.objects.bulk_create(items, batch_size=2000)

    # The report's municipality: eight supported schools with profiles, a pairing and events.
    municipality_id = max(
        region.municipality_ids, key=lambda m: sum(1 for v in mun_of.values() if v == m)
    )
    mschools = [s for s, m in mun_of.items() if m == municipality_id]
    supported, leader = mschools[:8], mschools[8]
    CategoryAssignment.objects.filter(organisation_id__in=supported).update(is_current=False)
    CategoryAssignment.objects.bulk_create(
        [CategoryAssignment(organisation_id=s, year=2026, category="shnor") for s in supported]
    )
    tz = timezone.get_current_timezone()
    for n, s in enumerate(supported):
        for when in (datetime(2025, 10, 1, tzinfo=tz), datetime(2026, 5, 1, tzinfo=tz)):
            profile = RiskProfile.objects.create(organisation_id=s, computed_at=when)
            FactorLevel.objects.bulk_create(
                [
                    FactorLevel(
                        profile=profile,
                        factor=f,
                        level=rng.choice(["high", "medium", "low"]),
                        score=1,
                    )
                    for f in factors
                ]
            )
        partnership = Partnership.objects.create(
            title=f"Сетевая пара {n + 1}", municipality_id=municipality_id, status="active"
        )
        PartnershipMember.objects.create(
            partnership=partnership, organisation_id=s, role="supported"
        )
        PartnershipMember.objects.create(
            partnership=partnership, organisation_id=leader, role="leader"
        )
        for e in range(3):
            starts = timezone.make_aware(datetime(2026, 2 + e, 10 + n, 10, 0), tz)
            event = Event.objects.create(
                title=f"Методический день {e + 1}",
                municipality_id=municipality_id,
                organiser_id=leader,
                partnership=partnership,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                status="held",
            )
            Registration.objects.create(
                event=event, user=directors[region.school_ids.index(s)], attended=True
            )
    # every school a current risk profile (the heatmap's rows); levels spread like a region's
    profiles = RiskProfile.objects.bulk_create(
        [
            RiskProfile(organisation_id=s, computed_at=timezone.now())
            for s in region.school_ids
            if s not in supported
        ],
        batch_size=2000,
    )
    levels = [
        FactorLevel(
            profile=profile,
            factor=f,
            level=rng.choices(["high", "medium", "low"], weights=[1, 2, 4])[0],
            score=1,
        )
        for profile in profiles
        for f in factors
    ]
    FactorLevel.objects.bulk_create(levels, batch_size=5000)
    return _populated(region, coordinator, started)


def _populated(region, coordinator, started: float) -> dict:
    from network_portal.accounts.models import Role, RoleAssignment
    from roadmaps.counts import counts_for_today
    from roadmaps.models import RoadmapItem
    from schools.models import Organisation

    # What beat's ``roadmaps.keep_counts`` does: the bulk writes above keep no per-school counts,
    # and a page request never counts every school (the overview would look emptier and cheaper).
    counts_for_today()

    municipality_id = (
        Organisation.objects.filter(pk__in=region.school_ids)
        .values("municipality_id")
        .annotate(n=Count("pk"))
        .order_by("-n")[0]["municipality_id"]
    )
    methodologist = (
        RoleAssignment.objects.filter(role=Role.METHODOLOGIST, municipality_id=municipality_id)
        .select_related("user")
        .first()
        .user
    )
    return {
        "region_id": region.region_id,
        "municipality_id": municipality_id,
        "methodologist": methodologist,
        "coordinator": coordinator,
        "schools": len(region.school_ids),
        "items": RoadmapItem.objects.filter(roadmap__organisation__in=region.school_ids).count(),
        "seconds": time.perf_counter() - started,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--populate-only", action="store_true", help="generate and stop")
    parser.add_argument("--child-report", nargs=3, metavar=("MUN", "START", "END"))
    parser.add_argument("--only", choices=["monitoring"], help="measure only this after setup")
    args = parser.parse_args()
    if args.child_report:
        child_report(int(args.child_report[0]), args.child_report[1], args.child_report[2])
        return

    from django.core import mail
    from django.core.management import call_command

    from network_portal.access.policy import scope_for
    from network_portal.notifications.services import reminders_send
    from reports import dashboards

    call_command("migrate", verbosity=0)
    world = populate(args.schools, args.seed)
    if args.populate_only:
        print(f"{world['schools']} schools, {world['items']} items in {world['seconds']:.0f} s")
        return
    from network_portal.notifications.models import Notification

    Notification.objects.all().delete()  # so that the first run is a first run on a reused region
    rows = [
        (
            "setup",
            f"{world['schools']} schools, {world['items']} roadmap items",
            f"{world['seconds']:.1f} s",
        )
    ]

    if args.only == "monitoring":
        rows += monitoring_rows(world)
        _print(rows)
        return

    for label in ("reminder run (first)", "reminder run (second)"):
        mail.outbox = []
        with QueryCounter() as q:
            started = time.perf_counter()
            result = reminders_send()
            seconds = time.perf_counter() - started
        rows.append(
            (
                label,
                f"{result.emails} e-mails, {result.notifications} reminders, {result.failed} failed; {q.count} queries",
                f"{seconds:.1f} s",
            )
        )

    child = subprocess.run(  # noqa: S603 — this script, run again as a fresh worker process
        [
            sys.executable,
            "-c",
            ALONE,
            sys.executable,
            __file__,
            "--child-report",
            str(world["municipality_id"]),
            "2025-09-01",
            "2026-08-31",
        ],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ},
    )
    figures = json.loads(child.stdout.strip().splitlines()[-2])
    figures["maxrss_mb"] = json.loads(child.stdout.strip().splitlines()[-1])["alone_mb"]
    rows.append(
        (
            "municipality report (fresh process)",
            f"{figures['pages']} pages, {figures['schools']} schools, {figures['kb']} KB; context {figures['context_s']} s; max RSS {figures['maxrss_mb']} MB",
            f"{figures['total_s']} s",
        )
    )

    # Asked in the web request when a report is ordered: an unchanged version hands out the
    # ready PDF. It digests the same rows the report is built from (reports.documents).
    from reports.documents import _version

    params = {
        "subject": "municipality",
        "id": world["municipality_id"],
        "start": "2025-09-01",
        "end": "2026-08-31",
        "user": world["methodologist"].pk,
    }
    with QueryCounter() as q:
        started = time.perf_counter()
        _version(params)
        seconds = time.perf_counter() - started
    rows.append(
        ("municipality report's data version", f"{q.count} queries", f"{seconds * 1000:.0f} ms")
    )

    for label, func, user in (
        ("methodologist panel", dashboards.methodologist_panel, world["methodologist"]),
        ("coordinator panel", dashboards.coordinator_panel, world["coordinator"]),
    ):
        with QueryCounter() as q:
            started = time.perf_counter()
            func(user, scope_for(user))
            seconds = time.perf_counter() - started
        rows.append((label, f"{q.count} queries", f"{seconds * 1000:.0f} ms"))

    rows += monitoring_rows(world)
    _print(rows)


def _print(rows) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':<{width}}  {'time':>9}  details")
    for name, details, took in rows:
        print(f"{name:<{width}}  {took:>9}  {details}")


def monitoring_rows(world) -> list[tuple[str, str, str]]:
    """The control table through the test client (the whole request: filters, annotations,
    the page's columns, the template)."""
    from django.test import Client

    from schools.services import categories_recompute

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    # the region's categories by its rules (make_region leaves them to this), so that the
    # table has the region's few hundred supported schools
    started = time.perf_counter()
    categories_recompute(region_id=world["region_id"])
    rows = [("categories of the region", "", f"{time.perf_counter() - started:.1f} s")]
    for who in ("coordinator", "methodologist"):
        client = Client()
        client.force_login(world[who])
        client.get("/reports/monitoring/")  # warm up (session, caches)
        for label, url in (
            ("page 1 by name", "/reports/monitoring/"),
            ("page 1 by overdue", "/reports/monitoring/?sort=-overdue"),
            ("CSV of every row", "/reports/monitoring/export/csv/"),
        ):
            with QueryCounter() as q:
                started = time.perf_counter()
                response = client.get(url)
                seconds = time.perf_counter() - started
            assert response.status_code == 200, (url, response.status_code)
            if url.endswith("/csv/"):
                count = response.content.decode("utf-8-sig").count("\r\n") - 1
            else:  # the total the page states (no template context outside the test runner)
                html = response.content.decode()
                stated = re.search(r'data-testid="row-count">(\d+)', html)
                on_page = html.count('id="school-')
                count = f"{stated.group(1) if stated else '?'} (rows on the page: {on_page})"
            rows.append(
                (
                    f"monitoring, {who}: {label}",
                    f"{count} schools, {q.count} queries, {len(response.content) // 1024} KB",
                    f"{seconds * 1000:.0f} ms",
                )
            )
    return rows


if __name__ == "__main__":
    main()
