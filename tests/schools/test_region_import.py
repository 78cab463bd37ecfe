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

# the real Moscow files, vendored byte for byte (tests/data/moscow/README.md)
REAL = Path(__file__).resolve().parent.parent / "data" / "moscow"


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
    ratio = source["Компьютеров для обучающихся"] / source["Количество обучающихся"]
    assert float(context.computers_per_student) == pytest.approx(ratio, abs=0.001)
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


# --- the real Moscow files, region-wide ---------------------------------------------------------


def test_real_moscow_files_load_region_wide_with_only_the_region_set_up(db):
    """The real Moscow files (tests/data/moscow): the okrugs become the municipalities; the 40 rows with
    no okrug are reported with their line and column (and skipped on request)."""
    Region.objects.create(name="Москва")
    schools = REAL / "data-20130909T0800.csv"
    ege = REAL / "data-9722-2016-10-31.csv"
    with pytest.raises(CommandError, match="Ошибочных строк: 40"):
        _call("import_schools", str(schools), region="Москва", create_municipalities=True)
    run = ImportRun.objects.latest("pk")
    empty = [i for i in run.issues if i["code"] == "empty_municipality"]
    assert len(empty) == 40 and empty[0]["column"] == "okrug"
    assert not Organisation.objects.exists() and not Municipality.objects.exists()
    _call(
        "import_schools",
        str(schools),
        region="Москва",
        create_municipalities=True,
        skip_invalid=True,
    )
    assert Municipality.objects.count() == 10
    assert not Municipality.objects.filter(name="Центральный").exists()
    loaded = Organisation.objects.count()
    _call("import_schools", str(ege), region="Москва", create_municipalities=True)
    _call("import_results", str(ege), region="Москва", kind="ege", year=2016)
    assert AssessmentResult.objects.filter(kind="ege", year=2016).count() == 626
    before = list(Organisation.objects.order_by("pk").values_list("pk", "updated_at"))
    _call("import_schools", str(ege), region="Москва")
    assert ImportRun.objects.latest("pk").counts["unchanged"] == 626
    _call("import_results", str(ege), region="Москва", kind="ege", year=2016)
    assert ImportRun.objects.latest("pk").counts["unchanged"] == 626
    assert list(Organisation.objects.order_by("pk").values_list("pk", "updated_at")) == before
    assert Organisation.objects.count() >= loaded


# --- the wrong attribution of issue 14, in the commands ----------------------------------------


@pytest.fixture
def two_towns(db):
    region = Region.objects.create(name="Северная область", code="29")
    town = Municipality.objects.create(region=region, name="г. Заречный")
    district = Municipality.objects.create(region=region, name="Лесной район")
    return {
        "region": region,
        "town": town,
        "district": district,
        "town_school": Organisation.objects.create(
            municipality=town, full_name="МБОУ СОШ № 1", short_name="МБОУ СОШ № 1"
        ),
        "district_school": Organisation.objects.create(
            municipality=district, full_name="МБОУ СОШ № 1", short_name="МБОУ СОШ № 1"
        ),
    }


RESULTS_BY_NAME = (
    "Наименование МО;Наименование ОО;Класс;Предмет;Количество участников;"
    "Число «2»;Число «3»;Число «4»;Число «5»\n"
    "г. Заречный;МБОУ СОШ № 1;4;Математика;20;1;9;6;4\n"
    "Лесной район;МБОУ СОШ № 1;4;Математика;10;7;3;0;0\n"
)


def _file(tmp_path, text, name="f.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_region_file_with_one_municipality_chosen_never_feeds_a_same_named_school(
    two_towns, tmp_path
):
    path = _file(tmp_path, RESULTS_BY_NAME)
    with pytest.raises(CommandError, match="Ошибочных строк: 1"):
        _call("import_results", path, municipality="г. Заречный", kind="vpr", year=2024)
    run = ImportRun.objects.latest("pk")
    assert run.issues[0]["line"] == 3 and run.issues[0]["column"] == "Наименование МО"
    assert run.issues[0]["severity"] == "conflict"
    assert "Лесной район" in run.issues[0]["message"]
    assert not AssessmentResult.objects.exists()
    _call(
        "import_results",
        path,
        municipality="г. Заречный",
        kind="vpr",
        year=2024,
        skip_invalid=True,
    )
    result = AssessmentResult.objects.get()
    assert result.organisation == two_towns["town_school"] and result.count_2 == 1
    # Region-wide, each row lands in its own municipality's school.
    _call("import_results", path, region="Северная область", kind="vpr", year=2024)
    district = AssessmentResult.objects.get(organisation=two_towns["district_school"])
    assert district.count_2 == 7 == district.below_threshold and district.participants == 10
    assert AssessmentResult.objects.get(organisation=two_towns["town_school"]).count_2 == 1


