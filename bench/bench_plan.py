"""The region-wide pairing plan alone (``partnerships.matching.plan_pairings``), at two sizes.

A seeded synthetic region, no database: supported schools with random factor levels (as
``bench/bench_partnerships.py`` draws them: high/medium/low 4:4:2), a fifth of them without a
risk profile but with weak cells of their results (issue 14); providers with levels 1:3:6 (half of them 3:5:2),
some declared experiences and strong cells, capacity 2–6, coordinates in a 3° × 5° box, a few
without coordinates; 20 municipalities. Each size runs in a child process of its own, so that
the peak memory read (``ru_maxrss``) is the solver's and not the parent's (issue 17)::

    /work/main/.venv/bin/python -m bench.bench_plan              # 300×100 and 3,000×1,000
    /work/main/.venv/bin/python -m bench.bench_plan --size 3000x1000 --repeat 1
    /work/main/.venv/bin/python -m bench.bench_plan --out bench/out/plan.json  # JSON, per size

Budget (issue 17): 3,000 × 1,000 under 30 s and under 500 MB peak.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET = {"seconds": 30.0, "peak_mb": 500.0}
FACTORS = list(range(1, 13))
CELLS = [f"vpr:{grade}:{subject}" for grade in (4, 5, 6, 7, 8) for subject in ("ru", "math")] + [
    f"oge::{subject}" for subject in ("ru", "math", "phys", "bio", "hist")
]


def make_instance(n_schools: int, n_candidates: int, seed: int = 1):
    """(schools, candidates, factor_names) of a seeded synthetic region."""
    from partnerships.matching import HIGH, LOW, MEDIUM, Candidate, School

    rng = random.Random(seed)
    levels = (HIGH, MEDIUM, LOW)

    def coords():
        if rng.random() < 0.05:
            return None, None
        return round(55 + rng.random() * 3, 6), round(37 + rng.random() * 5, 6)

    candidates = []
    for j in range(n_candidates):
        pk = 2 * n_schools + j + 1
        mix = (1, 3, 6) if j % 2 else (3, 5, 2)
        own = {f: rng.choices(levels, weights=mix)[0] for f in FACTORS}
        lat, lon = coords()
        strong = rng.sample(CELLS, rng.choice((0, 0, 2, 5)))
        candidates.append(
            Candidate(
                id=pk,
                name=f"Провайдер {rng.randrange(n_candidates):04d}",
                municipality_id=rng.randrange(20),
                municipality_name="МО",
                lat=lat,
                lon=lon,
                low_factors=frozenset(f for f, lv in own.items() if lv == LOW),
                declared={rng.choice(FACTORS): "Опыт сетевой работы"} if j % 5 < 2 else {},
                own_high=frozenset(f for f, lv in own.items() if lv == HIGH),
                results=rng.choice((HIGH, MEDIUM, LOW, None)),
                capacity=rng.choice((2, 3, 3, 4, 6)),
                load=rng.choice((0, 0, 0, 1, 3)),
                resources=("кадровые",) if j % 3 == 0 else (),
                strong_cells=dict.fromkeys(strong, "мало «2»"),
                coords="municipality" if rng.random() < 0.1 else "school",
            )
        )
    schools = []
    for i in range(n_schools):
        pk = i + 1 if i % 7 else 2 * n_schools + rng.randrange(n_candidates) + 1  # a few leaders
        lat, lon = coords()
        from_results = rng.random() < 0.2
        weak = rng.sample(CELLS, rng.choice((0, 1, 3))) if from_results else []
        schools.append(
            School(
                id=pk,
                name=f"Школа {i}",
                municipality_id=rng.randrange(20),
                levels={}
                if from_results
                else {f: rng.choices(levels, weights=(4, 4, 2))[0] for f in FACTORS},
                lat=lat,
                lon=lon,
                weak_cells=dict.fromkeys(weak, "много «2»"),
                has_results=from_results,
                coords="municipality" if rng.random() < 0.1 else "school",
            )
        )
    unique = {s.id: s for s in schools}
    names = {f: f"Фактор {f}" for f in FACTORS}
    return list(unique.values()), candidates, names


def _child(size: str, seed: int, repeat: int) -> dict:
    """Runs in a fresh interpreter: build the instance, solve, report time and peak memory."""
    import resource

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")
    import django

    django.setup()
    from partnerships.matching import Weights, plan_pairings

    n, m = (int(x) for x in size.split("x"))
    schools, candidates, names = make_instance(n, m, seed)
    times, cpu, plan = [], [], []
    for _ in range(repeat):
        started, started_cpu = time.perf_counter(), time.process_time()
        plan = plan_pairings(
            schools=schools,
            candidates=candidates,
            weights=Weights(),
            factor_names=names,
            min_fit=25,  # MatchingSettings.min_fit by default
        )
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "size": f"{len(schools)}×{len(candidates)}",
        "places": sum(max(0, c.capacity - c.load) for c in candidates),
        "paired": sum(1 for a in plan if a.match),
        "second": sum(1 for a in plan if a.second),
        "seconds": min(times),
        "cpu_seconds": min(cpu),
        "peak_mb": peak_kb / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", action="append", help="SCHOOLSxPROVIDERS (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--out", help="also write each size's figures to this JSON file")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = args.size or ["300x100", "3000x1000"]
    if args.child:
        print(json.dumps(_child(sizes[0], args.seed, args.repeat)))
        return 0
    failed = False
    figures: dict = {"load average": round(os.getloadavg()[0], 1), "budget": BUDGET}
    print(
        f"{'plan':>12} {'places':>7} {'paired':>7} {'second':>7} {'time, s':>8} {'CPU, s':>7} "
        f"{'peak, MB':>9}"
    )
    for size in sizes:
        out = subprocess.run(  # noqa: S603 — this script, run again as a fresh process
            [
                sys.executable,
                "-m",
                "bench.bench_plan",
                "--child",
                "--size",
                size,
                "--seed",
                str(args.seed),
                "--repeat",
                str(args.repeat),
            ],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        figures[size] = r
        over = r["seconds"] > BUDGET["seconds"] or r["peak_mb"] > BUDGET["peak_mb"]
        failed |= over
        print(
            f"{r['size']:>12} {r['places']:>7} {r['paired']:>7} {r['second']:>7} "
            f"{r['seconds']:>8.2f} {r['cpu_seconds']:>7.2f} {r['peak_mb']:>9.0f}"
            f"{'  OVER BUDGET' if over else ''}"
        )
    print(
        f"budget: {BUDGET['seconds']:.0f} s and {BUDGET['peak_mb']:.0f} MB peak (child alone); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    if args.out:
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
