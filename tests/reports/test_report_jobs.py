"""Ordering progress reports as document jobs, and who may order and download them."""

import io
import zipfile

import pytest
from django.urls import reverse

from network_portal.documents.models import Job, JobStatus

from .helpers import school_with_history

pytestmark = pytest.mark.django_db

PERIOD = {"start": "2025-09-01", "end": "2026-08-31"}


@pytest.fixture(autouse=True)
def _run_on_commit(django_capture_on_commit_callbacks, monkeypatch):
    """Jobs are queued with ``transaction.on_commit``; run those callbacks (eager Celery)."""
    monkeypatch.setattr(_State, "capture", staticmethod(django_capture_on_commit_callbacks))


class _State:
    capture = None


def order(client, subject, pk, **period):
    data = {f"{subject}-target": pk}
    data.update({f"{subject}-{k}": v for k, v in {**PERIOD, **period}.items()})
    with _State.capture(execute=True):
        return client.post(reverse("reports:order", args=[subject]), data)


def post(client, url):
    with _State.capture(execute=True):
        return client.post(url)


def test_curator_orders_a_report_and_downloads_the_pdf(world, users, client_for):
    school_with_history(world)
    client = client_for(users.curator)
    response = order(client, "school", world.school.pk)
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.kind == "reports.school"
    assert job.status == JobStatus.READY, job.error  # eager Celery in tests
    assert job.file_name.endswith(".pdf") and "СОШ_5" in job.file_name
    page = client.get(reverse("reports:list"))
    assert job.title in page.content.decode()
    download = client.get(reverse("documents:download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")


def test_unchanged_report_is_not_rebuilt_and_a_change_rebuilds_it(world, users, client_for):
    history = school_with_history(world)
    client = client_for(users.curator)
    order(client, "school", world.school.pk)
    order(client, "school", world.school.pk)
    assert Job.objects.count() == 1
    history.late.status = "done"
    history.late.save()
    order(client, "school", world.school.pk)
    assert Job.objects.count() == 2
    assert len(set(Job.objects.values_list("data_version", flat=True))) == 2


@pytest.mark.parametrize(
    ("role", "subject", "allowed"),
    [
        ("curator", "school", True),
        ("director", "school", True),
        ("methodologist", "school", True),
        ("coordinator", "school", True),
        ("methodologist", "municipality", True),
        ("methodologist", "partnership", True),
        ("curator", "partnership", True),
        ("curator", "municipality", False),
        ("director", "municipality", False),
        ("teacher", "school", False),
        ("partner", "school", False),
        ("outsider", "school", False),
        ("outsider", "partnership", False),
        ("outsider", "municipality", False),
        ("outsider_director", "school", False),
    ],
)
def test_who_may_order_which_report(world, users, client_for, role, subject, allowed):
    history = school_with_history(world)
    pk = {
        "school": world.school.pk,
        "partnership": history.partnership.pk,
        "municipality": world.mun.pk,
    }
    response = order(client_for(getattr(users, role)), subject, pk[subject])
    assert response.status_code == (302 if allowed else 404)
    assert Job.objects.exists() == allowed


def test_curator_cannot_order_a_school_she_is_not_assigned_to(world, users, client_for):
    response = order(client_for(users.curator), "school", world.leader.pk)
    assert response.status_code == 404


def test_outsider_cannot_download_or_see_someone_elses_report(world, users, client_for, client):
    school_with_history(world)
    order(client_for(users.curator), "school", world.school.pk)
    job = Job.objects.get()
    for user in (users.outsider, users.outsider_director, users.teacher):
        client.force_login(user)
        assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
        assert client.get(reverse("documents:detail", args=[job.pk])).status_code == 404
    # the methodologist of the municipality may see a report of her school
    client.force_login(users.methodologist)
    assert client.get(reverse("documents:download", args=[job.pk])).status_code == 200


def test_invalid_period_re_shows_the_form_with_a_russian_message(world, users, client_for):
    response = order(
        client_for(users.curator), "school", world.school.pk, start="2026-05-01", end="2026-01-01"
    )
    assert response.status_code == 200
    assert "Конец периода раньше его начала" in response.content.decode()
    assert not Job.objects.exists()


def test_curator_orders_all_her_schools_as_one_zip(world, users, client_for):
    from network_portal.accounts.models import Role
    from tests.factories import RoleAssignmentFactory

    school_with_history(world)
    RoleAssignmentFactory(user=users.curator, role=Role.CURATOR, organisation=world.leader)
    client = client_for(users.curator)
    assert post(client, reverse("reports:order_bundle")).status_code == 302
    job = Job.objects.get()
    assert job.status == JobStatus.READY, job.error
    content = b"".join(client.get(reverse("documents:download", args=[job.pk])).streaming_content)
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    assert len(names) == 2 and all(n.endswith(".pdf") for n in names)


def test_bundle_is_for_curators_only(world, users, client_for):
    assert client_for(users.director).post(reverse("reports:order_bundle")).status_code == 403


def test_failed_report_shows_the_reason_and_can_be_retried(world, users, client_for, monkeypatch):
    import reports.documents

    school_with_history(world)

    def broken(context):
        raise RuntimeError("шрифт не найден")

    working = reports.documents.report_render
    monkeypatch.setattr(reports.documents, "report_render", broken)
    client = client_for(users.curator)
    order(client, "school", world.school.pk)
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    page = client.get(reverse("reports:list")).content.decode()
    # the requester reads a Russian reason, never the exception's own text (that is logged)
    assert "Документ не удалось сформировать из-за внутренней ошибки" in page
    assert "шрифт не найден" not in page and "RuntimeError" not in page
    assert reverse("documents:retry", args=[job.pk]) in page
    monkeypatch.setattr(reports.documents, "report_render", working)
    post(client, reverse("documents:retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.READY


def test_report_list_shows_only_my_report_jobs(world, users, client_for):
    Job.objects.create(
        kind="reports.school", title="Чужой отчёт", params={}, requested_by=users.methodologist
    )
    Job.objects.create(
        kind="agreements.pdf", title="Соглашение", params={}, requested_by=users.curator
    )
    page = client_for(users.curator).get(reverse("reports:list")).content.decode()
    assert "Чужой отчёт" not in page and "Соглашение" not in page
    assert "Вы ещё не заказывали отчётов" in page


def _messages(client) -> str:
    return client.get(reverse("reports:list")).content.decode()


# Transactional: as in the demo (eager Celery, autocommit) the job is built inside the request,
# before the view words its message; a test transaction would delay the build past it.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_message_after_ordering_says_what_became_of_the_report(
    world, users, client_for, monkeypatch
):
    school_with_history(world)
    client = client_for(users.curator)
    order(client, "school", world.school.pk)
    page = _messages(client)
    assert "Отчёт готов." in page and "Отчёт формируется" not in page
    order(client, "school", world.school.pk)
    assert "Данные не менялись с момента формирования отчёта: он готов." in _messages(client)
    # with a real worker the job is still waiting when the page comes back
    from network_portal.documents import services as document_services

    monkeypatch.setattr(document_services, "_enqueue", lambda job: None)
    order(client, "school", world.school.pk, start="2025-10-01")
    page = _messages(client)
    assert "Отчёт формируется" in page and "Отчёт готов." not in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_message_after_a_failed_build_gives_the_reason(world, users, client_for, monkeypatch):
    import reports.documents

    school_with_history(world)

    def broken(context):
        raise RuntimeError("boom")

    monkeypatch.setattr(reports.documents, "report_render", broken)
    client = client_for(users.curator)
    order(client, "school", world.school.pk)
    page = _messages(client)
    assert "Не удалось сформировать отчёт: Документ не удалось сформировать" in page
    assert "Отчёт формируется" not in page and "boom" not in page


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_zip_of_my_schools_is_for_the_chosen_period(world, users, client_for):
    school_with_history(world)
    client = client_for(users.curator)
    with _State.capture(execute=True):
        response = client.post(
            reverse("reports:order_bundle"),
            {"bundle-start": "2024-09-01", "bundle-end": "2025-08-31"},
        )
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.params["start"], job.params["end"]) == ("2024-09-01", "2025-08-31")
    assert "01.09.2024–31.08.2025" in job.title
    assert job.file_name == "Отчёты_2025-08-31.zip"
    assert "Отчёты по вашим школам готовы одним ZIP-архивом." in _messages(client)


def test_the_zip_with_a_wrong_period_explains_and_keeps_the_dates(world, users, client_for):
    client = client_for(users.curator)
    response = client.post(
        reverse("reports:order_bundle"), {"bundle-start": "2026-05-01", "bundle-end": "2026-01-01"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Конец периода раньше его начала" in html
    assert 'value="2026-05-01"' in html and 'value="2026-01-01"' in html
    assert not Job.objects.exists()


def test_the_zip_without_a_period_is_for_the_current_school_year(world, users, client_for):
    """The home-page button posts no dates: the school year so far, as a single report."""
    from reports.views import default_period

    client = client_for(users.curator)
    assert post(client, reverse("reports:order_bundle")).status_code == 302
    period = default_period()
    job = Job.objects.get()
    assert (job.params["start"], job.params["end"]) == (
        period.start.isoformat(),
        period.end.isoformat(),
    )