def test_region_schools_file_with_one_municipality_chosen_creates_nothing_elsewhere(
    two_towns, tmp_path
):
    path = _file(
        tmp_path,
        "Логин ФИС ОКО;Муниципалитет;Наименование ОО\n"
        "sch290001;г. Заречный;МБОУ СОШ № 1\n"
        "sch290002;Лесной район;МБОУ СОШ № 1\n"
        "sch290003;Лесной район;МБОУ СОШ № 2\n",
    )
    with pytest.raises(CommandError, match="Ошибочных строк: 2"):
        _call("import_schools", path, municipality="г. Заречный")
    assert Organisation.objects.count() == 2 and not Organisation.objects.exclude(login="")
    _call("import_schools", path, municipality="г. Заречный", skip_invalid=True)
    assert Organisation.objects.count() == 2
    assert (
        two_towns["town_school"].__class__.objects.get(login="sch290001").municipality
        == (two_towns["town"])
    )
    _call("import_schools", path, region="Северная область")
    assert Organisation.objects.get(login="sch290002") == two_towns["district_school"]
    assert Organisation.objects.get(login="sch290003").municipality == two_towns["district"]
    # From now on the login finds each school wherever its name repeats.
    by_login = (
        RESULTS_BY_NAME.replace("Наименование МО;", "Логин ОО;")
        .replace("г. Заречный;", "sch290001;")
        .replace("Лесной район;", "sch290002;")
    )
    _call(
        "import_results",
        _file(tmp_path, by_login),
        kind="vpr",
        year=2024,
        region="Северная область",
    )
    assert AssessmentResult.objects.get(organisation__login="sch290002").count_2 == 7


def test_name_alone_across_a_region_identifies_nothing(two_towns, tmp_path):
    path = _file(tmp_path, "Наименование ОО;Количество участников\nМБОУ СОШ № 1;10\n")
    with pytest.raises(CommandError):
        _call("import_results", path, region="Северная область", kind="vpr", year=2024)
    assert "По одному названию" in ImportRun.objects.latest("pk").issues[0]["message"]


def test_two_schools_of_one_municipality_with_one_name_are_reported(two_towns, tmp_path):
    Organisation.objects.create(
        municipality=two_towns["town"], full_name="МБОУ СОШ № 1", short_name="СОШ № 1 (2)"
    )
    path = _file(
        tmp_path, "Муниципалитет;Наименование ОО;Логин\nг. Заречный;МБОУ СОШ № 1;sch290009\n"
    )
    with pytest.raises(CommandError):
        _call("import_schools", path, region="Северная область")
    issue = ImportRun.objects.latest("pk").issues[0]
    assert issue["code"] == "same_name" and "2 организации" in issue["message"]


# --- bad input: line, column, Russian, nothing written ------------------------------------------


SCHOOLS_HEAD = "Логин ФИС ОКО;Муниципалитет;Наименование ОО\n"


@pytest.mark.parametrize(
    ("rows", "line", "column", "text"),
    [
        (
            "sch290010;г. Заречный;СОШ № 10\nsch770011;г. Заречный;СОШ № 11\n",
            3,
            "Логин ФИС ОКО",
            "смешаны два региона",
        ),
        ("sch290010;;СОШ № 10\n", 2, "Муниципалитет", "Не указан муниципалитет"),
        (
            "sch290010;г. Заречный;СОШ № 10\nsch290010;Лесной район;СОШ № 11\n",
            3,
            "Логин ФИС ОКО",
            "уже указан в строке 2",
        ),
        ("школа-10;г. Заречный;СОШ № 10\n", 2, "Логин ФИС ОКО", "не логин ФИС ОКО"),
        ("sch290010;Южный округ;СОШ № 10\n", 2, "Муниципалитет", "относится к региону «Южная"),
        ("sch290010;город Заречный;СОШ № 10\n", 2, "Муниципалитет", "похоже на «г. Заречный»"),
    ],
)
def test_bad_schools_rows_are_reported_and_nothing_is_written(
    two_towns, tmp_path, rows, line, column, text
):
    other = Region.objects.create(name="Южная область", code="77")
    Municipality.objects.create(region=other, name="Южный округ")
    before = (Organisation.objects.count(), Municipality.objects.count())
    path = _file(tmp_path, SCHOOLS_HEAD + rows)
    with pytest.raises(CommandError, match="ничего не загружено"):
        _call("import_schools", path, region="Северная область", create_municipalities=True)
    issues = [i for i in ImportRun.objects.latest("pk").issues if i["severity"] != "warning"]
    assert (issues[0]["line"], issues[0]["column"]) == (line, column)
    assert text in issues[0]["message"]
    assert (Organisation.objects.count(), Municipality.objects.count()) == before


