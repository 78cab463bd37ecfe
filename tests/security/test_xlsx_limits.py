"""Spreadsheets are read off the web worker and within limits (issue 16, item 8).

The attack: a 385 KB XLSX took 29.6 s and 731 MB of a web worker (a far-away cell pads every
row to 16,384 columns) and a 1.1 MB one got the worker killed (a member unpacking to
gigabytes). Now the upload request only checks the archive and stores the file; the Celery
worker reads it with caps on rows, columns and cell size; each attack is refused with a
Russian message and nothing is written.
"""

from __future__ import annotations

import io
import re
import time
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from schools.importing import spreadsheet
from schools.importing.reader import ImportFileError, read_table
from schools.models import ImportRun, ImportStatus, Organisation
from tests.factories import valid_inn

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _workbook(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _rewrite_sheet(data: bytes, change) -> bytes:
    """The same workbook with the XML of its first sheet changed (as an attacker would)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                content = change(content)
            target.writestr(item, content)
    return out.getvalue()


def _schools(n=2) -> list[list[str]]:
    return [["Название", "ИНН"]] + [[f"МОБУ «СОШ № {i}»", valid_inn(900 + i)] for i in range(n)]


def _far_cell(data: bytes, ref: str) -> bytes:
    row = re.sub(r"[A-Z]", "", ref)

    def change(xml: bytes) -> bytes:
        xml = re.sub(rb'<dimension ref="[^"]+" ?/>', b'<dimension ref="A1:XFD1048576"/>', xml)
        far = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row>'
        return xml.replace(b"</sheetData>", far.encode() + b"</sheetData>")

    return _rewrite_sheet(data, change)


def _bomb() -> bytes:
    """A sheet padded with 40 MB of spaces: a 50 KB file."""
    padding = b" " * (40 * 1024 * 1024)
    return _rewrite_sheet(
        _workbook(_schools()), lambda xml: xml.replace(b"<sheetData>", padding + b"<sheetData>")
    )


def _upload(client, world, data: bytes, name="школы.xlsx"):
    return client.post(
        reverse("schools:import_new"),
        {
            "kind": "schools",
            "municipality": world.mun.pk,
            "file": SimpleUploadedFile(name, data, content_type=XLSX),
        },
    )


def test_xlsx_is_read_in_the_worker_not_in_the_request(
    world, users, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    opened = []
    real = openpyxl.load_workbook

    def spy(*args, **kwargs):
        opened.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(openpyxl, "load_workbook", spy)
    client = client_for(users.methodologist)
    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = _upload(client, world, _workbook(_schools()))
    run = ImportRun.objects.get()
    assert not opened, "the web request parsed the spreadsheet"
    assert run.status == ImportStatus.READING
    assert response["Location"] == reverse("schools:import_detail", args=[run.pk])
    assert len(queued) == 1
    queued[0]()  # the worker reads the file
    assert len(opened) == 1
    run.refresh_from_db()
    assert run.status == ImportStatus.UPLOADED and run.headers == ["Название", "ИНН"]
    assert run.total_rows == 2 and run.mapping["inn"] == "ИНН"
    page = client.get(reverse("schools:import_detail", args=[run.pk])).content.decode()
    assert reverse("schools:import_mapping", args=[run.pk]) in page

    # Confirming the columns checks a small spreadsheet in the worker too.
    with django_capture_on_commit_callbacks(execute=False) as queued:
        client.post(reverse("schools:import_mapping", args=[run.pk]), run.mapping)
    assert len(opened) == 1
    for callback in queued:
        callback()
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEWED and run.counts["new"] == 2
    assert client_for(users.outsider).get(
        reverse("schools:import_detail", args=[run.pk])
    ).status_code in (403, 404)


def test_zip_bomb_is_refused_at_upload_without_unpacking(
    world, users, client_for, django_capture_on_commit_callbacks
):
    data = _bomb()
    assert len(data) < 200 * 1024
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        response = _upload(client_for(users.methodologist), world, data)
    assert time.monotonic() - started < 2
    assert response.status_code == 200
    assert "упаков" in response.content.decode()
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED and not run.file
    assert not Organisation.objects.filter(inn=valid_inn(900)).exists()


def test_far_away_cell_is_refused_quickly_in_the_worker(
    world, users, client_for, django_capture_on_commit_callbacks
):
    data = _far_cell(_workbook(_schools()), "XFD500000")
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        _upload(client_for(users.methodologist), world, data)
    assert time.monotonic() - started < 10
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.FAILED
    assert "200\u00a0000" in run.error and "строк" in run.error
    assert not Organisation.objects.filter(inn=valid_inn(900)).exists()


@pytest.mark.parametrize(
    "case, message",
    [
        ("columns", "не более 300 столбцов"),
        ("cell", "в ячейке 10001 символов, допускается не более 10000"),
        ("rows", "больше 50 строк"),
    ],
)
def test_limits_are_refused_in_russian(monkeypatch, case, message):
    if case == "columns":
        data = _workbook([["Название", "ИНН"] + [""] * 298 + ["лишний"], ["Школа", "1"]])
    elif case == "cell":
        data = _workbook([["Название", "ИНН"], ["Ш" * 10_001, "1"]])
    else:
        monkeypatch.setattr(spreadsheet, "MAX_ROWS", 50)
        data = _workbook(_schools(51))
    with pytest.raises(ImportFileError, match=message):
        read_table(data, file_name="f.xlsx")


def test_a_table_within_the_limits_reads_as_before():
    table = read_table(_far_cell(_workbook(_schools(3)), "C10"), file_name="f.xlsx")
    assert table.headers == ["Название", "ИНН"] and len(table.rows) == 4
    assert table.rows[-1].error  # the value without a header is still reported
