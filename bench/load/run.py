"""Load test: gunicorn (2 workers) on PostgreSQL with a region-scale database, many sessions.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_load \\
        .venv/bin/python -m bench.load.run [--users 20] [--requests 1500] [--seconds 120]

1. Prepares the database (created if missing): migrations, the demo municipality with its
   users (``seed_demo``) and a region of 2,000 schools from ``bench/make_region.py``; the demo
   coordinator and methodologist are also given that region and one of its municipalities,
   so their lists and cards run over region-scale data.
2. Starts ``gunicorn --workers 2`` on 127.0.0.1 (never another address) with DEBUG off.
3. ``--users`` sessions each log in through the login form as a demo role (coordinator,
   methodologist, curator, director, teacher, partner in turn) and request the role's main
   pages in a seeded random order, until ``--requests`` requests in all or ``--seconds``.
4. Prints requests per second, p50 / p95 / p99 and the errors (any status but 200, or a
   timeout), overall and per page, then stops gunicorn. Exits non-zero only on an error of the
   script itself; ``--strict`` also fails on errors or p95 over 500 ms.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/portal_load"
PASSWORD = "demo12345"
HOST = "127.0.0.1"

SETUP = """
import django, json
django.setup()
from network_portal.accounts.models import Role, RoleAssignment, User
from schools.models import Organisation, Region
from bench.make_region import make_region

summary = make_region(seed=10, schools={schools}, municipalities=60, years=5)
region = Region.objects.get(pk=summary.region_id)
coordinator = User.objects.get(email="coordinator@demo.local")
methodist = User.objects.get(email="methodist@demo.local")
RoleAssignment.objects.get_or_create(user=coordinator, role=Role.COORDINATOR, region=region)
big = region.municipalities.order_by("pk").first()
RoleAssignment.objects.get_or_create(user=methodist, role=Role.METHODOLOGIST, municipality=big)
school = Organisation.objects.schools().filter(municipality=big).order_by("pk").first()
# every school of the region a roadmap of 10 items (so the overview and cards load them)
import datetime, random
from roadmaps.models import Roadmap, RoadmapItem
if not Roadmap.objects.filter(organisation__municipality__region=region).exists():
    rng = random.Random(10)
    today = datetime.date.today()
    roadmaps = Roadmap.objects.bulk_create(
        Roadmap(organisation_id=pk, title=f"Программа перехода {{pk}}", status="approved")
        for pk in summary.school_ids
    )
    RoadmapItem.objects.bulk_create(
        (RoadmapItem(roadmap=r, task=f"Мероприятие {{k + 1}}", position=k,
                     start_date=today - datetime.timedelta(days=90),
                     due_date=today + datetime.timedelta(days=rng.randint(-60, 60)),
                     status=rng.choice(["planned", "in_progress", "done", "done"]))
         for r in roadmaps for k in range(10)),
        batch_size=2000,
    )
demo_school = Organisation.objects.filter(
    short_name__contains="СОШ № 5", municipality__name__startswith="Северогорск"
).first()
print(json.dumps({{"region_school": school.pk, "demo_school": demo_school.pk,
                   "schools": Organisation.objects.count()}}))