RESULTS_HEAD = (
    "Логин ОО;Класс;Предмет;Количество участников;Число «2»;Доля «2», %;Число «3»;Число «4»;"
    "Число «5»\n"
)


@pytest.mark.parametrize(
    ("row", "column", "text"),
    [
        ("sch290001;4;Математика;20;2;10;9;6;4\n", "Число «2»", "в сумме дают 21"),
        ("sch290001;4;Математика;20;2;15;8;6;4\n", "Доля «2», %", "Доля «2» — 15 %"),
    ],
)
def test_bad_result_rows_are_reported_and_nothing_is_written(
    two_towns, tmp_path, row, column, text
):
    two_towns["town_school"].login = "sch290001"
    two_towns["town_school"].save()
    path = _file(tmp_path, RESULTS_HEAD + row)
    with pytest.raises(CommandError, match="ничего не загружено"):
        _call("import_results", path, region="Северная область", kind="vpr", year=2024)
    issue = ImportRun.objects.latest("pk").issues[0]
    assert (issue["line"], issue["column"]) == (2, column) and text in issue["message"]
    assert not AssessmentResult.objects.exists()
    # A share rounded to a whole per cent is no error: 2 of 30 is 6.67 %.
    ok = RESULTS_HEAD + "sch290001;4;Математика;30;2;7;12;10;6\n"
    _call(
        "import_results",
        _file(tmp_path, ok, "ok.csv"),
        region="Северная область",
        kind="vpr",
        year=2024,
    )
    assert AssessmentResult.objects.get().count_2 == 2


def test_close_municipality_name_is_never_created_and_the_dry_run_lists_new_ones(
    two_towns, tmp_path
):
    path = _file(
        tmp_path,
        SCHOOLS_HEAD + "sch290020;город Заречный;СОШ № 20\nsch290021;ЗАТО Северный;СОШ № 21\n"
        "sch290022;ЗАТО Северный;СОШ № 22\n",
    )
    out = _call("import_schools", path, region="Северная область", dry_run=True)
    assert "«ЗАТО Северный»: строк 2" in out
    assert "«город Заречный»: строк 1 — похоже на «г. Заречный», не создаётся" in out
    _call(
        "import_schools",
        path,
        region="Северная область",
        create_municipalities=True,
        skip_invalid=True,
    )
    assert Municipality.objects.filter(name="ЗАТО Северный").exists()
    assert not Municipality.objects.filter(name="город Заречный").exists()
    assert Organisation.objects.filter(municipality__name="ЗАТО Северный").count() == 2


def test_map_option_and_saved_mapping(two_towns, tmp_path):
    from schools.services import saved_mapping_save

    path = _file(
        tmp_path,
        "Код ОО;Территория;Школа;Двоек;Всего\nsch290001;г. Заречный;МБОУ СОШ № 1;3;12\n",
    )
    with pytest.raises(CommandError, match="Неизвестное поле"):
        _call("import_results", path, map=["Двоек=twos"], kind="vpr", year=2024)
    options = ["Код ОО=login", "Территория=municipality", "Двоек=count_2", "Всего=participants"]
    out = _call(
        "import_results",
        path,
        map=options,
        kind="vpr",
        year=2024,
        dry_run=True,
        region="Северная область",
    )
    assert "Не используются столбцы" not in out and "новых: 1" in out
    saved_mapping_save(
        name="Район",
        kind="results",
        mapping={
            "login": "Код ОО",
            "municipality": "Территория",
            "count_2": "Двоек",
            "participants": "Всего",
            "full_name": "Школа",
        },
        user=None,
    )
    two_towns["town_school"].login = "sch290001"
    two_towns["town_school"].save()
    _call("import_results", path, mapping="Район", kind="vpr", year=2024, region="Северная область")
    result = AssessmentResult.objects.get()
    assert result.count_2 == 3 and result.participants == 12


