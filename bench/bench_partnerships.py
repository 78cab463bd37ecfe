"""Figures of partner matching, pairing plans and agreement PDFs at region scale (issue 6).

Builds (or reuses) a region of 2,000 schools with ``bench.make_region``, gives 300 of them a
supported category and 100 a leader category; every school gets a risk profile (random levels,
seeded), so each one is a real candidate; then measures:

* matching one supported school against the 2,000 organisations of the region — the pure
  scoring (``rank_candidates``) and the whole selector with its queries
  (``partner_suggestions``); budget 300 ms;
* a pairing plan for the 300 supported schools and the 100 leaders (capacity 3 each) — the pure
  solver (``plan_pairings``) and the whole service that stores the plan
  (``pairing_plan_create``); budget 5 s;
* an agreement PDF (a three-party partnership, WeasyPrint); budget 3 s.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/portal_bench_partnerships \\
        .venv/bin/python -m bench.bench_partnerships [--schools 2000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time

from bench.make_region import _setup_django, make_region

BUDGET = {"match_ms": 300, "plan_s": 5.0, "pdf_s": 3.0}
SUPPORTED, LEADERS = 300, 100


def _timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def _prepare(summary, seed: int):
    """Categories, profiles, coordinates and capacities of the bench schools (idempotent)."""
    from django.db import transaction
    from django.utils import timezone

    from diagnostics.models import FactorLevel, RiskFactor, RiskProfile
    from partnerships.models import DeclaredStrength, PartnershipMember, ProviderProfile
    from schools.models import Category, CategoryAssignment, Organisation

    rng = random.Random(seed)
    ids = sorted(summary.school_ids)
    supported, leaders = ids[:SUPPORTED], ids[SUPPORTED : SUPPORTED + LEADERS]
    if ProviderProfile.objects.filter(organisation_id__in=leaders).count() == LEADERS:
        return supported, leaders
    factors = list(RiskFactor.objects.order_by("code"))
    with transaction.atomic():
        PartnershipMember.objects.filter(organisation_id__in=ids).delete()
        CategoryAssignment.objects.filter(organisation_id__in=ids).update(is_current=False)
        CategoryAssignment.objects.bulk_create(
            [
                CategoryAssignment(
                    organisation_id=pk,
                    year=2026,
                    category=rng.choice([Category.SHNOR, Category.SHNSU, Category.RISK]),
                )
                for pk in supported
            ]
            + [
                CategoryAssignment(organisation_id=pk, year=2026, category=Category.LEADER)
                for pk in leaders
            ]
        )
        now = timezone.now()
        profiles = RiskProfile.objects.bulk_create(
            [RiskProfile(organisation_id=pk, computed_at=now) for pk in supported + leaders]
        )
        levels = []
        for profile in profiles:
            is_leader = profile.organisation_id in set(leaders)
            for factor in factors:
                weights = (1, 3, 6) if is_leader else (4, 4, 2)  # high, medium, low
                level = rng.choices(["high", "medium", "low"], weights=weights)[0]
                levels.append(FactorLevel(profile=profile, factor=factor, level=level, score=0))
        FactorLevel.objects.bulk_create(levels, batch_size=2000)
        ProviderProfile.objects.bulk_create(
            [ProviderProfile(organisation_id=pk, capacity=3) for pk in leaders]
        )
        DeclaredStrength.objects.bulk_create(
            [
                DeclaredStrength(
                    organisation_id=pk, factor=rng.choice(factors), experience="Опыт сетевой работы"
                )
                for pk in leaders[:40]
            ],
            ignore_conflicts=True,
        )
        Organisation.objects.bulk_update(
            [
                Organisation(
                    pk=pk,
                    latitude=round(55 + rng.random() * 3, 6),
                    longitude=round(37 + rng.random() * 5, 6),
                )
                for pk in ids
            ],
            ["latitude", "longitude"],
            batch_size=1000,
        )
    return supported, leaders


def _profiles_for_the_rest(summary, seed: int) -> int:
    """Every other school of the region gets a profile too, so that matching really weighs
    2,000 candidates with risk profiles (they are not supported: low factors count)."""
    from django.db import transaction
    from django.utils import timezone

    from diagnostics.models import FactorLevel, RiskFactor, RiskProfile

    rng = random.Random(seed + 1)
    with_profile = set(
        RiskProfile.objects.filter(organisation_id__in=summary.school_ids).values_list(
            "organisation_id", flat=True
        )
    )
    rest = [pk for pk in summary.school_ids if pk not in with_profile]
    factors = list(RiskFactor.objects.order_by("code"))
    with transaction.atomic():
        now = timezone.now()
        profiles = RiskProfile.objects.bulk_create(
            [RiskProfile(organisation_id=pk, computed_at=now) for pk in rest]
        )
        FactorLevel.objects.bulk_create(
            [
                FactorLevel(
                    profile=profile,
                    factor=factor,
                    level=rng.choices(["high", "medium", "low"], weights=(2, 4, 4))[0],
                    score=0,
                )
                for profile in profiles
                for factor in factors
            ],
            batch_size=5000,
        )
    return len(rest)


def _pdf_partnership(summary, leaders, supported):
    import datetime as dt

    from partnerships import services
    from partnerships.models import Agreement
    from schools.models import Organisation

    school = Organisation.objects.select_related("municipality").get(pk=supported[0])
    existing = Agreement.objects.filter(partnership__members__organisation=school).first()
    if existing:
        return existing
    leader = Organisation.objects.get(pk=leaders[0])
    partner = Organisation.objects.get(pk=summary.partner_ids[0])
    p = services.partnership_create(
        actor=None,
        data=services.PartnershipData(
            title="Бенч-пара",
            municipality=school.municipality,
            supported=[school],
            leaders=[leader],
            partners=[partner],
            over_capacity_reason="бенч",
        ),
    )
    return services.agreement_create(
        partnership=p,
        kind="cooperation",
        date=dt.date(2026, 9, 1),
        valid_from=dt.date(2026, 9, 1),
        valid_until=dt.date(2027, 6, 30),
        subject="Сотрудничество",
        obligations="Обязательства\n" * 20,
        resources_text="кадровые",
        actor=None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    _setup_django()

    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from partnerships import matching, selectors, services
    from partnerships.documents import AGREEMENT_DOCUMENT
    from schools.models import Organisation, Region

    summary = make_region(seed=args.seed, schools=args.schools, municipalities=60)
    supported, leaders = _prepare(summary, args.seed)
    _profiles_for_the_rest(summary, args.seed)
    region = Region.objects.get(pk=summary.region_id)
    school = Organisation.objects.select_related("municipality").get(pk=supported[0])
    in_region = Organisation.objects.filter(municipality__region=region)
    config = selectors.matching_config(region_id=region.pk)
    names = selectors.factor_names()

    rows = []
    candidates = selectors.matching_candidates(
        organisations=in_region, default_capacity=config.default_capacity
    )
    needs = selectors.matching_school(organisation=school)
    t_pure, _ranked = _timed(
        lambda: matching.rank_candidates(
            school=needs, candidates=candidates, weights=config.weights, factor_names=names, top=10
        ),
        args.repeat,
    )
    rows.append(
        (
            "match one school, pure scoring",
            f"{len(candidates)} candidates",
            t_pure * 1000,
            "ms",
            BUDGET["match_ms"],
        )
    )
    with CaptureQueriesContext(connection) as captured:
        t_full, _ = _timed(
            lambda: selectors.partner_suggestions(organisation=school, top=10), args.repeat
        )
    rows.append(
        (
            "match one school, with DB reads",
            f"{len(captured) // args.repeat} queries",
            t_full * 1000,
            "ms",
            BUDGET["match_ms"],
        )
    )

    schools = selectors.unpaired_supported_schools(organisations=in_region)
    leader_candidates = selectors.plan_providers(
        organisations=in_region, default_capacity=config.default_capacity
    )
    t_plan_pure, plan = _timed(
        lambda: matching.plan_pairings(
            schools=schools,
            candidates=leader_candidates,
            weights=config.weights,
            factor_names=names,
            min_fit=config.min_fit,
        ),
        args.repeat,
    )
    paired = sum(1 for a in plan if a.match)
    rows.append(
        (
            f"pairing plan {len(schools)}×{len(leader_candidates)}, pure solver",
            f"{paired} paired",
            t_plan_pure,
            "s",
            BUDGET["plan_s"],
        )
    )

    def whole_plan():
        with transaction.atomic():
            plan = services.pairing_plan_create(actor=None, region=region)
            transaction.set_rollback(True)
        return plan

    t_plan, _ = _timed(whole_plan, max(1, args.repeat // 2))
    rows.append(
        (
            f"pairing plan, service over {len(candidates)} organisations",
            "stored, rolled back",
            t_plan,
            "s",
            BUDGET["plan_s"],
        )
    )

    agreement = _pdf_partnership(summary, leaders, supported)

    class FakeJob:
        params = {"agreement_id": agreement.pk}

    t_pdf, built = _timed(lambda: AGREEMENT_DOCUMENT.build(FakeJob()), args.repeat)
    rows.append(
        (
            "agreement PDF (WeasyPrint)",
            f"{len(built.content) // 1024} KB",
            t_pdf,
            "s",
            BUDGET["pdf_s"],
        )
    )

    print(
        f"Region: {summary.name}, {len(summary.school_ids)} schools; median of {args.repeat} runs; DB {connection.vendor}"
    )
    print(f"{'figure':58} {'detail':22} {'value':>10}  budget")
    failed = False
    for label, detail, value, unit, budget in rows:
        ok = value <= budget
        failed |= not ok
        shown = f"{value:.0f} {unit}" if unit == "ms" else f"{value:.2f} {unit}"
        print(f"{label:58} {detail:22} {shown:>10}  < {budget} {unit} {'ok' if ok else 'OVER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