"""


@dataclass
class Stats:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, page: str, seconds: float, error: str | None) -> None:
        with self.lock:
            self.times[page].append(seconds)
            if error:
                self.errors[page].append(error)


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env.update(
        PORTAL_ENV="development",
        DEBUG="false",
        DATABASE_URL=database_url,
        CELERY_BROKER_URL="",
        EMAIL_URL="consolemail://",
        LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="network_portal.settings",
        AXES_FAILURE_LIMIT="1000",
    )
    return env


def _ensure_database(database_url: str) -> None:
    import psycopg2

    parts = urllib.parse.urlparse(database_url)
    name = parts.path.lstrip("/")
    conn = psycopg2.connect(
        host=parts.hostname, port=parts.port or 5432, user=parts.username, dbname="postgres"
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()


def prepare(database_url: str, schools: int, *, setup: bool = True) -> dict:
    import json

    _ensure_database(database_url)
    env = _env(database_url)
    run = {"cwd": ROOT, "env": env, "check": True}
    if setup:
        migrate = [PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"]
        subprocess.run(migrate, **run)  # noqa: S603
        seed = [PYTHON, "manage.py", "seed_demo", "--password", PASSWORD]
        subprocess.run(seed, **run, capture_output=True)  # noqa: S603
    out = subprocess.run(  # noqa: S603
        [PYTHON, "-c", SETUP.format(schools=schools)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode:
        raise RuntimeError(f"preparing the region failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def free_port() -> int:
    """A port nobody listens on (other servers may run on this machine)."""
    import socket

    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def start_server(database_url: str, port: int) -> subprocess.Popen:
    cmd = [
        str(Path(PYTHON).with_name("gunicorn")),
        "network_portal.wsgi:application",
        "--workers",
        "2",
        "--bind",
        f"{HOST}:{port}",
        "--timeout",
        "60",
        "--log-level",
        "warning",
    ]
    server = subprocess.Popen(cmd, cwd=ROOT, env=_env(database_url))  # noqa: S603
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {server.returncode} (port {port} taken?)")
        try:
            with urllib.request.urlopen(f"http://{HOST}:{port}/healthz", timeout=2):
                return server
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.5)
    server.terminate()
    raise RuntimeError("gunicorn did not answer /healthz within 60 s")


ROLES = {
    "coordinator@demo.local": [
        ("home", "/"),
        ("schools list", "/schools/"),
        ("schools list, page 5", "/schools/?page=5"),
        ("schools search", "/schools/?q=%D0%A1%D0%9E%D0%A8"),
        ("school card (region)", "/schools/{region_school}/"),
        ("partnerships", "/partnerships/"),
        ("roadmaps overview", "/roadmaps/overview/"),
        ("events", "/events/"),
        ("impact", "/reports/impact/"),
    ],
    "methodist@demo.local": [
        ("home", "/"),
        ("schools list", "/schools/"),
        ("school card (demo)", "/schools/{demo_school}/"),
        ("school card (region)", "/schools/{region_school}/"),
        ("diagnostics", "/diagnostics/"),
        ("partnerships", "/partnerships/"),
        ("roadmaps", "/roadmaps/"),
        ("events", "/events/"),
        ("documents", "/documents/"),
    ],
    "curator@demo.local": [
        ("home", "/"),
        ("schools list", "/schools/"),
        ("school card (demo)", "/schools/{demo_school}/"),
        ("roadmaps", "/roadmaps/"),
        ("reports", "/reports/"),
    ],
    "director@demo.local": [
        ("home", "/"),
        ("school card (demo)", "/schools/{demo_school}/"),
        ("diagnostics", "/diagnostics/"),
        ("roadmaps", "/roadmaps/"),
        ("events", "/events/"),
    ],
    "teacher@demo.local": [("home", "/"), ("events", "/events/"), ("documents", "/documents/")],
    "partner@demo.local": [
        ("home", "/"),
        ("partnerships", "/partnerships/"),
        ("events", "/events/"),
    ],
}


def _opener() -> tuple[urllib.request.OpenerDirector, http.cookiejar.CookieJar]:
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar)), jar


def _login(base: str, email: str) -> urllib.request.OpenerDirector:
    opener, _jar = _opener()
    page = opener.open(f"{base}/accounts/login/", timeout=30).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    data = urllib.parse.urlencode(
        {"username": email, "password": PASSWORD, "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(  # noqa: S310 (loopback only)
        f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
    )
    response = opener.open(request, timeout=30)
    if "/accounts/login/" in response.geturl():
        raise RuntimeError(f"could not log in as {email}")
    return opener


def user_loop(base, opener, pages, budget, stop_at, stats, seed, think) -> None:
    """One person's clicks with a session that logged in before the clock started."""
    rng = random.Random(seed)
    while time.monotonic() < stop_at and budget.acquire(blocking=False):
        if think:  # a person reads the page before the next click
            time.sleep(rng.uniform(0.5 * think, 1.5 * think))
        label, path = rng.choice(pages)
        started = time.monotonic()
        error = None
        try:
            with opener.open(base + path, timeout=30) as response:
                response.read()
                if response.status != 200 or "/accounts/login/" in response.geturl():
                    error = f"{response.status} {response.geturl()}"
        except urllib.error.HTTPError as exc:
            error = f"{exc.code} {path}"
        except Exception as exc:
            error = f"{exc.__class__.__name__} {path}"
        stats.add(label, time.monotonic() - started, error)


