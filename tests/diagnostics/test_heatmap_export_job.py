"""The heatmap's XLSX of a big municipality is a background job (issue 17): the request only
queues it, the heatmap page shows its status, the failure reason with a retry button, and the
download once it is ready; the same data asked again is the same job."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from diagnostics import exports, heatmap_export
from network_portal.documents.models import Job, JobStatus
from network_portal.ui.spreadsheets import XLSX_CONTENT_TYPE

from .test_heatmap_pages import _bulk_schools

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(world, monkeypatch):
    """A municipality of 14 schools (12 with a profile) over an inline limit of 5."""
    monkeypatch.setattr(heatmap_export, "INLINE_MAX_SCHOOLS", 5)
    _bulk_schools(world, 12)
    return world


def test_big_export_is_a_job_whose_file_the_heatmap_offers(
    client_for, users, big, django_capture_on_commit_callbacks
):
    client = client_for(users.methodologist)
    url = reverse("diagnostics:heatmap")
    with django_capture_on_commit_callbacks(execute=True):  # the eager task runs on commit
        response = client.get(url, {"municipality": big.mun.pk, "format": "xlsx"})
    assert response.status_code == 302
    job = Job.objects.get(kind=heatmap_export.KIND)
    assert response["Location"] == heatmap_export.export_page_url(job)
    assert job.status == JobStatus.READY and job.requested_by == users.methodologist
    page = client.get(response["Location"])
    assert page.context["export_job"] == job
    download = reverse("documents:download", args=[job.pk])
    assert download in page.content.decode()
    sheet = load_workbook(io.BytesIO(client.get(download).getvalue())).active
    assert sheet.max_row == 2 + 14  # title, header, every school
    # the same data asked again: the same job, nothing queued
    again = client.get(url, {"municipality": big.mun.pk, "format": "xlsx"})
    assert again["Location"] == heatmap_export.export_page_url(job)
    assert Job.objects.filter(kind=heatmap_export.KIND).count() == 1


def test_while_queued_the_page_polls_the_status(client_for, users, big):
    client = client_for(users.methodologist)
    response = client.get(
        reverse("diagnostics:heatmap"), {"municipality": big.mun.pk, "format": "xlsx"}
    )  # no commit in this test: the job stays queued
    job = Job.objects.get(kind=heatmap_export.KIND)
    assert job.status == JobStatus.QUEUED
    html = client.get(response["Location"]).content.decode()
    assert reverse("documents:detail", args=[job.pk]) in html  # hx-get of the status
    assert reverse("documents:download", args=[job.pk]) not in html


def test_a_failed_export_shows_why_and_can_be_retried(
    client_for, users, big, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(heatmap):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(exports, "heatmap_workbook", broken)
    client = client_for(users.methodologist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(
            reverse("diagnostics:heatmap"), {"municipality": big.mun.pk, "format": "xlsx"}
        )
    job = Job.objects.get(kind=heatmap_export.KIND)
    assert job.status == JobStatus.FAILED and job.error
    html = client.get(response["Location"]).content.decode()
    assert job.error in html
    assert "disk on fire" not in html
    assert reverse("documents:retry", args=[job.pk]) in html
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.READY


def test_small_export_stays_in_the_request(client_for, users, world):
    _bulk_schools(world, 3)
    response = client_for(users.methodologist).get(
        reverse("diagnostics:heatmap"), {"municipality": world.mun.pk, "format": "xlsx"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert not Job.objects.filter(kind=heatmap_export.KIND).exists()


def test_nobody_else_sees_the_export_job(
    client_for, users, big, django_capture_on_commit_callbacks
):
    client = client_for(users.methodologist)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(reverse("diagnostics:heatmap"), {"municipality": big.mun.pk, "format": "xlsx"})
    job = Job.objects.get(kind=heatmap_export.KIND)
    # the coordinator of the region may see it (the heatmap is theirs too); a teacher may not
    assert heatmap_export._can_view(users.coordinator, job)
    assert not heatmap_export._can_view(users.director, job)
    assert not heatmap_export._can_view(users.outsider, job)
    client = client_for(users.coordinator)
    page = client.get(
        reverse("diagnostics:heatmap"), {"export": job.pk, "municipality": big.mun.pk}
    )
    assert page.context["export_job"] == job
    other = Job.objects.create(kind="reports.school", title="x", params={}, status=JobStatus.READY)
    page = client.get(reverse("diagnostics:heatmap"), {"export": other.pk})
    assert page.context["export_job"] is None  # only heatmap exports are shown there
    assert client.get(reverse("diagnostics:heatmap"), {"export": "x"}).context["export_job"] is None
