"""Figures of the schools registry at region scale (issue 4).

Prints, for the school list (50 per page, with filters) and the school card, the number of
SQL queries and the p50/p95 latency through Django's test client; the time to import 5,000
rows (and to import them again: zero changes); the time to recompute the categories of every
school of the region. Budgets: < 15 queries, p95 < 250 ms, import < 60 s, recompute < 30 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_schools \\
        .venv/bin/python -m bench.bench_schools [--schools 2000] [--requests 40]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

from bench.make_region import _setup_django, make_region

BUDGET = {"queries": 15, "p95_ms": 250, "import_s": 60, "recompute_s": 30}


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _measure(client, urls: list[str]) -> tuple[int, float, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(urls[0])  # warm caches, session, content types
    times, queries = [], []
    for url in urls:
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        queries.append(len(captured))
    return max(queries), _percentile(times, 0.5), _percentile(times, 0.95)


def _import_csv(municipality_names: list[str], rows: int, seed: int) -> bytes:
    from bench.make_region import _inn

    rng = random.Random(seed)
    lines = ["Наименование;ИНН;Муниципалитет;Адрес;Телефон;Широта;Долгота"]
    for i in range(rows):
        mun = rng.choice(municipality_names)
        lines.append(
            f"МБОУ «Школа импорта № {i + 1}»;{_inn('49', 500_000 + i)};{mun};"
            f"ул. Новая, д. {i % 90 + 1};+7 900 {i:07d};{55 + rng.random():.6f}".replace(".", ",")
            + f";{37 + rng.random():.6f}".replace(".", ",")
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1251")


def run(*, seed: int, schools: int, municipalities: int, requests: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment

    from network_portal.accounts.models import Role, RoleAssignment, User
    from schools.models import ImportKind, Municipality, Organisation, Region
    from schools.services import (
        categories_recompute,
        import_run_apply,
        import_run_create,
        import_run_preview,
    )

    setup_test_environment()
    figures: dict = {"database": connection.vendor, "load_before": os.getloadavg()[0]}
    started = time.perf_counter()
    summary = make_region(seed=seed, schools=schools, municipalities=municipalities)
    # A previous run's imported rows would make the first import a no-op: start clean.
    imported = Organisation.objects.filter(short_name__startswith="МБОУ «Школа импорта")
    if imported.filter(municipality__region_id=summary.region_id).delete()[0]:
        summary = make_region(seed=seed, schools=schools, municipalities=municipalities)
    figures["region"] = summary.as_dict()
    if connection.vendor == "postgresql":  # fresh bulk data: give the planner its statistics
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    figures["generate_s"] = time.perf_counter() - started

    started = time.perf_counter()
    counts = categories_recompute(region_id=summary.region_id)
    figures["recompute_first_s"] = time.perf_counter() - started
    started = time.perf_counter()
    categories_recompute(region_id=summary.region_id)
    figures["recompute_s"] = time.perf_counter() - started
    figures["recompute_counts"] = counts

    coordinator, _ = User.objects.get_or_create(email=f"bench-coordinator-{seed}@bench.local")
    RoleAssignment.objects.get_or_create(
        user=coordinator, role=Role.COORDINATOR, region_id=summary.region_id
    )
    client = Client()
    client.force_login(coordinator)
    rng = random.Random(seed)
    year = summary.years[-1]
    pages = max(1, len(summary.school_ids) // 50)
    list_urls = []
    for i in range(requests):
        params = [f"year={year}", f"page={rng.randint(1, pages)}"]
        if i % 3 == 0:
            params.append(f"municipality={rng.choice(summary.municipality_ids)}")
        if i % 4 == 1:
            params.append(f"category={rng.choice(['shnor', 'risk', 'leader', 'other'])}")
        if i % 5 == 2:
            params.append("kind=school&sort=-category")
        if i % 7 == 3:
            params.append("q=школа")
        list_urls.append("/schools/?" + "&".join(params))
    figures["list"] = _measure(client, list_urls)
    card_urls = [
        f"/schools/{pk}/"
        for pk in rng.sample(summary.school_ids, min(requests, len(summary.school_ids)))
    ]
    figures["card"] = _measure(client, card_urls)
    # The card without the sections other apps register (the schools.card slot): its own part.
    from network_portal.ui import slots

    saved, slots._CONTRIBUTIONS["schools.card"] = slots._CONTRIBUTIONS["schools.card"], {}
    try:
        figures["card_own"] = _measure(client, card_urls)
    finally:
        slots._CONTRIBUTIONS["schools.card"] = saved
    from django.db.models import Count

    from schools.models import CategoryAssignment

    figures["categories"] = dict(
        CategoryAssignment.objects.filter(
            organisation__municipality__region_id=summary.region_id, year=year, is_current=True
        )
        .values_list("category")
        .annotate(n=Count("pk"))
        .order_by("category")
    )

    names = list(
        Municipality.objects.filter(region_id=summary.region_id).values_list("name", flat=True)
    )
    data = _import_csv(names, 5000, seed)
    region = Region.objects.get(pk=summary.region_id)
    # The wizard's check (preview) of the same file: once, in the worker, stored on the run.
    started = time.perf_counter()
    run_, table = import_run_create(
        data=data,
        file_name="bench-5000.csv",
        kind=ImportKind.SCHOOLS,
        region=region,
        source="bench",
        keep_file=False,
    )
    import_run_preview(run=run_, table=table)
    figures["check_s"] = time.perf_counter() - started
    for label in ("import_s", "reimport_s"):
        started = time.perf_counter()
        run_, table = import_run_create(
            data=data,
            file_name="bench-5000.csv",
            kind=ImportKind.SCHOOLS,
            region=region,
            source="bench",
            keep_file=False,
        )
        run_ = import_run_apply(run=run_, table=table)
        figures[label] = time.perf_counter() - started
        figures[label.replace("_s", "_counts")] = {
            k: run_.counts.get(k) for k in ("new", "updated", "unchanged", "invalid")
        }
    figures["organisations_after"] = Organisation.objects.filter(
        municipality__region_id=summary.region_id
    ).count()
    # Leave the region as generated, so that the next run measures the same data.
    Organisation.objects.filter(
        municipality__region_id=summary.region_id, short_name__startswith="МБОУ «Школа импорта"
    ).delete()
    figures["load_after"] = os.getloadavg()[0]
    return figures


def report(figures: dict) -> str:
    rows = [
        ("database", figures["database"], ""),
        (
            "machine load average",
            f"{figures['load_before']:.1f} before, {figures['load_after']:.1f} after ({os.cpu_count()} CPUs)",
            "",
        ),
        (
            "region",
            f"{figures['region']['municipalities']} municipalities, {figures['region']['schools']} schools, "
            f"{figures['region']['results']} results",
            "",
        ),
    ]
    for key, label in (
        ("list", "school list (50/page, filters)"),
        ("card", "school card, whole (every section registered)"),
        ("card_own", "school card (schools part only)"),
    ):
        queries, p50, p95 = figures[key]
        ok = queries < BUDGET["queries"] and p95 < BUDGET["p95_ms"]
        rows.append(
            (
                label,
                f"{queries} queries, p50 {p50:.0f} ms, p95 {p95:.0f} ms",
                "ok" if ok else "OVER",
            )
        )
    rows.append(("categories (last year)", str(figures["categories"]), ""))
    rows.append(("check 5,000 rows (the wizard's preview)", f"{figures['check_s']:.1f} s", ""))
    rows.append(
        (
            "import 5,000 rows",
            f"{figures['import_s']:.1f} s {figures['import_counts']}",
            "ok" if figures["import_s"] < BUDGET["import_s"] else "OVER",
        )
    )
    rows.append(
        (
            "same file again",
            f"{figures['reimport_s']:.1f} s {figures['reimport_counts']}",
            "ok"
            if figures["reimport_counts"]["new"] == 0 and figures["reimport_counts"]["updated"] == 0
            else "CHANGED",
        )
    )
    rows.append(
        (
            "recompute categories",
            f"{figures['recompute_s']:.1f} s (first run {figures['recompute_first_s']:.1f} s)",
            "ok" if figures["recompute_first_s"] < BUDGET["recompute_s"] else "OVER",
        )
    )
    width = max(len(r[0]) for r in rows)
    return "\n".join(
        f"{name:<{width}}  {value}  {verdict}".rstrip() for name, value, verdict in rows
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Schools registry bench")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--municipalities", type=int, default=60)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args(argv)
    _setup_django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    figures = run(
        seed=args.seed,
        schools=args.schools,
        municipalities=args.municipalities,
        requests=args.requests,
    )
    print(report(figures))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