def _pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def report(stats: Stats, elapsed: float, users: int) -> tuple[int, float]:
    everything = [t for ts in stats.times.values() for t in ts]
    errors = sum(len(e) for e in stats.errors.values())
    p95 = _pct(everything, 95) * 1000
    print(f"\n{users} concurrent sessions, {len(everything)} requests in {elapsed:.1f} s")
    print(f"{'page':28} {'n':>6} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'errors':>7}")
    rows = sorted(stats.times.items(), key=lambda kv: -_pct(kv[1], 95))
    for label, ts in [*rows, ("ALL", everything)]:
        n_err = errors if label == "ALL" else len(stats.errors.get(label, []))
        print(
            f"{label:28} {len(ts):6d} {_pct(ts, 50) * 1000:8.0f} {_pct(ts, 95) * 1000:8.0f} "
            f"{_pct(ts, 99) * 1000:8.0f} {n_err:7d}"
        )
    print(f"\nrequests per second: {len(everything) / elapsed:.1f}")
    print(
        f"p50 / p95 / p99: {_pct(everything, 50) * 1000:.0f} / {p95:.0f} / "
        f"{_pct(everything, 99) * 1000:.0f} ms; errors: {errors}"
    )
    for label, errs in stats.errors.items():
        print(f"  {label}: {errs[:3]}")
    return errors, p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=1500, help="total, all users together")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument(
        "--think", type=float, default=0, help="mean seconds a user waits between clicks"
    )
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--skip-setup", action="store_true")
    parser.add_argument("--strict", action="store_true", help="fail on errors or p95 > 500 ms")
    args = parser.parse_args(argv)
    database_url = os.environ.get("DATABASE_URL") or DEFAULT_DB
    if not database_url.startswith("postgres"):
        parser.error("the load test runs on PostgreSQL: set DATABASE_URL=postgres://…")
    print("preparing the database …", flush=True)
    ids = prepare(database_url, args.schools, setup=not args.skip_setup)
    print(f"data: {ids}", flush=True)
    port = args.port or free_port()
    server = start_server(database_url, port)
    base = f"http://{HOST}:{port}"
    try:
        stats = Stats()
        budget = threading.Semaphore(args.requests)
        emails = list(ROLES)
        # every session logs in first (password hashing ≈ 0.2 s each is not what is measured)
        openers = [_login(base, emails[n % len(emails)]) for n in range(args.users)]
        started = time.monotonic()
        stop_at = started + args.seconds
        threads = []
        for n in range(args.users):
            email = emails[n % len(emails)]
            pages = [(label, path.format(**ids)) for label, path in ROLES[email]]
            thread = threading.Thread(
                target=user_loop,
                args=(base, openers[n], pages, budget, stop_at, stats, n, args.think),
            )
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()
        print(f"think time: {args.think} s on average", flush=True)
        errors, p95 = report(stats, time.monotonic() - started, args.users)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return 1 if args.strict and (errors or p95 > 500) else 0


if __name__ == "__main__":
    sys.exit(main())
