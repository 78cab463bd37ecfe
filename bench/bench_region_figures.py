"""Issue 17, item 4 at one size: matching one school, the impact page and the coordinator's
home page, per request, on a region from ``bench/bench_reports.py --populate-only``; two runs
(2,000 and 20,000 schools) give the growth ratio with ``--compare``.

Each figure is the median of ``--repeat`` runs after a warm-up, in this process (the cache is
the default per-process one, as a single worker's):

* match one school — ``partnerships.selectors.partner_suggestions(top=10)`` of a ШНОР school
  with a risk profile against every organisation of the region, on the precomputed rows; the
  same after the data changed (the rows read again: the first request after a new profile);
  and the full ranking of every candidate the way it was done before, for reference;
* the suggestion page of that school, the impact page (region) and the coordinator's home
  page through Django's test client (whole middleware, the coordinator's session), served
  from the aggregates; and the beat task that refreshes them (``reports.refresh_figures``),
  which is where the region-wide work now happens;
* the coordinator asking for a pairing plan of the region (``POST`` to the plans page, the
  job's queue stubbed out): the request's time, and whether the solver ran in it — it must
  not (issue 17: the plan is built by a Celery job, never in a web request).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_i17match \\
        .venv/bin/python bench/bench_reports.py --schools 2000 --populate-only
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_i17match \\
        .venv/bin/python bench/bench_region_figures.py --out bench/out/figures-2000.json
    (the same with portal_i17match_20k, --schools 20000, figures-20000.json)
    .venv/bin/python bench/bench_region_figures.py --compare bench/out/figures-2000.json \\
        bench/out/figures-20000.json
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_scale import compare, report  # noqa: E402


def _median_ms(func, repeat: int, cpu: dict | None = None, label: str = "") -> int:
    """Median wall time in ms; with ``cpu``, this process's median CPU time goes there too (the
    machine is shared: CPU time is what the code costs, wall time what a user waited)."""
    runs, cpus = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        func()
        runs.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu_started)
    if cpu is not None:
        cpu[f"{label}, CPU ms"] = round(statistics.median(cpus) * 1000)
    return round(statistics.median(runs) * 1000)


def measure(repeat: int) -> dict:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    settings.ALLOWED_HOSTS = ["*"]
    from network_portal.accounts.models import Role, RoleAssignment
    from partnerships import matching, selectors
    from reports.aggregates import figures_refresh
    from schools.models import CategoryAssignment, Organisation

    with connection.cursor() as cursor:  # fresh statistics after the generation
        cursor.execute("ANALYZE")
    coordinator = RoleAssignment.objects.filter(role=Role.COORDINATOR).first().user
    school_id = (
        CategoryAssignment.objects.filter(
            category="shnor", is_current=True, organisation__risk_profiles__isnull=False
        )
        .order_by("organisation_id")
        .values_list("organisation_id", flat=True)
        .first()
    )
    school = Organisation.objects.select_related("municipality").get(pk=school_id)
    region_id = school.municipality.region_id
    figures: dict = {
        "schools": Organisation.objects.schools().count(),
        "load average": round(os.getloadavg()[0], 1),
    }

    def suggest():
        return selectors.partner_suggestions(organisation=school, top=10)

    suggest()
    figures["match one school, ms"] = _median_ms(suggest, repeat, figures, "match one school")
    with CaptureQueriesContext(connection) as captured:
        suggest()
    figures["match one school, queries"] = len(captured)

    def after_a_change():
        cache.clear()  # what a new risk profile does: the region's rows are read again
        suggest()

    figures["match one school after a change, ms"] = _median_ms(after_a_change, 3)

    def full_ranking():  # how every candidate was ranked before (reference)
        config = selectors.matching_config(region_id=region_id)
        candidates = selectors.matching_candidates(
            organisations=Organisation.objects.filter(municipality__region_id=region_id),
            default_capacity=config.default_capacity,
        )
        return matching.rank_candidates(
            school=selectors.matching_school(organisation=school),
            candidates=candidates,
            weights=config.weights,
            factor_names=selectors.factor_names(),
            top=10,
        )

    fast = [(m.candidate.id, m.score, m.reasons) for m in suggest()[1]]
    full = [(m.candidate.id, m.score, m.reasons) for m in full_ranking()]
    assert fast == full, "the precomputed rows ranked differently"
    figures["full ranking of every candidate (before), ms"] = _median_ms(full_ranking, 3)

    started = time.perf_counter()
    figures["beat: aggregates refreshed, entries"] = figures_refresh()
    figures["beat: aggregates refreshed, ms"] = round((time.perf_counter() - started) * 1000)

    client = Client()
    client.force_login(coordinator)

    def get(url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    for label, url in (
        ("suggestion page", reverse("partnerships:suggest", args=[school.pk])),
        ("impact page (region)", reverse("reports:impact")),
        ("coordinator home page", reverse("ui:home")),
    ):
        get(url)()
        figures[f"{label}, ms"] = _median_ms(get(url), repeat, figures, label)
    figures.update(_plan_request(client))
    return figures


def _plan_request(client) -> dict:
    """The coordinator asks for a pairing plan of the whole region, as the plans page's form
    does. The documents queue is stubbed out (so the eager Celery of the bench does not build
    the plan right after the request's commit) and the solver wrapped to notice a call: the
    request must queue one job and never run ``plan_pairings`` itself."""
    from django.urls import reverse

    from network_portal.documents import services as documents
    from partnerships import matching
    from partnerships.models import PairingPlan

    queued, solved = [], []
    solve = matching.plan_pairings

    def watched(**kwargs):
        solved.append(1)
        return solve(**kwargs)

    before = set(PairingPlan.objects.values_list("pk", flat=True))
    enqueue, documents._enqueue = documents._enqueue, queued.append
    matching.plan_pairings = watched
    try:
        started = time.perf_counter()
        response = client.post(reverse("partnerships:plans"), {"municipality": ""})
        elapsed = time.perf_counter() - started
    finally:
        documents._enqueue, matching.plan_pairings = enqueue, solve
    assert response.status_code == 302, response.status_code
    created = PairingPlan.objects.exclude(pk__in=before)
    jobs = [plan.job for plan in created.select_related("job")]
    created.delete()  # leave the region as it was for the next run
    for job in jobs:
        job.delete()
    return {
        "pairing plan request, ms": round(elapsed * 1000),
        "pairing plan request, jobs queued": len(queued),
        # «no» only when the request queued the job and left the solving to it
        "pairing plan in the web request": "yes" if solved else ("no" if queued else "no job"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--out")
    parser.add_argument("--compare", nargs=2, metavar=("SMALL", "LARGE"))
    args = parser.parse_args()
    if args.compare:
        small, large = (json.loads(Path(p).read_text()) for p in args.compare)
        compare(small, large, width=50)
        return
    report(measure(args.repeat), out=args.out, width=50)


if __name__ == "__main__":
    main()
