"""Issue 17's table at two sizes in one command: every figure, its growth, its budget.

Runs the existing benches as child processes, each with ``DATABASE_URL`` set to the size's
database and its figures kept as JSON (``--out``), then merges them into the issue's table
(figure | small | large | growth | budget/target | ok?). The measuring is theirs:

* ``bench_scale.py --fresh --reminders`` — the first reminder run (every notification deleted
  first) and the run with nothing to send after it (a full sweep and the incremental one);
* ``bench_scale.py --pages`` — page 1 of the heatmap of the largest municipality and of the
  roadmaps overview: time and HTML size;
* ``bench_region_figures.py`` — match one school, the impact page, the coordinator's home page,
  and the coordinator asking for a pairing plan (the solver must not run in the request);
* ``bench_bare.py`` — the school list, the school card and a roadmap page against a bare page of
  the same rows, in alternating pairs;
* ``bench_plan.py`` — the pairing plan alone (no database), ``300x100`` beside the small region
  and ``3000x1000`` beside the large one, each in a child process of its own (time, peak memory).

A row misses when a figure grows faster than the data (its growth is more than the ratio of the
two regions' schools: 10× for 2,000 → 20,000; for the pairing plan, of the school–provider
pairs it scores: 100× for 300 × 100 → 3,000 × 1,000), when it is over its budget, or when a page
is more than 2× its bare page. The command exits 0 either way and names the rows that miss::

    .venv/bin/python bench/bench_issue17.py --populate \\
        --small-db postgres://postgres@127.0.0.1:5432/portal_i17_2k \\
        --large-db postgres://postgres@127.0.0.1:5432/portal_i17_20k
    .venv/bin/python bench/bench_issue17.py --table-only      # the table of the last run again

``--populate`` creates each database if missing and generates its region with
``bench_reports.py --schools N --populate-only`` (2,000 and 20,000 by default; reused when
already there), then ``VACUUM ANALYZE``. ``--cache-url`` gives the children a shared cache (as a
deployment with Redis has; a key prefix per size keeps the two regions' entries apart).
``--broker-url`` runs the first reminder run as the beat does in production: a Celery worker
(``--workers`` processes) is started on the size's database and that broker, the run's chunks
are queued for it and timed to the last letter (``bench_scale.py --fan-out``), and the worker is
stopped after; without it the run composes every letter in one process.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
SIZES = ("small", "large")
PAGE_RATIO = 2.0


@dataclass(frozen=True)
class Row:
    """One line of the table: where its figure is (a bench's JSON and the key in it) and what
    it must meet. ``budget`` is checked at both sizes; ``growth`` against the data's ratio."""

    label: str
    source: str
    key: str
    unit: str = ""
    scale: float = 1.0  # the JSON's value × scale is shown (ms → s)
    budget: float | None = None
    budget_text: str = ""
    growth: bool = True
    expect: str | None = None  # a yes/no figure that must read this at both sizes


ROWS = (
    Row("schools", "figures", "schools", growth=False),
    Row("largest municipality, schools", "pages", "largest municipality", growth=False),
    Row(
        "reminder run with nothing to send",
        "reminders",
        "reminder run, nothing to send, ms",
        "s",
        0.001,
        budget=2.0,
    ),
    Row(
        "reminder run with nothing to send, full sweep (first of a week)",
        "reminders",
        "reminder run, nothing to send, full sweep (first of the week), ms",
        "s",
        0.001,
    ),
    Row("reminder run, first", "reminders", "reminder run, first, s", "s", budget=60.0),
    Row(
        "reminder run, first: reminders sent",
        "reminders",
        "reminder run, first, reminders",
        growth=False,
    ),
    Row("pairing plan, schools × providers", "plan", "size", growth=False),
    Row("pairing plan, time", "plan", "seconds", "s", budget=30.0),
    Row("pairing plan, peak memory of its child alone", "plan", "peak_mb", "MB", budget=500.0),
    Row(
        "pairing plan run in the web request",
        "figures",
        "pairing plan in the web request",
        growth=False,
        expect="no",
        budget_text="no (a Celery job)",
    ),
    Row(
        "heatmap, largest municipality, page 1",
        "pages",
        "heatmap, largest municipality, page 1, ms",
        "ms",
    ),
    Row("heatmap page 1, HTML", "pages", "heatmap, largest municipality, page 1, KB", "KB"),
    Row("roadmaps overview, page 1", "pages", "roadmaps overview, page 1, ms", "ms"),
    Row("roadmaps overview page 1, HTML", "pages", "roadmaps overview, page 1, KB", "KB"),
    Row("match one school", "figures", "match one school, ms", "ms", budget=300.0),
    Row("impact page", "figures", "impact page (region), ms", "ms"),
    Row("coordinator dashboard (home page)", "figures", "coordinator home page, ms", "ms"),
    *(
        Row(
            f"{label} ÷ bare page",
            "bare",
            f"{label}, ratio",
            "×",
            budget=PAGE_RATIO,
            growth=False,
        )
        for label in ("school list, 50 per page", "school card, whole", "roadmap page, 200 items")
    ),
)


@dataclass(frozen=True)
class Line:
    label: str
    small: str
    large: str
    growth: str
    target: str
    misses: tuple[str, ...]  # why the row misses its target (a figure not measured too)


def _number(value) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _shown(value, unit: str, scale: float) -> str:
    number = _number(value)
    if number is None:
        return "—" if value is None else str(value)
    if unit == "×":
        return f"{number:.2f}×"
    number *= scale
    if (isinstance(value, int) and scale == 1) or abs(number) >= 100:
        text = f"{number:,.0f}"
    else:
        text = f"{number:.1f}" if abs(number) >= 10 else f"{number:.2f}"
    return f"{text} {unit}".strip()


def data_ratio(results: dict, source: str) -> float | None:
    """How much more data the large column has: schools for the region's figures; for the
    plan's, the pairs it scores (every school against every provider: 10× the schools and 10×
    the providers are 100× the data)."""
    if source == "plan":
        sizes = [results.get(size, {}).get("plan", {}).get("pairs_asked") for size in SIZES]
    else:
        sizes = [
            next((r["schools"] for r in results.get(size, {}).values() if "schools" in r), None)
            for size in SIZES
        ]
    small, large = sizes
    return large / small if small and large else None


def table(results: dict) -> list[Line]:
    """The issue's table from ``{"small": {source: figures}, "large": {…}}``."""
    lines = []
    for row in ROWS:
        values = [results.get(size, {}).get(row.source, {}).get(row.key) for size in SIZES]
        small, large = values
        misses: list[str] = []
        targets: list[str] = []
        growth = "—"
        limit = data_ratio(results, row.source) if row.growth else None
        if row.growth:
            targets.append(f"growth ≤ {limit:.1f}×" if limit else "growth ≤ the data's")
        if _number(small) and _number(large) is not None:
            ratio = _number(large) / _number(small)
            growth = f"{ratio:.1f}×"
            if limit and ratio > limit:
                data = "the pairs" if row.source == "plan" else "the data"
                misses.append(f"grows {ratio:.1f}× for {limit:.1f}× {data}")
        if row.budget is not None:
            budget = f"{row.budget:g}×" if row.unit == "×" else f"{row.budget:g} {row.unit}"
            targets.append(f"≤ {budget}")
            for size, value in zip(SIZES, values, strict=True):
                if _number(value) is not None and _number(value) * row.scale > row.budget:
                    misses.append(f"{size}: over {budget}")
        if row.expect is not None:
            targets.append(row.budget_text or row.expect)
            misses += [
                f"{size}: {v}"
                for size, v in zip(SIZES, values, strict=True)
                if v is not None and v != row.expect
            ]
        checked = row.growth or row.budget is not None or row.expect is not None
        if checked and (small is None or large is None):
            misses.append("not measured")
        lines.append(
            Line(
                label=row.label,
                small=_shown(small, row.unit, row.scale),
                large=_shown(large, row.unit, row.scale),
                growth=growth,
                target=", ".join(targets) or "—",
                misses=tuple(misses),
            )
        )
    return lines


def render(lines: list[Line], *, headers: tuple[str, str] = ("2,000", "20,000")) -> str:
    """The table as Markdown (the issue's shape), then the rows that miss, named."""
    out = [
        f"| figure | {headers[0]} | {headers[1]} | growth | budget/target | ok? |",
        "|---|---:|---:|---:|---|---|",
    ]
    for line in lines:
        checked = line.target != "—"
        ok = ("MISS: " + "; ".join(line.misses)) if line.misses else ("ok" if checked else "")
        out.append(
            f"| {line.label} | {line.small} | {line.large} | {line.growth} | {line.target} | {ok} |"
        )
    missed = [line for line in lines if line.misses]
    out.append("")
    if missed:
        out.append(f"{len(missed)} row(s) miss their target:")
        out += [f"  - {line.label}: {'; '.join(line.misses)}" for line in missed]
    else:
        out.append("Every row meets its target.")
    return "\n".join(out)


def load(out_dir: Path) -> dict:
    """Every bench's JSON of the last run, as ``table`` takes them."""
    results: dict = {}
    for size in SIZES:
        results[size] = {}
        for path in sorted((out_dir / size).glob("*.json")):
            figures = json.loads(path.read_text())
            if path.stem == "plan":  # {"300x100": {...}, "load average": …}: the one size
                size_key = next(k for k in figures if re.fullmatch(r"\d+x\d+", k))
                how = {k: v for k, v in figures.items() if k in ("load average", "run with")}
                schools, providers = (int(n) for n in size_key.split("x"))
                figures = {**figures[size_key], **how, "pairs_asked": schools * providers}
            results[size][path.stem] = figures
    return results


def _with_prefix(cache_url: str, prefix: str) -> str:
    parts = urllib.parse.urlsplit(cache_url)
    query = [*urllib.parse.parse_qsl(parts.query), ("key_prefix", prefix)]
    return urllib.parse.urlunsplit(parts._replace(query=urllib.parse.urlencode(query)))


def populate(database_url: str, schools: int, env: dict) -> None:
    """The database (created if missing), its migrations and region, fresh statistics."""
    import psycopg2

    from bench.load.run import _ensure_database

    _ensure_database(database_url)
    bench = [PYTHON, "bench/bench_reports.py", "--schools", str(schools), "--populate-only"]
    subprocess.run(bench, cwd=ROOT, env=env, check=True)  # noqa: S603 (migrates first)
    parts = urllib.parse.urlparse(database_url)
    conn = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.path.lstrip("/"),
    )
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    conn.close()


