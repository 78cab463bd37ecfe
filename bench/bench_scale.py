"""The region-wide figures of issue 17 at one size; two runs give the growth ratio.

On a region from ``bench/bench_reports.py --populate-only`` (schools, 10 roadmap items each, a
risk profile each, directors, curators, methodologists, a coordinator), through Django's test
client (whole middleware stack, the coordinator's session), the median of ``--repeat`` runs:

* the first reminder run (timed once; a true first run with ``--fresh``, which deletes every
  notification first) and the run with nothing to send after it (``reminders_send``); with
  ``--fan-out`` the first run's chunks go to Celery workers (``CELERY_BROKER_URL``) and it is
  timed to its last letter; ``--reminders`` stops after the reminder runs;
* the heatmap of the largest municipality, a page of 100 schools: time, HTML and gzip size;
  and its XLSX export (every school): the request (which only queues a document job above
  ``diagnostics.heatmap_export.INLINE_MAX_SCHOOLS``) and the job's build, timed apart;
* the roadmaps overview of the region, a page of 50 schools: time, HTML size;
* the impact page and the coordinator's home page.

Usage, once per size, then ``--compare`` the two JSON files::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_i17 \\
        .venv/bin/python bench/bench_scale.py --fresh --out bench/out/scale-2000.json
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_i17_bench \\
        .venv/bin/python bench/bench_scale.py --fresh --out bench/out/scale-20000.json
    .venv/bin/python bench/bench_scale.py --compare bench/out/scale-2000.json \\
        bench/out/scale-20000.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU of these processes and of their live children (a Celery worker's pool
    processes), from ``/proc``."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, seen, todo = 0, set(), list(pids)
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
        todo += [int(c) for c in children]
    return total / ticks


def _first_run(figures: dict, *, fan_out: bool, worker_pids: list[int]) -> None:
    """The first reminder run, to its end: with ``fan_out`` the chunks are queued for the
    Celery workers and the run ends when no row is left *pending* or *sending*."""
    from network_portal.notifications.models import Notification, NotificationStatus
    from network_portal.notifications.services import reminders_send
    from network_portal.notifications.tasks import queue_reminder_chunk

    workers = _cpu_seconds(worker_pids)
    cpu, started = time.process_time(), time.perf_counter()
    if not fan_out:
        first = reminders_send()  # whatever is due today goes out first
        figures["reminder run, first, s"] = round(time.perf_counter() - started, 1)
        figures["reminder run, first, e-mails"] = first.emails
        figures["reminder run, first, reminders"] = first.notifications
        figures["reminder run, first, CPU s"] = round(time.process_time() - cpu, 1)
        return
    queued = reminders_send(send_chunk=queue_reminder_chunk)
    figures["reminder run, first, queued after, s"] = round(time.perf_counter() - started, 1)
    figures["reminder run, first, CPU s (collect and queue)"] = round(time.process_time() - cpu, 1)
    unfinished = [NotificationStatus.PENDING, NotificationStatus.SENDING]
    while Notification.objects.filter(status__in=unfinished).exists():
        time.sleep(0.2)
    figures["reminder run, first, s"] = round(time.perf_counter() - started, 1)
    sent = Notification.objects.filter(status=NotificationStatus.SENT)
    figures["reminder run, first, e-mails"] = sent.values("recipient_id", "kind").distinct().count()
    figures["reminder run, first, reminders"] = sent.count()
    figures["reminder run, first, letters queued"] = queued.queued
    if worker_pids:
        figures["reminder run, first, CPU s (workers)"] = round(
            _cpu_seconds(worker_pids) - workers, 1
        )


def measure(
    repeat: int,
    *,
    fresh: bool = False,
    pages_only: bool = False,
    reminders_only: bool = False,
    fan_out: bool = False,
    worker_pids: list[int] = (),
) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")
    os.environ["EMAIL_URL"] = "consolemail://"
    import django

    django.setup()
    from django.conf import settings
    from django.db.models import Count
    from django.test import Client
    from django.urls import reverse

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["*"]
    from network_portal.accounts.models import Role, RoleAssignment
    from network_portal.notifications.services import reminders_send
    from schools.models import Organisation

    coordinator = RoleAssignment.objects.filter(role=Role.COORDINATOR).first().user
    largest = (
        Organisation.objects.schools()
        .values("municipality_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .first()
    )
    client = Client()
    client.force_login(coordinator)
    figures: dict = {
        "schools": Organisation.objects.schools().count(),
        "largest municipality": largest["n"],
        "load average": round(os.getloadavg()[0], 1),
    }
    if pages_only:  # the two paginated pages alone (no reminder run, no XLSX)
        return _pages(figures, client, largest, repeat)
    if fresh:  # a first run over the whole region (every reminder still to send)
        from network_portal.notifications.models import Notification

        Notification.objects.all().delete()
    _first_run(figures, fan_out=fan_out, worker_pids=list(worker_pids))
    figures["load average after the first run"] = round(os.getloadavg()[0], 1)

    def timed(label, func, *, size=None):
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            result = func()
            runs.append(time.perf_counter() - started)
        figures[label + ", ms"] = round(statistics.median(runs) * 1000)
        if size:
            for key, value in size(result).items():
                figures[f"{label}, {key}"] = value

    def get(url, **extra):
        def call():
            response = client.get(url, **extra)
            assert response.status_code == 200, (url, response.status_code)
            return response

        return call

    def get_any(url):
        def call():
            response = client.get(url)
            assert response.status_code in (200, 302), (url, response.status_code)
            return response

        return call

    # the watermark (notifications/watermark.py) in this process's cache: the first run of the
    # week sweeps every open item, the later runs read the items changed since
    from django.core.cache import cache

    from network_portal.notifications import watermark
    from network_portal.notifications.registry import reminder_kinds

    settings.REMINDERS_INCREMENTAL = True

    def full_sweep():
        cache.delete_many([watermark._key(k.key) for k in reminder_kinds()])
        return reminders_send()

    timed("reminder run, nothing to send, full sweep (first of the week)", full_sweep)
    timed("reminder run, nothing to send", lambda: reminders_send())
    if reminders_only:
        return figures
    heatmap = reverse("diagnostics:heatmap") + f"?municipality={largest['municipality_id']}"
    timed(
        "heatmap, largest municipality, page 1",
        get(heatmap),
        size=lambda r: {"KB": len(r.content) // 1024},
    )
    timed(
        "heatmap, gzip",
        get(heatmap, HTTP_ACCEPT_ENCODING="gzip"),
        size=lambda r: {
            "KB": len(r.content) // 1024,
            "unpacked KB": len(gzip.decompress(r.content)) // 1024,
        },
    )
    # The XLSX of every school: above exports.INLINE_MAX_SCHOOLS the request only queues a
    # document job (timed with the queue stubbed out, so the eager Celery of the bench does
    # not build it inside the request) and the worker builds it (timed apart).
    from diagnostics import heatmap_export as exports
    from network_portal.documents import services as documents
    from schools.models import Municipality

    enqueue, documents._enqueue = documents._enqueue, lambda job: None
    try:
        timed("heatmap XLSX request (every school)", get_any(heatmap + "&format=xlsx"))
    finally:
        documents._enqueue = enqueue
    figures["heatmap XLSX in the background"] = (
        "yes"
        if exports.in_background(
            municipality=Municipality.objects.get(pk=largest["municipality_id"])
        )
        else "no"
    )

    def build_xlsx():
        job = exports.export_request(
            user=coordinator,
            municipality=Municipality.objects.get(pk=largest["municipality_id"]),
        )
        job.data_version = ""  # not the one already built: build it again each time
        return exports._build(job)

    timed("heatmap XLSX build (the job's work)", build_xlsx)
    timed(
        "roadmaps overview, page 1",
        get(reverse("roadmaps:overview")),
        size=lambda r: {"KB": len(r.content) // 1024},
    )
    timed("impact page", get(reverse("reports:impact")))
    timed("coordinator home page", get(reverse("ui:home")))
    return figures


def _pages(figures: dict, client, largest: dict, repeat: int) -> dict:
    """Page 1 of the heatmap of the largest municipality and of the roadmaps overview, each
    warmed once, then the median of ``repeat`` (``--pages``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    urls = {
        "heatmap, largest municipality, page 1": reverse("diagnostics:heatmap")
        + f"?municipality={largest['municipality_id']}",
        "roadmaps overview, page 1": reverse("roadmaps:overview"),
    }
    for label, url in urls.items():
        client.get(url)
        runs = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                runs.append(time.perf_counter() - started)
            assert response.status_code == 200, (url, response.status_code)
        figures[label + ", ms"] = round(statistics.median(runs) * 1000)
        figures[label + ", KB"] = len(response.content) // 1024
        figures[label + ", queries"] = len(queries.captured_queries)
        figures[label + ", SQL ms"] = round(
            sum(float(q["time"]) for q in queries.captured_queries) * 1000
        )
    return figures


def compare(small: dict, large: dict, *, width: int = 48) -> None:
    """Print two sizes' figures side by side with the growth ratio (also bench_region_figures)."""
    print(f"{'figure':<{width}} {small['schools']:>10,} {large['schools']:>10,} {'growth':>7}")
    for key, value in small.items():
        if key == "schools" or not isinstance(value, int | float):
            continue
        other = large.get(key)
        ratio = f"{other / value:6.1f}×" if value and other is not None else "     —"
        print(f"{key:<{width}} {value:>10} {other!s:>10} {ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out")
    parser.add_argument(
        "--fresh", action="store_true", help="delete every notification first: a first run"
    )
    parser.add_argument(
        "--pages", action="store_true", help="only page 1 of the heatmap and of the overview"
    )
    parser.add_argument(
        "--reminders", action="store_true", help="only the reminder runs (no pages)"
    )
    parser.add_argument(
        "--fan-out",
        action="store_true",
        help="queue the first run's chunks for Celery workers (CELERY_BROKER_URL) and time it "
        "to its last letter",
    )
    parser.add_argument(
        "--worker-pid",
        type=int,
        action="append",
        default=[],
        help="a Celery worker's pid: its CPU seconds (with its pool's) in the first run",
    )
    parser.add_argument("--compare", nargs=2, metavar=("SMALL", "LARGE"))
    args = parser.parse_args()
    if args.fan_out and not os.environ.get("CELERY_BROKER_URL"):
        parser.error("--fan-out needs CELERY_BROKER_URL (and workers on it)")
    if args.compare:
        small, large = (json.loads(Path(p).read_text()) for p in args.compare)
        compare(small, large)
        return
    figures = measure(
        args.repeat,
        fresh=args.fresh,
        pages_only=args.pages,
        reminders_only=args.reminders,
        fan_out=args.fan_out,
        worker_pids=args.worker_pid,
    )
    report(figures, out=args.out)


def report(figures: dict, *, out: str | None, width: int = 48) -> None:
    """Print one size's figures and keep them in ``out`` (JSON) for ``--compare``."""
    for key, value in figures.items():
        print(f"{key:<{width}} {value}")
    if out:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(json.dumps(figures, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
