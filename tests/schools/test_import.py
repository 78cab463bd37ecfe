"""Import of organisations and results: bad input, matching, conflicts, the wizard."""

import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from schools.importing.reader import ImportFileError, read_table, split_recovering
from schools.models import AssessmentResult, ColumnMapping, ImportRun, Organisation
from schools.services import import_run_apply, import_run_create
from tests.factories import OrganisationFactory, valid_inn

INN_A, INN_B = valid_inn(501), valid_inn(502)
BAD_INN = INN_A[:-1] + str((int(INN_A[-1]) + 1) % 10)


def _run(text: str | bytes, *, mun, kind="schools", name="f.csv", **kw):
    data = text.encode("cp1251") if isinstance(text, str) else text
    skip = kw.pop("skip_invalid", False)
    run, table = import_run_create(
        data=data, file_name=name, kind=kind, municipality=mun, keep_file=False, **kw
    )
    return import_run_apply(run=run, table=table, skip_invalid=skip)


# --- reading -------------------------------------------------------------------------------


def test_cp1251_semicolon_and_decimal_comma(world):
    text = f"Наименование;ИНН;Широта;Долгота\r\nМОБУ «СОШ № 1»;{INN_A};55,75;37,61\r\n"
    run = _run(text, mun=world.mun)
    assert run.encoding.lower().replace("-", "").replace("_", "") in ("cp1251", "windows1251")
    org = Organisation.objects.get(inn=INN_A)
    assert str(org.latitude) == "55.750000" and org.municipality == world.mun


def test_tab_separated_utf8_with_bom_and_english_headers(world):
    text = f"name\tinn\tadress\n«Лицей № 2»\t{INN_B}\tул. Ленина, 1"
    run = _run(("\ufeff" + text).encode("utf-8"), mun=world.mun)
    assert run.delimiter == "\t" and run.counts["new"] == 1
    assert Organisation.objects.get(inn=INN_B).kind == "gymnasium"


