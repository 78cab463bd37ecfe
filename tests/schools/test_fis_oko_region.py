"""bench/fis_oko_region.py: the synthetic region in the ФИС ОКО shape (no database)."""

import csv
from collections import defaultdict

from openpyxl import load_workbook

from bench.fis_oko_region import (
    RESULT_HEADERS,
    make_fis_oko_region,
    write_municipalities_file,
    write_results_file,
    write_schools_file,
)
from schools.validators import login_is_valid


def test_default_region_has_the_fis_oko_shape():
    region = make_fis_oko_region()
    assert len(region.municipalities) == 70 and len(region.schools) == 700
    assert {s["Муниципалитет"] for s in region.schools} == {
        m["Муниципалитет"] for m in region.municipalities
    }
    logins = [s["Логин ФИС ОКО"] for s in region.schools]
    assert len(set(logins)) == 700 and all(login_is_valid(x) for x in logins)
    assert all(x.startswith("sch42") for x in logins)
    assert not any("ИНН" in h or "ОГРН" in h for s in region.schools[:1] for h in s)
    where = defaultdict(set)
    for school in region.schools:
        where[school["Наименование ОО"]].add(school["Муниципалитет"])
    assert sum(1 for towns in where.values() if len(towns) > 1) >= 20
    # No name twice inside one municipality.
    pairs = [(s["Муниципалитет"], s["Наименование ОО"]) for s in region.schools]
    assert len(set(pairs)) == len(pairs)
    assert len(region.results) == 700 * 4
    small = sum(1 for r in region.results if r["Количество участников"] < 10)
    assert small > 400
    for row in region.results:
        n = row["Количество участников"]
        counts = [row[f"Число «{m}»"] for m in (2, 3, 4, 5)]
        assert sum(counts) == n > 0
        for m, c in zip((2, 3, 4, 5), counts, strict=True):
            assert abs(row[f"Доля «{m}», %"] - 100 * c / n) < 0.01
        assert 2 <= row["Средний балл (отметка)"] <= 5


def test_same_arguments_give_the_same_region_and_the_seed_matters():
    assert make_fis_oko_region(seed=5, schools=60, municipalities=50).results == (
        make_fis_oko_region(seed=5, schools=60, municipalities=50).results
    )
    assert make_fis_oko_region(seed=5, schools=60, municipalities=50).results != (
        make_fis_oko_region(seed=6, schools=60, municipalities=50).results
    )


def test_files_are_written_with_the_export_headers(tmp_path):
    region = make_fis_oko_region(seed=2, schools=60, municipalities=50, years=(2023, 2024))
    write_results_file(tmp_path / "vpr.csv", region, year=2024)
    with (tmp_path / "vpr.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert tuple(rows[0]) == RESULT_HEADERS and len(rows) == 1 + 60 * 4
    assert "Число «2»" in rows[0] and "Доля «2», %" in rows[0]
    write_schools_file(tmp_path / "schools.xlsx", region)
    sheet = load_workbook(tmp_path / "schools.xlsx").active
    header = [c.value for c in next(sheet.iter_rows(max_row=1))]
    assert header[:2] == ["Логин ФИС ОКО", "Муниципалитет"]
    assert sheet.max_row == 61
    write_municipalities_file(tmp_path / "m.csv", region)
    assert (tmp_path / "m.csv").read_text(encoding="utf-8-sig").count("\n") == 51