@contextmanager
def celery_worker(env: dict, processes: int, log: Path):
    """A Celery worker for the fan-out reminder run, ready before it yields its pid (so the
    run's time is not the worker's start-up); stopped at the end."""
    celery = str(Path(PYTHON).with_name("celery"))
    with log.open("w") as output:
        worker = subprocess.Popen(  # noqa: S603 (the project's own worker)
            [celery, "-A", "network_portal", "worker", "-c", str(processes), "-l", "INFO"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180
        while " ready." not in log.read_text():
            if worker.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the Celery worker did not start, see {log}")
            time.sleep(0.5)
        yield worker.pid
    finally:
        worker.send_signal(signal.SIGTERM)  # a warm shutdown: the pool's processes end too
        try:
            worker.wait(timeout=60)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _run(size: str, name: str, command: list[str], out: Path, env: dict) -> None:
    print(f"== {size}: {name}", flush=True)
    out.unlink(missing_ok=True)  # a failed bench leaves «not measured», not old figures
    done = subprocess.run(  # noqa: S603 (our own benches)
        [PYTHON, *command, "--out", str(out)], cwd=ROOT, env=env, check=False
    )
    if done.returncode and not out.exists():
        print(f"!! {size}: {name} failed (exit {done.returncode})", flush=True)
        return
    # how it ran, for the table's footer (a rerun with --only may differ from the others)
    figures = json.loads(out.read_text())
    figures["run with"] = ", ".join(
        ["shared cache" if "CACHE_URL" in env else "per-process cache"]
        + (["fan-out"] if "--fan-out" in command else [])
    )
    out.write_text(json.dumps(figures, ensure_ascii=False, indent=1))


def conditions(results: dict) -> list[str]:
    """Per bench, the load average at its start at each size and how it ran."""
    lines = []
    for name in ("reminders", "pages", "figures", "bare", "plan"):
        runs = [results.get(size, {}).get(name, {}) for size in SIZES]
        loads = " / ".join(str(r.get("load average", "—")) for r in runs)
        how = sorted({r["run with"] for r in runs if "run with" in r})
        lines.append(f"{name}: load average {loads}" + (f"; {' | '.join(how)}" if how else ""))
    return lines


def measure(size: str, database_url: str | None, out_dir: Path, args) -> None:
    """Each bench of one size, one after the other, its JSON in ``out_dir/size``."""
    folder = out_dir / size
    folder.mkdir(parents=True, exist_ok=True)
    # no broker but the fan-out's: the benches run Celery eagerly, as they do alone
    env = {k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"}
    env["PYTHONPATH"] = str(ROOT)
    if database_url:
        env["DATABASE_URL"] = database_url
    if args.cache_url:
        env["CACHE_URL"] = _with_prefix(args.cache_url, f"i17-{size}")
    repeat = str(args.repeat)
    benches = {
        "reminders": ["bench/bench_scale.py", "--fresh", "--reminders", "--repeat", repeat],
        "pages": ["bench/bench_scale.py", "--pages", "--repeat", repeat],
        "figures": ["bench/bench_region_figures.py", "--repeat", repeat],
        "bare": ["bench/bench_bare.py", "--pairs", str(args.pairs), "--rounds", str(args.rounds)],
        "plan": ["-m", "bench.bench_plan", "--size", getattr(args, f"plan_{size}")],
    }
    if database_url and args.populate:
        print(f"== {size}: populating {getattr(args, f'{size}_schools'):,} schools", flush=True)
        populate(database_url, getattr(args, f"{size}_schools"), env)
    for name, command in benches.items():
        if args.only and name not in args.only:
            continue
        if name != "plan" and not database_url:
            continue
        out = folder / f"{name}.json"
        if name == "reminders" and args.broker_url:
            fan_out = {**env, "CELERY_BROKER_URL": args.broker_url, "EMAIL_URL": "memorymail://"}
            try:
                with celery_worker(fan_out, args.workers, folder / "worker.log") as pid:
                    command = [*command, "--fan-out", "--worker-pid", str(pid)]
                    _run(size, name, command, out, fan_out)
            except RuntimeError as exc:
                out.unlink(missing_ok=True)
                print(f"!! {size}: {name} not run: {exc}", flush=True)
        else:
            _run(size, name, command, out, env)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small-db", help="DATABASE_URL of the small region (PostgreSQL)")
    parser.add_argument("--large-db", help="DATABASE_URL of the large region (PostgreSQL)")
    parser.add_argument("--populate", action="store_true", help="generate the regions first")
    parser.add_argument("--small-schools", type=int, default=2000)
    parser.add_argument("--large-schools", type=int, default=20000)
    parser.add_argument("--plan-small", default="300x100")
    parser.add_argument("--plan-large", default="3000x1000")
    parser.add_argument("--repeat", type=int, default=5, help="medians of (reminders, pages)")
    parser.add_argument("--pairs", type=int, default=30, help="bench_bare.py's pairs per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--cache-url", help="CACHE_URL for the children (e.g. Redis)")
    parser.add_argument(
        "--broker-url", help="fan the first reminder run out to a Celery worker on this broker"
    )
    parser.add_argument("--workers", type=int, default=2, help="the worker's processes")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("reminders", "pages", "figures", "bare", "plan"),
        help="run only these benches (the others' JSON of a former run stays in the table)",
    )
    parser.add_argument("--out-dir", default="bench/out/issue17")
    parser.add_argument("--table-only", action="store_true", help="print the last run's table")
    args = parser.parse_args(argv)
    out_dir = ROOT / args.out_dir
    if not args.table_only:
        if not (args.small_db and args.large_db):
            parser.error("--small-db and --large-db are needed (or --table-only)")
        for size in SIZES:
            measure(size, getattr(args, f"{size}_db"), out_dir, args)
    results = load(out_dir)
    print()
    print(render(table(results), headers=_headers(results)))
    print("\n" + "\n".join(conditions(results)))
    print(f"JSON: {out_dir}/{{small,large}}/*.json; load average now {os.getloadavg()[0]:.1f}")
    return 0


def _headers(results: dict) -> tuple[str, str]:
    schools = [results.get(size, {}).get("figures", {}).get("schools") for size in SIZES]
    return tuple(f"{n:,}" if n else size for n, size in zip(schools, SIZES, strict=True))


if __name__ == "__main__":
    sys.exit(main())