def test_xlsx(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ИНН", "Полное наименование", "Адрес"])
    sheet.append([int(INN_A), "МОБУ «СОШ № 7»", "ул. Мира, 7"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    run = _run(buffer.getvalue(), mun=world.mun, name="schools.xlsx")
    assert run.counts["new"] == 1 and Organisation.objects.filter(inn=INN_A).exists()


def test_recovery_rule_keeps_inner_quotes():
    line = '"1","Лицей № 1546 "Плехановец"","ул. Шухова",,"x"'
    assert split_recovering(line, ",") == ["1", 'Лицей № 1546 "Плехановец"', "ул. Шухова", "", "x"]


def test_row_with_an_extra_value_is_reported_not_cut(world):
    """``ул. Мира; 5`` holds the separator: the row has one value too many. Cutting it to the
    header would import «ул. Мира» as the address and «5» as the phone."""
    text = (
        "Наименование;Адрес;Телефон\n"
        "МОБУ «СОШ № 41»;ул. Мира; 5;123\n"
        "МОБУ «СОШ № 42»;ул. Лесная, 2;456\n"
    )
    run = _run(text, mun=world.mun)
    assert run.status == "rejected" and run.counts["invalid"] == 1
    issue = run.issues[0]
    assert issue["line"] == 2 and issue["column"] == "столбец 4 (без заголовка)"
    assert issue["message"] == (
        "Значений в строке: 4, столбцов в заголовке: 3; значению «123» нет столбца. "
        "Нет ли разделителя внутри значения? Заключите такое значение в кавычки."
    )
    assert not Organisation.objects.filter(full_name__contains="СОШ № 41").exists()
    _run(text, mun=world.mun, skip_invalid=True)
    assert not Organisation.objects.filter(full_name__contains="СОШ № 41").exists()
    assert Organisation.objects.get(full_name__contains="СОШ № 42").phone == "456"


def test_row_with_a_missing_value_is_reported_with_the_column(world):
    text = "Наименование;Адрес;Телефон\nМОБУ «СОШ № 43»;ул. Мира, 5\n"
    run = _run(text, mun=world.mun)
    assert run.status == "rejected" and run.counts["invalid"] == 1
    assert run.issues[0]["line"] == 2 and run.issues[0]["column"] == "Телефон"
    assert "нет значений начиная со столбца «Телефон»" in run.issues[0]["message"]


def test_trailing_separator_and_recoverable_quotes_are_not_extra_values():
    table = read_table(
        'name,adress,phone\n"Лицей № 1 "Взлёт"","ул. Мира, 5","1"\n"Школа","ул. Нова",""\n'.encode(),
        file_name="a.csv",
    )
    assert [r.error for r in table.rows] == ["", ""]
    assert table.rows[0].values == ['Лицей № 1 "Взлёт"', "ул. Мира, 5", "1"]
    table = read_table(b"a;b;\n1;2;\n3;4;;\n", file_name="a.csv")
    assert [r.error for r in table.rows] == ["", ""]


def test_results_row_with_an_extra_value_is_reported(world):
    run = _results(f"ИНН;Участников\n{world.school.inn};40;12\n", world)
    assert run.counts["invalid"] == 1 and run.issues[0]["column"] == "столбец 3 (без заголовка)"
    assert not AssessmentResult.objects.exists()


def test_xlsx_value_in_a_column_without_header_is_reported(world):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["ИНН", "Полное наименование"])
    sheet.append([int(INN_A), "МОБУ «СОШ № 7»", "примечание"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    run = _run(buffer.getvalue(), mun=world.mun, name="schools.xlsx")
    assert run.counts["invalid"] == 1 and run.issues[0]["column"] == "столбец C (без заголовка)"
    assert "«примечание»" in run.issues[0]["message"]


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "Файл пустой"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "a.png", "не является таблицей CSV или XLSX"),
        (b"\xd0\xcf\x11\xe0rest", "a.xls", "старого формата Excel"),
        (b"name;inn\n", "a.csv", "нет строк с данными"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(data, name, message):
    with pytest.raises(ImportFileError, match=message):
        read_table(data, file_name=name)


def test_no_identifier_column_changes_nothing(world):
    run = _run("Колонка1;Колонка2\nа;б\n", mun=world.mun)
    assert run.status == "failed" and "Нет столбца, по которому" in run.error
    assert (
        not Organisation.objects.filter(municipality=world.mun)
        .exclude(pk__in=[world.school.pk, world.leader.pk, world.partner_org.pk])
        .exists()
    )


def test_file_over_the_limit_is_refused(world, settings):
    settings.UPLOAD_MAX_SIZE = 10
    with pytest.raises(ImportFileError, match="Файл больше 0 МБ"):
        _run("Наименование\nМОБУ «СОШ № 1»\n", mun=world.mun)


# --- rows ------------------------------------------------------------------------------------


def test_wrong_inn_check_digit_rejects_the_file_unless_asked(world):
    text = f"Наименование;ИНН\nМОБУ «СОШ № 11»;{BAD_INN}\nМОБУ «СОШ № 12»;{INN_B}\n"
    run = _run(text, mun=world.mun)
    assert run.status == "rejected" and run.counts["invalid"] == 1
    assert run.issues[0]["line"] == 2 and run.issues[0]["column"] == "ИНН"
    assert not Organisation.objects.filter(inn=INN_B).exists()
    run = _run(text, mun=world.mun, skip_invalid=True)
    assert run.status == "done" and Organisation.objects.filter(inn=INN_B).exists()


def test_matching_by_inn_then_name_never_duplicates(world):
    OrganisationFactory(municipality=world.mun, full_name="МОБУ «СОШ № 21»", inn="")
    text = f'Наименование;ИНН\nМОБУ "СОШ №21";\n{world.school.full_name} (новое имя);{world.school.inn}\n'
    run = _run(text, mun=world.mun)
    assert run.counts == {**run.counts, "new": 0, "updated": 1, "unchanged": 1}
    world.school.refresh_from_db()
    assert world.school.full_name.endswith("(новое имя)")


def test_spelling_of_a_name_alone_never_renames(world):
    """Quotes, spaces and case differ, the ИНН matches: the registry's spelling is kept, so the
    first import is already what every later import of the file finds (zero changes)."""
    world.school.full_name, world.school.short_name = "МОБУ «СОШ № 5»", "СОШ № 5"
    world.school.save()
    text = f'Наименование;ИНН\nмобу "СОШ  №5";{world.school.inn}\n'
    for _attempt in range(2):
        run = _run(text, mun=world.mun)
        assert run.counts["unchanged"] == 1 and run.counts["updated"] == 0
    world.school.refresh_from_db()
    assert (world.school.full_name, world.school.short_name) == ("МОБУ «СОШ № 5»", "СОШ № 5")
    # A short name typed in the file is the school's own choice: it replaces the registry's.
    text = f"Наименование;Краткое наименование;ИНН\nМОБУ «СОШ № 5»;Школа № 5;{world.school.inn}\n"
    assert _run(text, mun=world.mun).counts["updated"] == 1
    assert _run(text, mun=world.mun).counts["updated"] == 0
    world.school.refresh_from_db()
    assert world.school.short_name == "Школа № 5"


def _ogrn(n: int) -> str:
    base = f"1022900{n:05d}"
    return base + str(int(base) % 11 % 10)


def test_an_identifier_of_another_organisation_is_a_conflict_not_a_crash(world):
    """ИНН and ОГРН are unique: a row matched by its ИНН whose ОГРН belongs to another
    school, or two rows of one file with the same ОГРН, are reported and nothing is written."""
    world.leader.ogrn = _ogrn(1)
    world.leader.save()
    text = (
        "Наименование;ИНН;ОГРН\n"
        f"{world.school.full_name};{world.school.inn};{_ogrn(1)}\n"
        f"МОБУ «СОШ № 51»;{INN_A};{_ogrn(2)}\n"
        f"МОБУ «СОШ № 52»;{INN_B};{_ogrn(2)}\n"
    )
    run = _run(text, mun=world.mun)
    assert run.status == "rejected" and run.counts["conflicts"] == 2
    lines = {i["line"]: i for i in run.issues}
    assert lines[2]["column"] == "ОГРН" and lines[2]["code"] == "identifier_taken"
    assert lines[2]["message"] == (
        f"ОГРН {_ogrn(1)} уже принадлежит организации «{world.leader}»; строка не загружена."
    )
    assert lines[4]["message"] == (
        f"ОГРН {_ogrn(2)} уже указан в строке 3 для другой организации; строка не загружена."
    )
    run = _run(text, mun=world.mun, skip_invalid=True)
    assert run.status == "done" and run.counts["new"] == 1
    world.school.refresh_from_db()
    assert world.school.ogrn == "" and Organisation.objects.filter(ogrn=_ogrn(2)).count() == 1


def test_inn_and_ogrn_are_unique_when_given(world):
    from django.db import IntegrityError, transaction

    OrganisationFactory(municipality=world.mun, inn="", ogrn="")
    OrganisationFactory(municipality=world.mun, inn="", ogrn="")  # many partners have neither
    for field, value in (("inn", valid_inn(900)), ("ogrn", _ogrn(3))):
        OrganisationFactory(municipality=world.mun, **{"inn": "", field: value})
        with pytest.raises(IntegrityError), transaction.atomic():
            OrganisationFactory(municipality=world.other_mun, **{"inn": "", field: value})


def test_school_of_another_municipality_is_a_conflict_not_moved(world):
    text = f"Наименование;ИНН\nЧужая школа;{world.other_school.inn}\n"
    run = _run(text, mun=world.mun, skip_invalid=True)
    assert run.counts["conflicts"] == 1
    assert run.issues[0]["code"] == "other_municipality"
    assert run.issues[0]["column"] == "ИНН" and run.issues[0]["line"] == 2
    world.other_school.refresh_from_db()
    assert world.other_school.municipality == world.other_mun


def test_results_of_a_school_of_another_municipality_are_a_conflict(world):
    """The ИНН names a school of another municipality: a conflict, not «нет в реестре»."""
    text = f"ИНН;Предмет;Участников\n{world.other_school.inn};Математика;40\n"
    run = _results(text, world, skip_invalid=True)
    assert run.counts["conflicts"] == 1 and run.counts["invalid"] == 1
    issue = run.issues[0]
    assert issue["severity"] == "conflict" and issue["code"] == "other_municipality"
    assert issue["column"] == "ИНН" and issue["line"] == 2
    assert issue["message"] == (
        f"«{world.other_school}» числится в «{world.other_mun}», а не в муниципалитете этого "
        "импорта; её результаты не загружены."
    )
    assert not AssessmentResult.objects.exists()


def _results(text, world, **kw):
    return _run(text, mun=world.mun, kind="results", assessment="oge", year=2025, **kw)


def test_results_rows_with_bad_numbers_are_reported(world):
    inn = world.school.inn
    text = (
        "ИНН;Предмет;Участников;Средний балл;Не преодолели порог\n"
        f"{inn};Математика;40;14,5;4\n"
        f"{inn};Русский язык;-3;25;1\n"
        f"{inn};Физика;10;20;12\n"
        f"{inn};Астрология;10;20;1\n"
    )
    run = _results(text, world)
    assert run.status == "rejected" and run.counts["invalid"] == 3
    lines = {i["line"]: i for i in run.issues}
    assert lines[3]["column"] == "Участников"
    assert lines[4]["column"] == "Не преодолели порог"
    assert lines[5]["column"] == "Предмет"
    assert not AssessmentResult.objects.exists()
    run = _results(text, world, skip_invalid=True)
    result = AssessmentResult.objects.get()
    assert (
        result.subject == "math"
        and str(result.average_score) == "14.50"
        and result.below_threshold == 4
    )


def test_results_for_a_future_year_are_refused(world):
    with pytest.raises(ImportFileError, match="ещё не наступил"):
        _run("ИНН;Участников\n1;1\n", mun=world.mun, kind="results", assessment="oge", year=2999)


def test_results_of_an_unknown_school_are_reported(world):
    run = _results(f"ИНН;Участников\n{INN_A};10\n", world)
    assert run.counts["invalid"] == 1 and "нет в реестре" in run.issues[0]["message"]


# --- the wizard --------------------------------------------------------------------------------


def test_wizard_upload_mapping_preview_apply(
    users, world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(users.methodologist)
    content = f"Название ОО;ИНН организации;Телефон\nМОБУ «СОШ № 31»;{INN_A};123\n".encode()
    upload = SimpleUploadedFile("школы.csv", content, content_type="text/csv")
    response = client.post(
        reverse("schools:import_new"),
        {"kind": "schools", "municipality": world.mun.pk, "file": upload},
    )
    run = ImportRun.objects.get()
    assert response.status_code == 302 and run.created_by == users.methodologist
    # "ИНН организации" is not a known header: the user maps it by hand.
    assert "inn" not in run.mapping
    response = client.post(
        reverse("schools:import_mapping", args=[run.pk]),
        {"full_name": "Название ОО", "inn": "ИНН организации", "phone": "Телефон"},
    )
    assert response.status_code == 302
    response = client.get(reverse("schools:import_preview", args=[run.pk]))
    assert response.context["run"].counts["new"] == 1
    assert not Organisation.objects.filter(inn=INN_A).exists()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("schools:import_preview", args=[run.pk]), {})
    run.refresh_from_db()
    assert run.status == "done" and run.progress == 100
    assert Organisation.objects.get(inn=INN_A).phone == "123"
    # The mapping is remembered for the municipality and offered on the next upload.
    assert ColumnMapping.objects.get(municipality=world.mun).mapping["inn"] == "ИНН организации"
    upload = SimpleUploadedFile("школы.csv", content, content_type="text/csv")
    client.post(
        reverse("schools:import_new"),
        {"kind": "schools", "municipality": world.mun.pk, "file": upload},
    )
    assert ImportRun.objects.latest("pk").mapping["inn"] == "ИНН организации"
    page = client.get(
        reverse("schools:import_detail", args=[run.pk]), headers={"HX-Request": "true"}
    )
    assert b"import-status" in page.content


def _upload(client, world, content: bytes, name="школы.csv"):
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    client.post(
        reverse("schools:import_new"),
        {"kind": "schools", "municipality": world.mun.pk, "file": upload},
    )
    return ImportRun.objects.latest("pk")


def test_preview_is_computed_once_not_on_every_visit(
    users, world, client_for, django_assert_max_num_queries
):
    client = client_for(users.methodologist)
    run = _upload(client, world, f"Наименование;ИНН\nМОБУ «СОШ № 61»;{INN_A}\n".encode())
    client.post(reverse("schools:import_mapping", args=[run.pk]), run.mapping)
    run.refresh_from_db()
    assert run.status == "previewed" and run.counts["new"] == 1
    url = reverse("schools:import_preview", args=[run.pk])
    client.get(url)
    # The page shows what is stored: the file is neither read nor checked again.
    with (
        mock.patch("schools.services.read_table", side_effect=AssertionError("read")),
        django_assert_max_num_queries(6),
    ):
        response = client.get(url)
    assert response.context["run"].counts["new"] == 1
    assert "Пока ничего не сохранено" in response.content.decode()


def test_large_file_is_checked_by_a_task_with_progress(
    users, world, client_for, django_capture_on_commit_callbacks, settings
):
    from schools import services

    client = client_for(users.methodologist)
    rows = "".join(f"МОБУ «Школа № {i}»;ул. Новая, {i}\n" for i in range(1, 1202))
    run = _upload(client, world, f"Наименование;Адрес\n{rows}".encode())
    assert run.total_rows == 1201 > services.IMPORT_CHECK_SYNC_ROWS
    seen = []
    real = services._set_progress

    def spy(run_id, percent):
        seen.append(percent)
        real(run_id, percent)

    with mock.patch("schools.services._set_progress", spy):
        with django_capture_on_commit_callbacks(execute=False) as queued:
            client.post(reverse("schools:import_mapping", args=[run.pk]), run.mapping)
        run.refresh_from_db()
        assert run.status == "checking" and run.progress == 0
        page = client.get(reverse("schools:import_preview", args=[run.pk]))
        assert 'hx-trigger="every 1s"' in page.content.decode()
        assert "Пока ничего не сохранено" in page.content.decode()
        for callback in queued:
            callback()  # the Celery task (eager in tests)
    run.refresh_from_db()
    assert run.status == "previewed" and run.counts["new"] == 1201
    assert seen and max(seen) < 100 and seen == sorted(seen)
    fragment = client.get(
        reverse("schools:import_preview", args=[run.pk]), headers={"HX-Request": "true"}
    )
    assert b"hx-trigger" not in fragment.content and b'id="import-check"' in fragment.content


def test_rejected_import_goes_back_to_the_check_to_import_the_valid_rows(
    users, world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(users.methodologist)
    text = f"Наименование;ИНН\nМОБУ «СОШ № 62»;{BAD_INN}\nМОБУ «СОШ № 63»;{INN_B}\n"
    run = _upload(client, world, text.encode())
    client.post(reverse("schools:import_mapping", args=[run.pk]), run.mapping)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("schools:import_preview", args=[run.pk]), {})  # not ticked
    run.refresh_from_db()
    assert run.status == "rejected" and not Organisation.objects.filter(inn=INN_B).exists()
    detail = client.get(reverse("schools:import_detail", args=[run.pk])).content.decode()
    assert "Вернуться к проверке: загрузить верные строки без ошибочных" in detail
    page = client.get(reverse("schools:import_preview", args=[run.pk]))
    assert page.context["can_apply"] and 'name="skip_invalid"' in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("schools:import_preview", args=[run.pk]), {"skip_invalid": "on"})
    run.refresh_from_db()
    assert run.status == "done" and Organisation.objects.filter(inn=INN_B).exists()
    # A finished import cannot be started again.
    client.post(reverse("schools:import_preview", args=[run.pk]), {"skip_invalid": "on"})
    run.refresh_from_db()
    assert run.status == "done"


def test_wizard_shows_file_errors_and_saves_nothing(users, world, client_for):
    client = client_for(users.methodologist)
    upload = SimpleUploadedFile(
        "pic.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", content_type="image/png"
    )
    response = client.post(
        reverse("schools:import_new"),
        {"kind": "schools", "municipality": world.mun.pk, "file": upload},
    )
    assert response.status_code == 200
    assert "не является таблицей CSV или XLSX" in response.context["form"].errors["file"][0]
    # The attempt is logged, and nothing else changed.
    run = ImportRun.objects.get()
    assert (
        run.status == "failed"
        and run.file_name == "pic.png"
        and run.created_by == users.methodologist
    )
    assert Organisation.objects.count() == 4


def test_outsider_cannot_import_into_another_municipality(users, world, client_for):
    upload = SimpleUploadedFile("a.csv", b"name\nX\n", content_type="text/csv")
    response = client_for(users.outsider).post(
        reverse("schools:import_new"),
        {"kind": "schools", "municipality": world.mun.pk, "file": upload},
    )
    assert response.status_code == 200 and "municipality" in response.context["form"].errors


# --- the commands ------------------------------------------------------------------------------


def test_command_without_municipality_uses_the_file_column_and_dry_run_changes_nothing(
    world, tmp_path
):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    path = tmp_path / "schools.csv"
    path.write_text(
        f"Наименование;ИНН;Муниципалитет\nМОБУ «СОШ № 41»;{INN_A};Первый округ\n"
        f"МОБУ «СОШ № 42»;{INN_B};второй округ\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    call_command("import_schools", str(path), dry_run=True, stdout=out)
    assert "новых: 2" in out.getvalue() and "ничего не изменено" in out.getvalue()
    assert not Organisation.objects.filter(inn__in=[INN_A, INN_B]).exists()
    call_command("import_schools", str(path), stdout=io.StringIO())
    assert Organisation.objects.get(inn=INN_A).municipality == world.mun
    assert Organisation.objects.get(inn=INN_B).municipality == world.other_mun
    path.write_text(
        "Наименование;Муниципалитет\nМОБУ «СОШ № 43»;Неизвестный округ\n", encoding="utf-8"
    )
    out = io.StringIO()
    with pytest.raises(CommandError, match="Ошибочных строк: 1"):
        call_command("import_schools", str(path), stdout=out)
    assert "Неизвестный округ" in ImportRun.objects.latest("pk").issues[0]["message"]
    # Each problem is printed in Russian: «строка 2 [Муниципалитет]: …», not «line 2».
    assert "  строка 2 [Муниципалитет]: Муниципалитета «Неизвестный округ»" in out.getvalue()
    with pytest.raises(CommandError, match="не найден"):
        call_command("import_schools", str(tmp_path / "missing.csv"), stdout=io.StringIO())


@pytest.mark.parametrize(
    ("kind", "year"), [("schools", 1850), ("results", 1850), ("results", 2999)]
)
def test_wizard_shows_a_wrong_year_under_the_year_not_the_file(
    users, world, client_for, kind, year
):
    client = client_for(users.methodologist)
    upload = SimpleUploadedFile(
        "школы.csv", "ИНН;Участников\n1;1\n".encode(), content_type="text/csv"
    )
    response = client.post(
        reverse("schools:import_new"),
        {
            "kind": kind,
            "municipality": world.mun.pk,
            "assessment": "oge",
            "year": year,
            "file": upload,
        },
    )
    errors = response.context["form"].errors
    assert response.status_code == 200 and "file" not in errors
    assert str(year) in errors["year"][0]
    assert not ImportRun.objects.exists()
