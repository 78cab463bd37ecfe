"""Figures of the category rules at region scale (issue 14).

A ФИС ОКО-shaped region from ``bench.fis_oko_region`` — 5,000 schools keyed by login, 70
municipalities, 4 years of ВПР × 7 cells (``BENCH_CELLS``), ≈ 140,000 result rows with counts
of marks, many cells of 1–9 pupils — is put straight into the database (``load_region``: plain
``bulk_create``; the import commands have their own bench), the region's published rule is
set («не менее 2 из 4 клеток (ВПР 4 и 5 класс × математика и русский язык) с не менее 10
участниками имеют 30 % и более отметок «2»», a one-year leader rule), and then measured:

* ``categories_recompute(region_id=…)`` from nothing (every decision written) — budget 30 s;
* the same again (nothing changed: every decision compared, none written);
* the region-wide pairing plan from results alone (``pairing_plan_create``, rolled back).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_categories \\
        .venv/bin/python -m bench.bench_categories [--schools 5000] [--years 4]
"""

from __future__ import annotations

import argparse
import sys
import time

from bench.make_region import _setup_django

BUDGET_S = 30.0
#: ФИС ОКО subject names → ``schools.models.Subject``.
SUBJECTS = {
    "Математика": "math",
    "Русский язык": "russian",
    "Окружающий мир": "surroundings",
    "История": "history",
    "Биология": "biology",
}
PUBLISHED_RULE = {
    "cell_kinds": ["vpr"],
    "cell_grades": [4, 5],
    "cell_subjects": ["math", "russian"],
    "min_participants": 10,
    "window_years": 1,
    "shnor_share_below": 30,
    "shnor_subjects_min": 2,
    "shnor_years_min": 1,
    "leader_years": 1,
    "leader_max_share_below": 0,
    "leader_share_4_5_min": 60,
}


def load_region(fis, *, with_coordinates: bool = True) -> int:
    """Put a :class:`bench.fis_oko_region.FisOkoRegion` into the database as it is (no import
    checks); the region's id. A region of that name already there is reused."""
    from decimal import Decimal

    from django.db import transaction

    from schools.models import AssessmentResult, Municipality, Organisation, Region
    from schools.normalize import normalize_name, sort_key

    existing = Region.objects.filter(name=fis.name).first()
    if existing is not None:
        return existing.pk
    with transaction.atomic():
        region = Region.objects.create(name=fis.name, code=fis.code)
        muns = Municipality.objects.bulk_create(
            [
                Municipality(
                    region=region,
                    name=m["Муниципалитет"],
                    oktmo=m["ОКТМО"],
                    latitude=Decimal(str(m["Широта"])),
                    longitude=Decimal(str(m["Долгота"])),
                )
                for m in fis.municipalities
            ]
        )
        mun_id = {m.name: m.pk for m in muns}
        orgs = []
        for s in fis.schools:
            lat, lon = s.get("Широта"), s.get("Долгота")
            orgs.append(
                Organisation(
                    municipality_id=mun_id[s["Муниципалитет"]],
                    login=s["Логин ФИС ОКО"],
                    short_name=s["Наименование ОО"],
                    full_name=s["Полное наименование ОО"],
                    normalized_name=normalize_name(s["Полное наименование ОО"]),
                    sort_name=sort_key(s["Наименование ОО"]),
                    address=s["Адрес"],
                    latitude=Decimal(str(lat)) if with_coordinates and lat is not None else None,
                    longitude=Decimal(str(lon)) if with_coordinates and lon is not None else None,
                )
            )
        org_id = {o.login: o.pk for o in Organisation.objects.bulk_create(orgs, batch_size=2000)}
        for year, rows in fis.results_by_year.items():
            AssessmentResult.objects.bulk_create(
                [
                    AssessmentResult(
                        organisation_id=org_id[r["Логин ОО"]],
                        year=year,
                        kind="vpr",
                        grade=r["Класс"],
                        subject=SUBJECTS[r["Предмет"]],
                        participants=r["Количество участников"],
                        count_2=r["Число «2»"],
                        count_3=r["Число «3»"],
                        count_4=r["Число «4»"],
                        count_5=r["Число «5»"],
                        below_threshold=r["Число «2»"],
                        average_mark=Decimal(str(r["Средний балл (отметка)"])),
                        average_score=Decimal(str(r["Средний первичный балл"])),
                    )
                    for r in rows
                ],
                batch_size=5000,
            )
    return region.pk


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schools", type=int, default=5000)
    parser.add_argument("--municipalities", type=int, default=70)
    parser.add_argument("--years", type=int, default=4)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args(argv)
    _setup_django()
    from django.db import transaction
    from django.db.models import Count

    from bench.fis_oko_region import BENCH_CELLS, make_fis_oko_region
    from partnerships.models import MatchingSettings
    from partnerships.services import pairing_plan_create
    from schools.models import AssessmentResult, CategoryAssignment, CategoryRules, Region
    from schools.services import categories_recompute

    started = time.perf_counter()
    fis = make_fis_oko_region(
        seed=args.seed,
        schools=args.schools,
        municipalities=args.municipalities,
        years=tuple(range(2025 - args.years + 1, 2026)),
        cells=BENCH_CELLS,
        coordinates=True,
        region_name=f"ФИС ОКО бенч {args.seed} ({args.schools} школ, {args.years} г.)",
    )
    region_id = load_region(fis)
    rows = AssessmentResult.objects.filter(organisation__municipality__region_id=region_id).count()
    print(
        f"region {region_id}: {args.schools} schools, {rows} results "
        f"(generated and loaded in {time.perf_counter() - started:.1f} s)"
    )
    CategoryRules.objects.update_or_create(region_id=region_id, defaults=PUBLISHED_RULE)
    MatchingSettings.objects.update_or_create(region_id=region_id, defaults={"default_capacity": 3})
    CategoryAssignment.objects.filter(organisation__municipality__region_id=region_id).delete()

    started = time.perf_counter()
    counts = categories_recompute(region_id=region_id)
    first = time.perf_counter() - started
    started = time.perf_counter()
    again = categories_recompute(region_id=region_id)
    second = time.perf_counter() - started
    latest = max(fis.years)
    by_category = dict(
        CategoryAssignment.objects.filter(
            organisation__municipality__region_id=region_id, year=latest, is_current=True
        )
        .values_list("category")
        .annotate(n=Count("pk"))
        .order_by()
    )
    print(f"categories from nothing: {first:.2f} s ({counts['changed']} decisions written)")
    print(f"categories again, nothing changed: {second:.2f} s ({again['unchanged']} compared)")
    print(f"{latest}: {by_category}")

    region = Region.objects.get(pk=region_id)
    started = time.perf_counter()
    with transaction.atomic():
        plan = pairing_plan_create(actor=None, region=region)
        paired = plan.rows.filter(provider__isnull=False).count()
        cross = plan.rows.filter(cross_municipality=True).count()
        total = plan.rows.count()
        transaction.set_rollback(True)
    planned = time.perf_counter() - started
    print(f"pairing plan from results: {planned:.2f} s, {paired} of {total} paired, {cross} across")
    ok = first <= BUDGET_S
    print(f"budget {BUDGET_S:.0f} s: {'ok' if ok else 'OVER'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
