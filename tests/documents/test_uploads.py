"""Uploads are checked by their content, not only by their name (one rule for every form)."""

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from network_portal.documents.uploads import DOCUMENTS, SCANS, upload_problem, validate_upload

PDF = b"%PDF-1.7\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00"


@pytest.mark.parametrize(
    ("name", "head", "extensions", "problem"),
    [
        ("scan.pdf", PDF, SCANS, None),
        ("scan.JPG", b"\xff\xd8\xff\xe0\x00\x10JFIF", SCANS, None),
        ("scan.png", b"\x89PNG\r\n\x1a\n\x00", SCANS, None),
        ("scan.pdf", b"\x89PNG\r\n\x1a\n\x00", SCANS, "content"),
        ("scan.pdf", EXE, SCANS, "content"),
        ("scan.docx", b"PK\x03\x04", SCANS, "extension"),
        ("scan.exe", PDF, SCANS, "extension"),
        ("отчёт.docx", b"PK\x03\x04\x14\x00", DOCUMENTS, None),
        ("отчёт.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", DOCUMENTS, None),
        ("отчёт.rtf", b"{\\rtf1\\ansi", DOCUMENTS, None),
        ("отчёт.txt", "Проведён семинар\r\n".encode(), DOCUMENTS, None),
        ("отчёт.csv", "школа;балл\n".encode("cp1251"), DOCUMENTS, None),
        ("отчёт.pdf", EXE, DOCUMENTS, "content"),
        ("отчёт.docx", EXE, DOCUMENTS, "content"),
        ("отчёт.txt", EXE, DOCUMENTS, "content"),
        ("отчёт.zip", b"PK\x03\x04", DOCUMENTS, "extension"),
        ("отчёт", PDF, DOCUMENTS, "extension"),
    ],
)
def test_upload_is_checked_by_extension_and_content(name, head, extensions, problem):
    assert (
        upload_problem(name=name, head=head, size=100, extensions=extensions, max_size=1000)
        == problem
    )


def test_size_limit_and_empty_file():
    common = {"name": "a.pdf", "extensions": SCANS, "max_size": 1000}
    assert upload_problem(head=PDF, size=1001, **common) == "size"
    assert upload_problem(head=b"", size=0, **common) == "empty"


def test_refusal_names_the_file_in_russian_and_keeps_the_stream_readable(settings):
    settings.UPLOAD_MAX_SIZE = 1024
    upload = SimpleUploadedFile("протокол.pdf", EXE)
    with pytest.raises(forms.ValidationError) as refused:
        validate_upload(upload, extensions=SCANS)
    assert refused.value.code == "file_content"
    assert refused.value.messages == [
        "Файл «протокол.pdf» не соответствует своему расширению (pdf): загрузите сам "
        "документ, а не другой файл."
    ]
    with pytest.raises(forms.ValidationError) as refused:
        validate_upload(SimpleUploadedFile("a.exe", PDF), extensions=SCANS)
    assert refused.value.messages == [
        "Файлы типа «exe» не принимаются. Допустимые типы: PDF, JPG, JPEG, PNG."
    ]
    with pytest.raises(forms.ValidationError) as refused:
        validate_upload(SimpleUploadedFile("big.pdf", PDF + b"x" * 2000), extensions=SCANS)
    assert "слишком большой" in refused.value.messages[0]
    accepted = SimpleUploadedFile("скан.pdf", PDF)
    validate_upload(accepted, extensions=SCANS)
    assert accepted.read() == PDF
