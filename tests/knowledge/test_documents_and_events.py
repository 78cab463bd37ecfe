"""The practice passport (PDF through the documents jobs) and «Описать практику» after a
network event with a report."""

import datetime as dt
import subprocess

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import EventReport
from knowledge.models import Practice
from network_portal.documents.models import Job
from tests.events.factories import EventFactory
from tests.tools import require_tool

from .factories import practice

pytestmark = pytest.mark.django_db


def test_passport_pdf_prints_html_as_text(
    users, world, client_for, tmp_path, django_capture_on_commit_callbacks
):
    pdftotext = require_tool("pdftotext")
    p = practice(world.mun, title="Практика <b>жирно</b>", problem="Проблема <i>курсив</i>")
    client = client_for(users.director)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("knowledge:practice_passport", args=[p.pk]))
    job = Job.objects.get()
    assert response.status_code == 302 and job.status == "ready", job.error
    pdf = tmp_path / "p.pdf"
    pdf.write_bytes(job.file.read())
    text = subprocess.run(  # noqa: S603 — our own file and a fixed tool
        [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    text = " ".join(text.split())
    assert "Паспорт практики" in text and "Практика <b>жирно</b>" in text
    assert "Проблема <i>курсив</i>" in text
    # another municipality's user may not request a draft's passport
    draft = practice(world.mun, status="draft")
    outsider = client_for(users.outsider)
    assert outsider.post(reverse("knowledge:practice_passport", args=[draft.pk])).status_code == 404


def test_held_event_with_report_offers_a_practice(users, world, client_for):
    event = EventFactory(
        organiser=world.leader,
        status="held",
        starts_at=timezone.now() - dt.timedelta(days=3),
        ends_at=timezone.now() - dt.timedelta(days=3, hours=-2),
    )
    EventReport.objects.create(
        event=event, summary="Открытые уроки", results="Программы переписаны"
    )
    client = client_for(users.methodologist)
    url = reverse("knowledge:practice_from_event", args=[event.pk])
    page = client.get(reverse("events:detail", args=[event.pk])).content.decode()
    assert url in page and "Описать практику" in page
    form = client.get(url).context["form"]
    assert form.initial["results"] == "Программы переписаны"
    assert "Открытые уроки" in form.initial["actions"]
    assert client_for(users.outsider).get(url).status_code == 404
    assert not Practice.objects.exists()  # nothing saved before the form is sent