def test_unused_numeric_columns_are_listed(two_towns, tmp_path):
    path = _file(tmp_path, "Логин ОО;Количество участников;Непонятный столбец\nsch290001;10;7\n")
    out = _call(
        "import_results", path, region="Северная область", kind="vpr", year=2024, dry_run=True
    )
    assert "Не используются столбцы: «Непонятный столбец» (числа!)" in out


# --- a school named by login, ИНН or municipality in the commands -----------------------------


def test_commands_name_a_school_by_login_inn_or_its_municipality(two_towns):
    from reports.management.commands.build_report import _find
    from schools.selectors import SchoolNotFound, school_find
    from tests.factories import valid_inn

    district_school = two_towns["district_school"]
    district_school.login, district_school.inn = "sch290002", valid_inn(77)
    district_school.save()
    with pytest.raises(SchoolNotFound, match="--municipality") as error:
        school_find(query="МБОУ СОШ № 1")
    assert "Лесной район, логин sch290002" in str(error.value)
    assert school_find(query="МБОУ СОШ № 1", municipality="лесной район") == district_school
    assert school_find(query=" SCH290002 ") == district_school
    assert school_find(query=district_school.inn) == district_school
    out = _call("suggest_partners", "sch290002")
    assert out.startswith("МБОУ СОШ № 1 (Лесной район)")
    out = _call("suggest_partners", "МБОУ СОШ № 1", municipality="г. Заречный")
    assert out.startswith("МБОУ СОШ № 1 (г. Заречный)")
    with pytest.raises(CommandError, match="Найдено школ: 2"):
        _call("suggest_partners", "МБОУ СОШ № 1")
    assert _find("school", "sch290002") == district_school
    assert _find("school", "МБОУ СОШ № 1", "г. Заречный") == two_towns["town_school"]
    with pytest.raises(CommandError, match="не найдена"):
        _find("school", "sch290099")


# --- the municipalities list ---------------------------------------------------------------------


def test_municipality_list_creates_updates_and_refuses_close_names(
    two_towns, tmp_path, region_files
):
    out = _call(
        "import_municipalities", str(region_files["municipalities"]), region="Северная область"
    )
    assert "Муниципалитеты сохранены" in out
    # The generated list names «г. Заречный» and «Лесной район» too: they are updated.
    assert Municipality.objects.filter(region=two_towns["region"]).count() == 50
    town_oktmo = Municipality.objects.get(pk=two_towns["town"].pk).oktmo
    assert town_oktmo
    first = region_files["region"].municipalities[0]
    saved = Municipality.objects.get(name=first["Муниципалитет"])
    assert saved.oktmo == first["ОКТМО"] and float(saved.latitude) == pytest.approx(first["Широта"])
    out = _call(
        "import_municipalities", str(region_files["municipalities"]), region="Северная область"
    )
    assert "новых: 0, обновлено: 0, без изменений: 50" in out
    path = _file(
        tmp_path,
        "Муниципалитет;ОКТМО;Широта;Долгота\nг. Заречный;11701000;64,5;40,6\n"
        "город Заречный;;;\n;11702000;;\nЛесной район;123;95;\n",
    )
    with pytest.raises(CommandError, match="ничего не изменено"):
        out = _call("import_municipalities", path, region="Северная область")
    assert Municipality.objects.get(pk=two_towns["town"].pk).oktmo == town_oktmo
    dry = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_municipalities", path, region="Северная область", stdout=dry)
    text = dry.getvalue()
    assert (
        "строка 3 [Муниципалитет]: «город Заречный»" in text and "похоже на «г. Заречный»" in text
    )
    assert "строка 4 [Муниципалитет]: Не указано название муниципалитета." in text
    assert "строка 5 [ОКТМО]: ОКТМО 123" in text and "строка 5 [Широта]" in text


def test_results_by_login_need_no_region_even_with_several(two_towns, tmp_path):
    Region.objects.create(name="Южная область", code="77")
    two_towns["town_school"].login = "sch290001"
    two_towns["town_school"].save()
    path = _file(tmp_path, RESULTS_HEAD + "sch290001;4;Математика;20;2;10;8;6;4\n")
    _call("import_results", path, kind="vpr", year=2024)
    assert AssessmentResult.objects.get().organisation == two_towns["town_school"]
    schools = _file(tmp_path, SCHOOLS_HEAD + "sch290030;г. Заречный;СОШ № 30\n", "s.csv")
    with pytest.raises(CommandError, match="несколько регионов"):
        _call("import_schools", schools)


