"""The agreement PDF: built by the documents job from the partnership, read back as text."""

import subprocess

import pytest
from django.urls import reverse

from network_portal.documents.models import Job, JobStatus
from partnerships import services
from partnerships.models import AgreementTemplate
from tests.tools import require_tool

from .factories import AgreementFactory

pytestmark = pytest.mark.django_db


def _pdf_text(path) -> str:
    """The text of a PDF with whitespace collapsed (line breaks fall anywhere in a table)."""
    pdftotext = require_tool("pdftotext")
    out = subprocess.run(  # noqa: S603 — our own file and a fixed tool
        [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


@pytest.fixture
def agreement(partnership, world):
    world.school.full_name = "Муниципальное общеобразовательное бюджетное учреждение «СОШ № 5»"
    world.school.director_name = "Орлова Елена Сергеевна"
    world.school.address = "г. Северогорск, ул. Школьная, д. 5"
    world.school.save()
    return AgreementFactory(
        partnership=partnership,
        subject="Сотрудничество в обучении детей с ОВЗ",
        obligations="Проводить консультации <b>и</b> стажировки",
    )


def test_pdf_has_parties_details_term_and_page_numbers(
    users, agreement, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.agreement_request_pdf(agreement=agreement, user=users.methodologist)
    job.refresh_from_db()
    assert job.status == JobStatus.READY, job.error
    text = _pdf_text(job.file.path)
    assert "Соглашение о сотрудничестве" in text
    assert f"№ {agreement.number}" in text
    assert "Муниципальное общеобразовательное бюджетное учреждение «СОШ № 5»" in text
    assert f"ИНН: {world.school.inn}" in text
    assert "Орлова Елена Сергеевна" in text
    assert "Сотрудничество в обучении детей с ОВЗ" in text
    assert "Проводить консультации <b>и</b> стажировки" in text  # escaped, not bold markup
    assert "«1» сентября 2026 года" in text and "«30» июня 2027 года" in text
    assert "МОБУ «СОШ № 9»" in text and "ГАПОУ «Колледж»" in text
    assert "Страница 1 из" in text


def test_network_contract_cites_article_15(users, agreement, django_capture_on_commit_callbacks):
    agreement.kind = "network_programme"
    agreement.save()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.agreement_request_pdf(agreement=agreement, user=users.methodologist)
    job.refresh_from_db()
    text = _pdf_text(job.file.path)
    assert "статьёй 15 Федерального закона от 29.12.2012 № 273-ФЗ" in text


def test_edited_template_changes_the_document_and_is_rendered_safely(
    users, agreement, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = services.agreement_request_pdf(agreement=agreement, user=users.methodologist)
    services.agreement_template_save(
        kind="cooperation",
        title="Соглашение о сетевом взаимодействии",
        body="# Особые условия\n\n{{ settings.SECRET_KEY }} {% debug %} <img src=x> {предмет}",
        actor=users.coordinator,
        region=agreement.municipality.region,
    )
    with django_capture_on_commit_callbacks(execute=True):
        second = services.agreement_request_pdf(agreement=agreement, user=users.methodologist)
    assert second.pk != first.pk  # the template changed: a new document
    second.refresh_from_db()
    text = _pdf_text(second.file.path)
    assert "Соглашение о сетевом взаимодействии" in text and "Особые условия" in text
    assert "{{ settings.SECRET_KEY }} {% debug %} <img src=x>" in text


def test_failed_build_shows_the_reason_and_retry(
    users, agreement, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    AgreementTemplate.objects.all().delete()

    def broken(*args, **kwargs):
        raise RuntimeError("Шрифт не найден")

    monkeypatch.setattr("partnerships.documents.render_pdf", broken)
    client = client_for(users.methodologist)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("partnerships:agreement_pdf", args=[agreement.pk]))
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED and not job.file
    page = client.get(
        reverse("partnerships:agreement_detail", args=[agreement.pk])
    ).content.decode()
    # the requester reads a Russian reason, not the exception (logged, shown to staff only)
    assert "Документ не удалось сформировать из-за внутренней ошибки" in page
    assert "Шрифт не найден" not in page
    assert reverse("documents:retry", args=[job.pk]) in page
    assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.READY


def test_pdf_keeps_abbreviations_and_each_signature_on_one_line(
    users, agreement, world, django_capture_on_commit_callbacks
):
    from diagnostics.models import RiskFactor

    agreement.partnership.risk_factors.set(RiskFactor.objects.filter(code__in=[9]))
    world.leader.director_name = "Морозов Дмитрий Андреевич"
    world.leader.save()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.agreement_request_pdf(agreement=agreement, user=users.methodologist)
    job.refresh_from_db()
    text = _pdf_text(job.file.path)
    assert "снижение рисков: высокая доля обучающихся с ОВЗ." in text
    assert "овз" not in text
    assert "(школа-лидер); руководитель — Морозов Дмитрий Андреевич, действует" in text
    assert "в лице" not in text and "действующего" not in text
    pdftotext = require_tool("pdftotext")
    lines = subprocess.run(  # noqa: S603 — our own file and a fixed tool
        [pdftotext, "-layout", str(job.file.path), "-"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    signatures = [line.split("/")[1].strip() for line in lines if "_____ /" in line]
    assert signatures[:2] == ["Орлова Е. С.", "Морозов Д. А."]  # whole, not wrapped
