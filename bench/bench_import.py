"""Loading a region from its ФИС ОКО files at scale (issue 14), through the two commands.

Generates a synthetic region (``bench/fis_oko_region.py``: schools keyed by login, no ИНН,
ВПР counts of marks) of 5,000 schools in 70 municipalities with 4 years × 7 grade × subject
cells (140,000 result rows), writes the files, and times:

- ``import_schools --region --create-municipalities --year`` (municipalities from the file);
- ``import_results --region --kind vpr --year Y`` for each year (35,000 rows each);
- the same files again (nothing changes).

Budget: all results loaded in under 60 s. Progress is printed as the commands print it.

    createdb -h 127.0.0.1 -U postgres portal_bench_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_import \\
        .venv/bin/python manage.py migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_import \\
        .venv/bin/python -m bench.bench_import [--schools 5000] [--years 4]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from bench.make_region import _setup_django

BUDGET_RESULTS_S = 60.0
REGION = "Бенчмарк-область ФИС ОКО"


class _Echo:
    """The commands' stdout: print each line at once, with the time since the start."""

    def __init__(self, started: float) -> None:
        self.started = started

    def write(self, text: str) -> None:
        for line in text.rstrip("\n").splitlines():
            if line.strip().startswith(("строка", "line")):
                continue  # the changes of a first load: thousands of lines
            print(f"[{time.perf_counter() - self.started:6.1f} s] {line}", flush=True)

    def flush(self) -> None:
        pass


def run(*, schools: int, years: int, municipalities: int) -> dict:
    from unittest import mock

    from django.core.management import call_command
    from django.db import connection

    from bench.fis_oko_region import (
        BENCH_CELLS,
        make_fis_oko_region,
        write_results_file,
        write_schools_file,
    )
    from schools.models import AssessmentResult, Municipality, Organisation, Region

    region_years = tuple(range(2025 - years, 2025))
    started = time.perf_counter()
    region = make_fis_oko_region(
        seed=14,
        schools=schools,
        municipalities=municipalities,
        years=region_years,
        cells=BENCH_CELLS,
        region_code="98",
        region_name=REGION,
    )
    figures: dict = {
        "database": connection.vendor,
        "load_before": os.getloadavg()[0],
        "generate_s": time.perf_counter() - started,
        "schools": len(region.schools),
        "municipalities": len(region.municipalities),
        "result_rows": len(region.results),
    }
    # A clean region each run, so that the first load creates everything.
    old = Region.objects.filter(name=REGION).first()
    if old is not None:
        Organisation.objects.filter(municipality__region=old).delete()
        Municipality.objects.filter(region=old).delete()
        old.delete()
    Region.objects.create(name=REGION, code="98")
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        schools_file = write_schools_file(out / "schools.csv", region)
        results_files = [
            write_results_file(out / f"vpr-{year}.csv", region, year=year) for year in region_years
        ]
        queued: set[int] = set()

        def later(*, organisation_ids=None, **kwargs):
            queued.update(organisation_ids or ())

        # The recompute after an import is a Celery task in production (eager in a bench
        # without a broker): it is timed on its own below, not inside the loading.
        patch = mock.patch("schools.services.categories_recompute_later", later)
        patch.start()
        for label in ("first", "again"):
            echo = _Echo(time.perf_counter())
            t0, c0 = time.perf_counter(), time.process_time()
            call_command(
                "import_schools",
                str(schools_file),
                region=REGION,
                create_municipalities=True,
                year=region_years[-1],
                stdout=echo,
            )
            figures[f"schools_{label}_s"] = time.perf_counter() - t0
            t0, c0 = time.perf_counter(), time.process_time()
            for year, path in zip(region_years, results_files, strict=True):
                call_command(
                    "import_results", str(path), region=REGION, kind="vpr", year=year, stdout=echo
                )
            figures[f"results_{label}_s"] = time.perf_counter() - t0
            figures[f"results_{label}_cpu_s"] = time.process_time() - c0
        patch.stop()
    from schools.services import categories_recompute

    t0 = time.perf_counter()
    categories_recompute(region_id=Region.objects.get(name=REGION).pk)
    figures["recompute_s"] = time.perf_counter() - t0
    figures["results_stored"] = AssessmentResult.objects.filter(
        organisation__municipality__region__name=REGION
    ).count()
    figures["load_after"] = os.getloadavg()[0]
    return figures


def report(figures: dict) -> str:
    rows = [
        ("database", figures["database"]),
        (
            "region",
            f"{figures['municipalities']} municipalities, {figures['schools']} schools, "
            f"{figures['result_rows']:,} ВПР result rows",
        ),
        ("files generated", f"{figures['generate_s']:.1f} s"),
        (
            "import_schools, first load (creates municipalities)",
            f"{figures['schools_first_s']:.1f} s",
        ),
        (
            f"import_results, {figures['result_rows']:,} rows, first load",
            f"{figures['results_first_s']:.1f} s wall, {figures['results_first_cpu_s']:.1f} s "
            f"CPU of the Python process (budget {BUDGET_RESULTS_S:.0f} s)",
        ),
        ("import_schools again (nothing changes)", f"{figures['schools_again_s']:.1f} s"),
        (
            "import_results again (nothing changes)",
            f"{figures['results_again_s']:.1f} s wall, {figures['results_again_cpu_s']:.1f} s CPU",
        ),
        ("categories of the region recomputed", f"{figures['recompute_s']:.1f} s"),
        ("results stored", f"{figures['results_stored']:,}"),
        (
            "machine load average",
            f"{figures['load_before']:.1f} before, {figures['load_after']:.1f} after",
        ),
    ]
    return "\n".join(f"| {a} | {b} |" for a, b in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=5000)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--municipalities", type=int, default=70)
    args = parser.parse_args(argv)
    _setup_django()
    figures = run(schools=args.schools, years=args.years, municipalities=args.municipalities)
    print("| measure | value |\n|---|---|")
    print(report(figures))
    ok = figures["results_first_s"] < BUDGET_RESULTS_S
    ok = ok and figures["results_stored"] == figures["result_rows"]
    print("within budget" if ok else "OVER BUDGET")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
