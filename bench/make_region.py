"""A realistic region at scale, generated from a seed: municipalities, schools, context, results.

Other benches build on it::

    from bench.make_region import make_region
    summary = make_region(seed=1, municipalities=60, schools=2000, years=5)
    summary.region_id, summary.municipality_ids, summary.school_ids

or from the shell: ``python -m bench.make_region --seed 1 --schools 2000``.

Each school has a latent "strength" and a drift, so results are correlated over the years and
between subjects (ОГЭ and ЕГЭ in mathematics and Russian), and the categories come out in
plausible proportions (a few per cent ШНОР, some risk zone, some leaders). The same seed gives
the same region; calling it again with the same name reuses the region already there.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from dataclasses import dataclass, field
from decimal import Decimal


def _setup_django() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    if root not in sys.path:
        sys.path.insert(0, root)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")
    import django

    django.setup()


@dataclass
class RegionSummary:
    region_id: int
    name: str
    municipality_ids: list[int] = field(default_factory=list)
    school_ids: list[int] = field(default_factory=list)
    partner_ids: list[int] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    results: int = 0
    contexts: int = 0
    created: bool = True
    seconds: float = 0.0

    def as_dict(self) -> dict:
        return {
            "region_id": self.region_id,
            "name": self.name,
            "municipalities": len(self.municipality_ids),
            "schools": len(self.school_ids),
            "partners": len(self.partner_ids),
            "years": self.years,
            "results": self.results,
            "contexts": self.contexts,
            "created": self.created,
            "seconds": round(self.seconds, 1),
        }


TOWNS = (
    "Березовский", "Заречный", "Каменский", "Озёрский", "Лесной", "Светлый", "Речной",
    "Северный", "Южный", "Горный", "Полевой", "Сосновский", "Ключевской", "Луговой",
    "Долинский", "Снежный", "Кедровый", "Песчаный", "Радужный", "Солнечный",
)  # fmt: skip
PARTNER_KINDS = (
    ("college", "ГАПОУ «{town} колледж № {n}»"),
    ("additional", "МБУ ДО «Центр детского творчества № {n}»"),
    ("sport", "МБУ ДО «Спортивная школа № {n}»"),
    ("culture", "МБУК «Библиотека № {n}»"),
    ("methodical", "МКУ «Методический центр № {n}»"),
)


def _inn(prefix: str, n: int) -> str:
    from schools.validators import _INN10, _inn_digit

    base = f"{prefix}{n:07d}"
    return base + str(_inn_digit(base, _INN10))


def make_region(
    *,
    seed: int = 1,
    municipalities: int = 60,
    schools: int = 2000,
    years: int = 5,
    last_year: int = 2025,
    partners_per_municipality: int = 3,
    name: str | None = None,
) -> RegionSummary:
    """Create (or reuse) the region and return what it holds."""
    from django.db import transaction

    from schools.models import (
        AssessmentResult,
        CategoryRules,
        Municipality,
        Organisation,
        Region,
        SchoolContext,
    )
    from schools.normalize import normalize_name, sort_key

    started = time.perf_counter()
    name = name or f"Бенч-область {seed} ({schools} школ)"
    year_list = list(range(last_year - years + 1, last_year + 1))
    existing = Region.objects.filter(name=name).first()
    if existing is not None:
        orgs = Organisation.objects.filter(municipality__region=existing)
        return RegionSummary(
            region_id=existing.pk,
            name=name,
            municipality_ids=list(existing.municipalities.values_list("pk", flat=True)),
            school_ids=list(orgs.schools().values_list("pk", flat=True)),
            partner_ids=list(orgs.partners().values_list("pk", flat=True)),
            years=year_list,
            results=AssessmentResult.objects.filter(organisation__in=orgs).count(),
            contexts=SchoolContext.objects.filter(organisation__in=orgs).count(),
            created=False,
            seconds=time.perf_counter() - started,
        )
    rng = random.Random(seed)
    prefix = f"{50 + seed % 50:02d}"
    with transaction.atomic():
        region = Region.objects.create(name=name, code=prefix)
        CategoryRules.objects.create(region=region)
        muns = Municipality.objects.bulk_create(
            Municipality(
                region=region,
                name=f"{TOWNS[i % len(TOWNS)]} муниципальный округ"
                + (f" {i // len(TOWNS) + 1}" if i >= len(TOWNS) else ""),
                code=f"{prefix}-{i + 1:02d}",
            )
            for i in range(municipalities)
        )
        # Municipalities differ in size: a few towns hold many schools, most hold few.
        weights = [rng.paretovariate(1.5) for _ in muns]
        orgs, strengths = [], []
        counter = 0
        for i in range(schools):
            mun = rng.choices(muns, weights=weights)[0] if i >= len(muns) else muns[i]
            counter += 1
            number = counter
            gymnasium = rng.random() < 0.08
            short = f"МАОУ «Гимназия № {number}»" if gymnasium else f"МОБУ «СОШ № {number}»"
            full = (
                f"Муниципальное автономное общеобразовательное учреждение «Гимназия № {number}»"
                if gymnasium
                else "Муниципальное общеобразовательное бюджетное учреждение "
                f"«Средняя общеобразовательная школа № {number}» ({mun.name})"
            )
            org = Organisation(
                municipality=mun,
                kind="gymnasium" if gymnasium else "school",
                short_name=short,
                full_name=full,
                normalized_name=normalize_name(full),
                sort_name=sort_key(short),
                inn=_inn(prefix, counter),
                address=f"{mun.name}, ул. Школьная, д. {rng.randint(1, 120)}",
                director_name=f"Директор школы № {number}",
                email=f"school{number}@region{seed}.local",
            )
            orgs.append(org)
            strengths.append(rng.gauss(0.6 if gymnasium else 0, 1))
        partners = []
        for mun in muns:
            for k in range(partners_per_municipality):
                counter += 1
                kind, pattern = PARTNER_KINDS[k % len(PARTNER_KINDS)]
                title = pattern.format(town=mun.name.split()[0], n=counter)
                partners.append(
                    Organisation(
                        municipality=mun,
                        kind=kind,
                        short_name=title,
                        full_name=title,
                        normalized_name=normalize_name(title),
                        sort_name=sort_key(title),
                        inn=_inn(prefix, counter),
                    )
                )
        Organisation.objects.bulk_create(orgs + partners, batch_size=1000)
        contexts, results = [], []
        for org, strength in zip(orgs, strengths, strict=True):
            students = int(min(2000, max(40, rng.lognormvariate(6.1 + 0.2 * strength, 0.6))))
            drift = rng.gauss(0, 0.12)
            ovz = max(0.0, rng.gammavariate(2, 3.5 - 0.5 * max(-1, min(1, strength))))
            non_native = max(0.0, rng.gammavariate(1.2, 4))
            internet = rng.random() < (0.9 if strength > -1 else 0.6)
            computers = max(0.01, rng.gauss(0.18 + 0.04 * strength, 0.07))
            vacancies = min(8, int(rng.expovariate(1.5 - 0.3 * max(-1, min(1, strength)))))
            for t, year in enumerate(year_list):
                level = strength + drift * t
                contexts.append(
                    SchoolContext(
                        organisation=org,
                        year=year,
                        students=students,
                        share_ovz=Decimal(f"{min(ovz, 60):.2f}"),
                        share_non_native=Decimal(f"{min(non_native, 60):.2f}"),
                        stable_internet=internet,
                        computers_per_student=Decimal(f"{computers:.3f}"),
                        teacher_vacancies=vacancies,
                    )
                )
                for kind, subject, base, spread, share in (
                    ("oge", "math", 15.0, 2.2, 0.09),
                    ("oge", "russian", 27.0, 2.5, 0.09),
                    ("ege", "math_profile", 55.0, 8.0, 0.045),
                    ("ege", "russian", 68.0, 6.0, 0.045),
                ):
                    participants = max(3, int(students * share * rng.uniform(0.8, 1.2)))
                    average = base + spread * (level + rng.gauss(0, 0.12))
                    below_share = max(0.0, min(0.8, 0.05 - 0.065 * level + rng.gauss(0, 0.015)))
                    below = min(participants, round(participants * below_share))
                    high_share = max(0.0, min(0.9, 0.12 + 0.08 * level + rng.gauss(0, 0.03)))
                    results.append(
                        AssessmentResult(
                            organisation=org,
                            year=year,
                            kind=kind,
                            subject=subject,
                            participants=participants,
                            average_score=Decimal(f"{max(0, min(100, average)):.2f}"),
                            below_threshold=below,
                            high_results=min(participants - below, int(participants * high_share)),
                        )
                    )
        SchoolContext.objects.bulk_create(contexts, batch_size=2000)
        AssessmentResult.objects.bulk_create(results, batch_size=2000)
    return RegionSummary(
        region_id=region.pk,
        name=name,
        municipality_ids=[m.pk for m in muns],
        school_ids=[o.pk for o in orgs],
        partner_ids=[o.pk for o in partners],
        years=year_list,
        results=len(results),
        contexts=len(contexts),
        seconds=time.perf_counter() - started,
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--municipalities", type=int, default=60)
    parser.add_argument("--schools", type=int, default=2000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--categories", action="store_true", help="also compute the categories")
    args = parser.parse_args(argv)
    _setup_django()
    summary = make_region(
        seed=args.seed, municipalities=args.municipalities, schools=args.schools, years=args.years
    )
    for key, value in summary.as_dict().items():
        print(f"{key:>15}: {value}")
    if args.categories:
        from schools.services import categories_recompute

        print(categories_recompute(region_id=summary.region_id))


if __name__ == "__main__":
    main()
