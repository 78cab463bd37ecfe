"""A UTF-8 file with one damaged byte is read as UTF-8, never guessed as cp1251 from it.

The attack: 5,000 schools in UTF-8, one invalid byte on line 3,001; the file was read as
cp1251 and every name written garbled — names of schools matched by ИНН overwritten. Now the
encoding is decided on the whole file, the damaged line is reported with its line and column,
the other rows import with their names intact, and the check page shows a sample of the names
as read before anything is written.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schools.importing.decoding import decode_bytes
from schools.importing.reader import ImportFileError, read_table
from schools.models import ImportRun, ImportStatus, Organisation
from tests.factories import OrganisationFactory, valid_inn

pytestmark = pytest.mark.django_db

ROWS = 5000
DAMAGED_LINE = 3001  # the header is line 1: data row 3,000


def _name(i: int) -> str:
    return f"МОБУ «Средняя общеобразовательная школа № {i}» с. Берёзовка"


def _file(damage: bool = True) -> bytes:
    lines = ["Полное наименование;ИНН"]
    lines += [f"{_name(i)};{valid_inn(100_000 + i)}" for i in range(1, ROWS + 1)]
    data = "\n".join(lines).encode("utf-8")
    if damage:
        start = data.index(f"{_name(DAMAGED_LINE - 1)};".encode())
        data = data[:start] + b"\xff" + data[start:]
    return data


def test_one_bad_byte_does_not_make_the_file_cp1251():
    decoded = decode_bytes(_file())
    assert decoded.encoding == "utf-8"
    assert [(b.line, b.column, b.byte) for b in decoded.bad] == [(DAMAGED_LINE, 1, 0xFF)]
    table = read_table(_file(), file_name="школы.csv")
    damaged = [row for row in table.rows if row.error]
    assert [row.line for row in damaged] == [DAMAGED_LINE]
    assert "Строка 3001, символ 1" in damaged[0].error
    assert damaged[0].error_column == "Полное наименование"
    assert table.rows[0].values[0] == _name(1)


@pytest.mark.parametrize("encoding", ["cp1251", "koi8_r", "cp866"])
def test_single_byte_cyrillic_files_are_still_recognised(encoding):
    text = "Полное наименование;ИНН\n" + "".join(
        f"МОБУ Средняя школа N {i} с. Берёзовка;{valid_inn(i)}\n" for i in range(1, 60)
    )
    table = read_table(text.encode(encoding), file_name="школы.csv")
    assert table.encoding == encoding
    assert table.rows[0].values[0] == "МОБУ Средняя школа N 1 с. Берёзовка"


def test_noise_is_refused_rather_than_guessed():
    noise = bytes((i * 97 + 131) % 128 + 128 for i in range(4000))
    with pytest.raises(ImportFileError, match="кодировк"):
        read_table(b"a;b\n" + noise, file_name="f.csv")


def test_the_import_keeps_names_and_reports_the_damaged_line(
    world, users, client_for, django_capture_on_commit_callbacks
):
    matched = OrganisationFactory(
        municipality=world.mun, full_name=_name(7), short_name="СОШ № 7", inn=valid_inn(100_007)
    )
    client = client_for(users.methodologist)
    upload = SimpleUploadedFile("школы.csv", _file(), content_type="text/csv")
    client.post(
        reverse("schools:import_new"),
        {"kind": "schools", "municipality": world.mun.pk, "file": upload},
    )
    run = ImportRun.objects.get()
    assert run.encoding == "utf-8"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("schools:import_mapping", args=[run.pk]), run.mapping)
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEWED and run.counts["invalid"] == 1
    issue = next(i for i in run.issues if i["line"] == DAMAGED_LINE)
    assert issue["column"] == "Полное наименование" and "3001" in issue["message"]

    # Before anything is written the check page shows names as read, start to end.
    page = client.get(reverse("schools:import_preview", args=[run.pk])).content.decode()
    assert _name(1) in page and _name(ROWS) in page
    assert not Organisation.objects.filter(inn=valid_inn(100_001)).exists()
    assert client_for(users.outsider).get(
        reverse("schools:import_preview", args=[run.pk])
    ).status_code in (403, 404)

    with django_capture_on_commit_callbacks(execute=True):
        client_for(users.methodologist).post(
            reverse("schools:import_preview", args=[run.pk]), {"skip_invalid": "on"}
        )
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    matched.refresh_from_db()
    assert matched.full_name == _name(7)
    imported = Organisation.objects.filter(municipality=world.mun, inn__startswith="77")
    assert imported.count() >= ROWS - 1
    assert not imported.filter(full_name__contains="Р°").exists()  # no mojibake («Р°» = «а»)
    assert Organisation.objects.get(inn=valid_inn(100_000 + ROWS)).full_name == _name(ROWS)