def test_the_context_questionnaire_feeds_the_risk_zone(two_towns, tmp_path):
    """Issue 14: the ФИС ОКО questionnaire's computers feed the seed-001 context factors — no
    computer with internet (no stable internet) and too few computers per pupil make two, so
    the school is in the risk zone, and the reasons say why."""
    from schools.models import Category, CategoryAssignment
    from schools.services import categories_recompute

    path = tmp_path / "schools.csv"
    path.write_text(
        "Логин ФИС ОКО;Наименование ОО;Муниципалитет;Количество обучающихся;"
        "Компьютеров для обучающихся;Компьютеров с доступом в интернет\n"
        "sch290001;МБОУ «Лесная ООШ»;Лесной район;120;6;0\n"
        "sch290002;МБОУ «Речная СОШ»;Лесной район;120;30;30\n",
        encoding="utf-8",
    )
    _call("import_schools", str(path), region="Северная область", year=2024)
    poor = SchoolContext.objects.get(organisation__login="sch290001", year=2024)
    assert poor.stable_internet is False and float(poor.computers_per_student) == 0.05
    assert SchoolContext.objects.get(organisation__login="sch290002").stable_internet is None
    categories_recompute(region_id=two_towns["region"].pk)
    risk = CategoryAssignment.objects.get(organisation__login="sch290001", is_current=True)
    assert risk.category == Category.RISK
    assert "нет устойчивого доступа к интернету" in " ".join(r["text"] for r in risk.reasons)
    assert not CategoryAssignment.objects.filter(
        organisation__login="sch290002", category=Category.RISK
    ).exists()


def test_the_questionnaire_feeds_shnsu_when_the_region_rule_names_it(two_towns, tmp_path):
    """Issue 14: settlement type and size, boarding/correctional/evening and pupils per teacher
    from the ФИС ОКО questionnaire reach the categories — through a rules file a region
    publishes, and only when it names them (the defaults leave them out)."""
    import json

    from schools.models import Category, CategoryAssignment
    from schools.services import categories_recompute

    path = tmp_path / "schools.csv"
    path.write_text(
        "Логин ФИС ОКО;Наименование ОО;Муниципалитет;Количество обучающихся;"
        "Количество педагогических работников;Тип населенного пункта;"
        "Численность населения населенного пункта;Школа-интернат;"
        "Компьютеров для обучающихся;Компьютеров с доступом в интернет\n"
        "sch290001;МБОУ «Лесная ООШ»;Лесной район;450;15;село;420;да;60;0\n"
        "sch290002;МБОУ «Речная СОШ»;Лесной район;450;30;город;52000;нет;60;60\n",
        encoding="utf-8",
    )
    _call("import_schools", str(path), region="Северная область", year=2024)
    context = SchoolContext.objects.get(organisation__login="sch290001", year=2024)
    assert context.settlement_type == "village" and context.settlement_size == 420
    assert context.is_boarding is True and context.teachers == 15

    def category(login):
        return CategoryAssignment.objects.get(organisation__login=login, is_current=True)

    categories_recompute(region_id=two_towns["region"].pk)
    assert category("sch290001").category != Category.SHNSU  # not in the default rule

    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps(
            {
                "format": "network-portal/category-rules",
                "version": 1,
                "rules": {
                    "shnsu_village": True,
                    "shnsu_settlement_population_max": 1000,
                    "shnsu_special_school": True,
                    "shnsu_factors_min": 2,
                    "max_students_per_teacher": "20",
                },
            }
        ),
        encoding="utf-8",
    )
    _call("category_rules", "--region", "Северная область", "--load", str(rules))
    categories_recompute(region_id=two_towns["region"].pk)
    village = category("sch290001")
    assert village.category == Category.SHNSU
    reasons = " ".join(r["text"] for r in village.reasons)
    assert "сельская школа; населённый пункт 420 жит. (не более 1000); школа-интернат" in reasons
    # The risk zone's reasons stay as «также»: no internet and 30 pupils per teacher.
    assert "30 обучающихся на одного педагога (больше 20)" in reasons
    assert category("sch290002").category not in (Category.SHNSU, Category.RISK)
    out = _call("category_rules", "--region", "Северная область", "--describe")
    assert "сельская школа" in out and "населённый пункт не более 1000 жителей" in out
