"""Figures of risk-profile scoring and the municipality heatmap at region scale (issue 5).

Builds (or reuses) a region of 2,000 schools in 6 municipalities with ``bench.make_region``,
opens an entry cycle in each municipality, fills every questionnaire with seeded random answers
and measures:

* the pure scoring (``scoring.score_profile``) of the 2,000 questionnaires;
* the whole computation with storage (``services.profile_compute``: computed indicators from
  context and results, scoring, the profile and its ten explained levels) — budget 10 s;
* the heatmap of the largest municipality (300+ schools × 10 factors): time and queries.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_diagnostics \\
        .venv/bin/python -m bench.bench_diagnostics [--schools 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime
import random
import statistics
import sys
import time

from bench.make_region import _setup_django, make_region

BUDGET = {"compute_s": 10.0, "heatmap_ms": 1000}
REGION = "Бенчмарк диагностики"


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _prepare(summary, seed: int):
    from diagnostics import services
    from diagnostics.models import Answer, Cycle, CycleKind, Questionnaire, QuestionnaireStatus
    from schools.models import Municipality, Organisation

    Cycle.objects.filter(municipality__region_id=summary.region_id).delete()
    rng = random.Random(seed)
    for municipality in Municipality.objects.filter(region_id=summary.region_id):
        services.cycle_open(
            municipality=municipality,
            kind=CycleKind.ENTRY,
            title="Входная диагностика (бенчмарк)",
            opens_on=datetime.date(2025, 3, 1),
            closes_on=datetime.date(2025, 4, 1),
            schools=Organisation.objects.schools().filter(municipality=municipality),
            user=None,
            notify=False,
        )
    questionnaires = list(
        Questionnaire.objects.filter(cycle__municipality__region_id=summary.region_id)
        .select_related("cycle", "organisation", "instrument")
        .order_by("pk")
    )
    spec = services.instrument_spec(instrument=questionnaires[0].instrument)
    questions = [i for i in spec.indicators if not i.computed]
    answers = {}
    rows = []
    for q in questionnaires:
        bias = rng.random()  # some schools answer mostly "risky", others mostly "fine"
        chosen = {}
        for indicator in questions:
            options = sorted(indicator.options, key=lambda o: o.score)
            k = min(len(options) - 1, int(rng.random() * bias * len(options) * 1.5))
            chosen[indicator.id] = options[k].id
            rows.append(Answer(questionnaire=q, indicator_id=indicator.id, option_id=options[k].id))
        answers[q.pk] = chosen
    Answer.objects.bulk_create(rows, batch_size=5000)
    Questionnaire.objects.filter(pk__in=[q.pk for q in questionnaires]).update(
        status=QuestionnaireStatus.SUBMITTED
    )
    return questionnaires, spec, answers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    _setup_django()

    from django.db import connection, transaction
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from diagnostics import exports, pages, scoring, selectors, services
    from diagnostics.forms import HeatmapFilterForm
    from diagnostics.models import RiskProfile
    from network_portal.accounts.models import User
    from schools.models import Municipality

    summary = make_region(
        seed=args.seed, municipalities=6, schools=args.schools, years=3, name=REGION
    )
    started = time.perf_counter()
    questionnaires, spec, answers = _prepare(summary, args.seed)
    prepare_s = time.perf_counter() - started
    n = len(questionnaires)

    def pure():
        for q in questionnaires:
            scoring.score_profile(instrument=spec, answers=answers[q.pk], computed={})

    def compute():
        services.profiles_compute(
            questionnaires=questionnaires, specs={spec_instrument: spec}, answers=answers
        )

    def compute_one_by_one():
        with transaction.atomic():
            for q in questionnaires:
                services.profile_compute(questionnaire=q, spec=spec, answers=answers[q.pk])

    spec_instrument = questionnaires[0].instrument_id
    pure_s, _ = _timed(pure, args.repeat)
    compute_s, _ = _timed(compute, args.repeat)
    one_by_one_s, _ = _timed(compute_one_by_one, 1)
    profiles = RiskProfile.objects.filter(organisation__municipality__region_id=summary.region_id)

    if connection.vendor == "postgresql":
        # the repeated recomputation above leaves dead rows; autovacuum would clean them
        with connection.cursor() as cursor:
            for table in ("diagnostics_factorlevel", "diagnostics_riskprofile"):
                cursor.execute(f"VACUUM ANALYZE {table}")
    municipality = max(
        Municipality.objects.filter(region_id=summary.region_id),
        key=lambda m: m.organisations.count(),
    )
    admin = User.objects.filter(is_superuser=True).first() or User.objects.create_superuser(
        email="bench-admin@example.test", password="bench-admin-42"
    )
    request = RequestFactory().get("/diagnostics/heatmap/", {"municipality": municipality.pk})
    request.user = admin

    def heatmap():
        form = HeatmapFilterForm(
            request.GET, municipalities=Municipality.objects.filter(region_id=summary.region_id)
        )
        assert form.is_valid(), form.errors
        filters = form.filters()
        return selectors.heatmap_data(
            municipality=filters.municipality,
            cycle=filters.cycle,
            category=filters.category,
            per_page=pages.HEATMAP_PER_PAGE,
        )

    heatmap()
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        heatmap_page = heatmap()
    heatmap_s, _ = _timed(heatmap, args.repeat)
    xlsx_s, _ = _timed(
        lambda: exports.heatmap_workbook(
            selectors.heatmap_data(municipality=municipality, per_page=None)
        ),
        1,
    )

    rows = [
        ("questionnaires (schools)", f"{n}", ""),
        ("prepare: cycles + answers", f"{prepare_s:.1f} s", ""),
        ("pure scoring, all", f"{pure_s:.2f} s", f"{1000 * pure_s / n:.2f} ms each"),
        (
            "compute + store profiles (bulk)",
            f"{compute_s:.2f} s",
            f"budget {BUDGET['compute_s']:.0f} s; {1000 * compute_s / n:.2f} ms each",
        ),
        (
            "  the same, one submit at a time",
            f"{one_by_one_s:.2f} s",
            f"{1000 * one_by_one_s / n:.2f} ms each (the submit path)",
        ),
        ("profiles stored", f"{profiles.count()}", "one per questionnaire"),
        (
            f"heatmap {len(heatmap_page.rows)} schools x 10",
            f"{1000 * heatmap_s:.0f} ms",
            f"{len(queries)} queries; budget {BUDGET['heatmap_ms']} ms",
        ),
        ("heatmap XLSX export", f"{1000 * xlsx_s:.0f} ms", ""),
    ]
    print(f"database: {connection.vendor}")
    for label, value, note in rows:
        print(f"{label:<36} {value:>12}  {note}")
    over = compute_s > BUDGET["compute_s"] or 1000 * heatmap_s > BUDGET["heatmap_ms"]
    if over:
        print("OVER BUDGET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
