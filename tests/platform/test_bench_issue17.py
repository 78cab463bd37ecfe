"""bench/bench_issue17.py: the issue-17 table merged from the benches' JSON (no timing here)."""

import json

from bench import bench_issue17


def _size(schools: int, *, ms: float, ratio: float = 1.6, in_request: str = "no") -> dict:
    """One size's figures, keyed as the benches write them."""
    return {
        "reminders": {
            "schools": schools,
            "reminder run, first, s": schools / 1000,
            "reminder run, first, reminders": schools * 6,
            "reminder run, nothing to send, full sweep (first of the week), ms": ms * 4,
            "reminder run, nothing to send, ms": ms,
        },
        "pages": {
            "schools": schools,
            "largest municipality": schools // 6,
            "heatmap, largest municipality, page 1, ms": ms,
            "heatmap, largest municipality, page 1, KB": 265,
            "roadmaps overview, page 1, ms": ms,
            "roadmaps overview, page 1, KB": 47,
        },
        "figures": {
            "schools": schools,
            "match one school, ms": ms,
            "impact page (region), ms": ms,
            "coordinator home page, ms": ms,
            "pairing plan in the web request": in_request,
        },
        "bare": {
            "schools": schools,
            "school list, 50 per page, ratio": ratio,
            "school card, whole, ratio": ratio,
            "roadmap page, 200 items, ratio": ratio,
        },
        # 300 × 100 beside 2,000 schools, 3,000 × 1,000 beside 20,000: 100× the pairs
        "plan": {"seconds": schools / 1000, "peak_mb": 120.0, "pairs_asked": (schools // 20) ** 2},
    }


def _lines(results: dict) -> dict[str, bench_issue17.Line]:
    lines = bench_issue17.table(results)
    return {line.label: line for line in lines}


def test_every_row_within_its_target_is_ok():
    results = {"small": _size(2000, ms=50), "large": _size(20000, ms=120)}
    lines = _lines(results)
    assert not [line for line in lines.values() if line.misses]
    assert lines["match one school"].growth == "2.4×"
    assert lines["match one school"].target == "growth ≤ 10.0×, ≤ 300 ms"
    rendered = bench_issue17.render(bench_issue17.table(results))
    assert rendered.splitlines()[0] == "| figure | 2,000 | 20,000 | growth | budget/target | ok? |"
    assert "Every row meets its target." in rendered


def test_a_figure_growing_faster_than_the_data_misses():
    results = {"small": _size(2000, ms=50), "large": _size(20000, ms=120)}
    results["large"]["pages"]["roadmaps overview, page 1, ms"] = 550  # 11× for 10×
    lines = _lines(results)
    assert lines["roadmaps overview, page 1"].misses == ("grows 11.0× for 10.0× the data",)
    assert not lines["heatmap, largest municipality, page 1"].misses


def test_growth_is_measured_against_the_sizes_actually_run():
    results = {"small": _size(300, ms=50), "large": _size(600, ms=110)}  # 2.2× for 2×
    assert _lines(results)["impact page"].misses == ("grows 2.2× for 2.0× the data",)


def test_the_plans_growth_is_measured_against_the_pairs_it_scores():
    results = {"small": _size(2000, ms=50), "large": _size(20000, ms=120)}
    results["small"]["plan"]["seconds"] = 0.2
    results["large"]["plan"]["seconds"] = 0.2 * 90  # 90× for 100× the pairs
    assert not _lines(results)["pairing plan, time"].misses
    results["large"]["plan"]["seconds"] = 0.2 * 110
    assert _lines(results)["pairing plan, time"].misses == ("grows 110.0× for 100.0× the pairs",)


def test_a_budget_a_page_ratio_and_the_plan_in_a_request_miss_at_either_size():
    results = {
        "small": _size(2000, ms=50, ratio=2.4),
        "large": _size(20000, ms=320, in_request="yes"),
    }
    lines = _lines(results)
    assert "large: over 300 ms" in lines["match one school"].misses
    assert lines["school card, whole ÷ bare page"].misses == ("small: over 2×",)
    assert lines["pairing plan run in the web request"].misses == ("large: yes",)
    rendered = bench_issue17.render(bench_issue17.table(results))
    assert "| MISS: small: over 2× |" in rendered
    assert "  - match one school: " in rendered


def test_a_bench_that_did_not_run_is_not_measured_not_ok():
    results = {"small": _size(2000, ms=50), "large": _size(20000, ms=120)}
    del results["large"]["bare"]
    lines = _lines(results)
    assert lines["school list, 50 per page ÷ bare page"].large == "—"
    assert lines["school list, 50 per page ÷ bare page"].misses == ("not measured",)


def test_the_table_is_read_back_from_the_benches_json(tmp_path, capsys):
    sizes = (("small", 2000, "300x100"), ("large", 20000, "3000x1000"))
    for size, schools, plan_size in sizes:
        figures = _size(schools, ms=50)
        plan = figures.pop("plan")
        (tmp_path / size).mkdir()
        for name, values in figures.items():
            (tmp_path / size / f"{name}.json").write_text(json.dumps(values))
        # bench_plan.py --out: the size it ran, as its child reported it
        (tmp_path / size / "plan.json").write_text(
            json.dumps(
                {
                    "load average": 1.0,
                    plan_size: {"size": plan_size, "seconds": plan["seconds"], "peak_mb": 99},
                }
            )
        )

    assert bench_issue17.main(["--table-only", "--out-dir", str(tmp_path)]) == 0

    out = capsys.readouterr().out
    assert "| pairing plan, schools × providers | 300x100 | 3000x1000 | — | — |  |" in out
    assert "| pairing plan, time | 2.00 s | 20.0 s | 10.0× | growth ≤ 100.0×, ≤ 30 s | ok |" in out
    assert "Every row meets its target." in out
    assert "plan: load average 1.0 / 1.0" in out


def test_the_footer_says_how_each_bench_ran():
    results = {"small": _size(2000, ms=50), "large": _size(20000, ms=120)}
    results["small"]["bare"] |= {"load average": 2.5, "run with": "per-process cache"}
    results["large"]["bare"] |= {"load average": 11.0, "run with": "shared cache"}
    assert "bare: load average 2.5 / 11.0; per-process cache | shared cache" in (
        bench_issue17.conditions(results)
    )
