"""A region from its own ФИС ОКО files (issue 14): region-wide loading by login, municipalities
from the file, no attribution of a row to another municipality's school."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from bench.fis_oko_region import (
    make_fis_oko_region,
    write_municipalities_file,
    write_results_file,
    write_schools_file,
)
from schools.models import (
    AssessmentResult,
    ImportRun,
    Municipality,
    Organisation,
    Region,
    SchoolContext,
)

REAL = Path("/work/shared/data/real/moscow")


def _call(*args, **options):
    out = io.StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.fixture
def region_files(tmp_path):
    region = make_fis_oko_region(seed=3, schools=60, municipalities=50)
    return {
        "region": region,
        "schools": write_schools_file(tmp_path / "schools.xlsx", region),
        "results": write_results_file(tmp_path / "vpr-2024.csv", region, year=2024),
        "municipalities": write_municipalities_file(tmp_path / "m.csv", region),
    }


def test_synthetic_region_loads_with_two_commands_and_a_second_load_changes_nothing(
    db, region_files
):
    Region.objects.create(name="Заречная область", code="42")
    dry = _call(
        "import_schools", str(region_files["schools"]), region="Заречная область", dry_run=True
    )
    assert "Муниципалитетов нет в реестре (50)" in dry
    assert not Municipality.objects.exists()
    _call(
        "import_schools",
        str(region_files["schools"]),
        region="Заречная область",
        create_municipalities=True,
        year=2024,
    )
    assert Municipality.objects.count() == 50 and Organisation.objects.count() == 60
    assert Organisation.objects.exclude(login="").count() == 60
    assert not Organisation.objects.exclude(inn="").exists()
    assert SchoolContext.objects.filter(year=2024).count() == 60
    context = SchoolContext.objects.get(organisation__login="sch420001")
    source = next(s for s in region_files["region"].schools if s["Логин ФИС ОКО"] == "sch420001")
    assert context.grade_pupils["4"] == source["Количество обучающихся 4 классов"]
    assert context.teachers == source["Количество педагогических работников"]
    out = _call(
        "import_results",
        str(region_files["results"]),
        region="Заречная область",
        kind="vpr",
        year=2024,
    )
    assert "Загружено" in out
    assert AssessmentResult.objects.count() == 60 * 4
    for row in region_files["region"].results:
        result = AssessmentResult.objects.get(
            organisation__login=row["Логин ОО"],
            grade=row["Класс"],
            subject="math" if row["Предмет"] == "Математика" else "russian",
        )
        assert result.count_2 == row["Число «2»"] == result.below_threshold
        assert result.count_5 == row["Число «5»"]
        assert float(result.average_mark) == pytest.approx(row["Средний балл (отметка)"])
        assert result.participants == row["Количество участников"]
        assert result.organisation.municipality.name == row["Наименование МО"]
    # The same two files again: nothing changes.
    _call("import_schools", str(region_files["schools"]), region="Заречная область", year=2024)
    again = ImportRun.objects.latest("pk")
    assert again.counts["new"] == again.counts["updated"] == 0 and again.counts["unchanged"] == 60
    _call(
        "import_results",
        str(region_files["results"]),
        region="Заречная область",
        kind="vpr",
        year=2024,
    )
    again = ImportRun.objects.latest("pk")
    assert again.counts["new"] == again.counts["updated"] == 0
    assert again.counts["unchanged"] == 240
