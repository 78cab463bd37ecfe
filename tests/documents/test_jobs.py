"""Document jobs: build, failure with the reason and no file, retry, duplicate delivery, access."""

import datetime as dt

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ObjectDoesNotExist
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from network_portal.documents import registry, services
from network_portal.documents.models import Job, JobStatus
from network_portal.documents.registry import BuiltFile, DocumentBuildError, DocumentKind
from network_portal.documents.tasks import recover_jobs

pytestmark = pytest.mark.django_db

CALLS: list[int] = []


def _ok(job):
    CALLS.append(job.pk)
    return BuiltFile(name="report.pdf", content=b"%PDF-1.4 test")


def _broken(job):
    raise RuntimeError("TemplateDoesNotExist: reports/pdf/missing.html")


def _refused(job):
    raise DocumentBuildError("Участник не отмечен как присутствовавший.")


def _empty(job):
    return BuiltFile(name="empty.pdf", content=b"")


@pytest.fixture(autouse=True)
def kinds(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    CALLS.clear()
    state = {"build": _ok}
    registry.register(
        DocumentKind(
            key="test.doc",
            build=lambda job: state["build"](job),
            can_view=lambda user, job: user.email == "shared@example.test",
            data_version=lambda params: f"v{params.get('v', 1)}",
        )
    )
    registry.register(DocumentKind(key="test.empty", build=_empty, can_view=lambda u, j: False))
    yield state
    registry._KINDS.pop("test.doc", None)
    registry._KINDS.pop("test.empty", None)


def request(user, capture, **params):
    with capture(execute=True):
        job = services.job_request(kind="test.doc", params=params, title="Отчёт", user=user)
    job.refresh_from_db()
    return job


def test_job_is_built_and_stored_privately(users, django_capture_on_commit_callbacks, settings):
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.READY and job.progress == 100 and job.attempts == 1
    assert job.file.path.startswith(str(settings.STORAGES["private"]["OPTIONS"]["location"]))
    assert job.file.read() == b"%PDF-1.4 test"


GENERIC = (
    "Документ не удалось сформировать из-за внутренней ошибки. Повторите попытку; если ошибка "
    "повторится, сообщите администратору портала."
)


def test_failed_job_shows_a_russian_reason_and_the_exception_only_to_staff(
    users, kinds, django_capture_on_commit_callbacks, client_for, caplog
):
    kinds["build"] = _broken
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert job.error == GENERIC
    assert (
        job.error_detail == "builtins.RuntimeError: TemplateDoesNotExist: reports/pdf/missing.html"
    )
    assert "missing.html" in caplog.text  # logged with its traceback for the administrators
    assert not job.file
    client = client_for(users.methodologist)
    assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
    page = client.get(reverse("documents:detail", args=[job.pk])).content.decode()
    assert GENERIC in page and "Повторить" in page
    assert "missing.html" not in page and "RuntimeError" not in page
    listing = client.get(reverse("documents:list")).content.decode()
    assert GENERIC in listing and "missing.html" not in listing
    staff_page = client_for(users.admin).get(reverse("documents:detail", args=[job.pk]))
    assert "Технические подробности" in staff_page.content.decode()
    assert "TemplateDoesNotExist: reports/pdf/missing.html" in staff_page.content.decode()


def test_a_reason_the_builder_gives_is_shown_as_it_is(
    users, kinds, django_capture_on_commit_callbacks
):
    kinds["build"] = _refused
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert job.error == "Участник не отмечен как присутствовавший."


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (
            OperationalError("server closed the connection"),
            "Во время формирования документа база данных была недоступна.",
        ),
        (
            ObjectDoesNotExist("x"),
            "То, о чём этот документ, больше не существует",
        ),
        (OSError(28, "No space left on device"), "Готовый документ не удалось сохранить."),
        (
            SoftTimeLimitExceeded(),
            "Документ формировался слишком долго",
        ),
        (KeyError("subject"), "из-за внутренней ошибки"),
    ],
)
def test_known_failures_have_their_own_russian_reason(exc, reason):
    assert reason in services.failure_reason(exc)


def test_empty_result_is_a_failure(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_request(
            kind="test.empty", params={}, title="Пусто", user=users.methodologist
        )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.file


def test_retry_builds_again(users, kinds, client_for, django_capture_on_commit_callbacks):
    kinds["build"] = _broken
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    kinds["build"] = _ok
    client = client_for(users.methodologist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.READY and job.attempts == 2 and job.error == ""
    # a ready job cannot be "retried"
    assert client.post(reverse("documents:retry", args=[job.pk])).status_code == 403


def test_duplicate_delivery_builds_once(users, django_capture_on_commit_callbacks):
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    services.job_run(job_id=job.pk)
    assert [job.pk] == CALLS


def recover(capture) -> dict:
    """Run the beat task as Celery would (eagerly here); its re-queued jobs are built."""
    with capture(execute=True):
        return recover_jobs.delay().get()


def _stale_running(**fields) -> Job:
    return Job.objects.create(
        kind="test.doc",
        title="Зависший",
        status=JobStatus.RUNNING,
        started_at=timezone.now() - services.STALE_AFTER - dt.timedelta(minutes=1),
        attempts=1,
        **fields,
    )


def test_a_redelivery_does_not_take_a_running_job_even_a_stale_one(users):
    """Only the beat's recovery (or a new request) puts a stale job back in the queue."""
    job = _stale_running()
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING and not CALLS


def test_beat_task_queues_a_stale_running_job_again_and_it_is_built(
    users, django_capture_on_commit_callbacks
):
    job = _stale_running()
    fresh = Job.objects.create(
        kind="test.doc", title="Идёт", status=JobStatus.RUNNING, started_at=timezone.now()
    )
    result = recover(django_capture_on_commit_callbacks)
    assert result["requeued"] == 1 and result["failed"] == 0
    job.refresh_from_db()
    fresh.refresh_from_db()
    assert job.status == JobStatus.READY and job.attempts == 2
    assert fresh.status == JobStatus.RUNNING  # a live build is left alone
    assert [job.pk] == CALLS


def test_beat_task_sends_a_lost_queued_job_again(users, django_capture_on_commit_callbacks):
    lost = Job.objects.create(
        kind="test.doc",
        title="Потерянный",
        queued_at=timezone.now() - services.STALE_AFTER - dt.timedelta(minutes=1),
    )
    waiting = Job.objects.create(kind="test.doc", title="Ждёт")  # queued just now
    result = recover(django_capture_on_commit_callbacks)
    assert result["resent"] == 1
    lost.refresh_from_db()
    waiting.refresh_from_db()
    assert lost.status == JobStatus.READY
    assert waiting.status == JobStatus.QUEUED
    assert [lost.pk] == CALLS


def test_a_job_whose_worker_keeps_dying_fails_with_a_retry(
    users, django_capture_on_commit_callbacks, client_for
):
    job = _stale_running(requested_by=users.methodologist)
    Job.objects.filter(pk=job.pk).update(attempts=services.MAX_ATTEMPTS)
    assert recover(django_capture_on_commit_callbacks)["failed"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error.startswith("Документ не удалось сформировать: формирование несколько раз")
    client = client_for(users.methodologist)
    html = client.get(
        reverse("documents:detail", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in html and "Повторить" in html
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.READY


def test_asking_again_for_a_document_whose_job_is_stale_does_not_return_it_stuck(
    users, django_capture_on_commit_callbacks, client_for
):
    stuck = _stale_running(params={"v": 1}, data_version="v1", requested_by=users.methodologist)
    job = request(users.methodologist, django_capture_on_commit_callbacks, v=1)
    assert job.status == JobStatus.READY
    assert job.pk == stuck.pk and [stuck.pk] == CALLS
    html = (
        client_for(users.methodologist)
        .get(reverse("documents:detail", args=[job.pk]), headers={"HX-Request": "true"})
        .content.decode()
    )
    assert "hx-trigger" not in html and "Скачать" in html


def test_a_live_job_is_returned_as_it_is(users, django_capture_on_commit_callbacks):
    running = Job.objects.create(
        kind="test.doc",
        title="Идёт",
        params={"v": 1},
        data_version="v1",
        status=JobStatus.RUNNING,
        started_at=timezone.now(),
    )
    job = request(users.methodologist, django_capture_on_commit_callbacks, v=1)
    assert job.pk == running.pk and job.status == JobStatus.RUNNING and not CALLS


def test_the_beat_schedule_runs_the_recovery_more_often_than_jobs_go_stale(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["recover-document-jobs"]
    assert entry["task"] == "documents.recover_jobs"
    assert entry["schedule"] < services.STALE_AFTER
    assert services.STALE_AFTER.total_seconds() > services.TIME_LIMIT


def test_unchanged_data_is_not_rebuilt(users, django_capture_on_commit_callbacks):
    first = request(users.methodologist, django_capture_on_commit_callbacks, v=1)
    again = request(users.methodologist, django_capture_on_commit_callbacks, v=1)
    changed = request(users.methodologist, django_capture_on_commit_callbacks, v=2)
    assert again.pk == first.pk and changed.pk != first.pk
    assert len(CALLS) == 2


def test_only_the_requester_and_allowed_users_see_a_job(
    users, client_for, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    job = request(users.methodologist, django_capture_on_commit_callbacks)
    shared = UserFactory(email="shared@example.test")
    assert client_for(shared).get(reverse("documents:download", args=[job.pk])).status_code == 200
    for user in (users.outsider, users.director):
        client = client_for(user)
        assert client.get(reverse("documents:detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
        assert "Отчёт" not in client.get(reverse("documents:list")).content.decode()


def test_status_partial_polls_until_finished(users, client_for):
    job = services.job_request(kind="test.doc", params={}, title="Отчёт", user=users.methodologist)
    client = client_for(users.methodologist)
    partial = client.get(reverse("documents:detail", args=[job.pk]), headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert "<html" not in html and 'hx-trigger="every 2s"' in html and "В очереди" in html
    services.job_run(job_id=job.pk)
    html = client.get(
        reverse("documents:detail", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in html and "Скачать" in html


def test_missing_file_gives_404_not_500(users, client_for, django_capture_on_commit_callbacks):
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    job.file.storage.delete(job.file.name)
    assert (
        client_for(users.methodologist)
        .get(reverse("documents:download", args=[job.pk]))
        .status_code
        == 404
    )


def test_job_list_in_constant_queries(users, client_for, django_assert_num_queries):
    client = client_for(users.methodologist)
    client.get(reverse("documents:list"))
    for _ in range(2):
        Job.objects.create(kind="test.doc", title="a", requested_by=users.methodologist)
    with django_assert_num_queries(5):
        client.get(reverse("documents:list"))
    for _ in range(20):
        Job.objects.create(kind="test.doc", title="a", requested_by=users.methodologist)
    with django_assert_num_queries(5):
        client.get(reverse("documents:list"))


def test_job_page_links_back_to_its_source(users, client_for, django_capture_on_commit_callbacks):
    registry.register(
        DocumentKind(
            key="test.linked",
            build=_ok,
            can_view=lambda u, j: False,
            source_url=lambda job: f"/somewhere/{job.params['id']}/",
        )
    )
    registry.register(
        DocumentKind(
            key="test.gone", build=_ok, can_view=lambda u, j: False, source_url=lambda job: 1 / 0
        )
    )
    try:
        linked = services.job_request(
            kind="test.linked", params={"id": 7}, title="С источником", user=users.methodologist
        )
        gone = services.job_request(
            kind="test.gone", params={}, title="Источник удалён", user=users.methodologist
        )
        client = client_for(users.methodologist)
        assert (
            'href="/somewhere/7/"'
            in client.get(reverse("documents:detail", args=[linked.pk])).content.decode()
        )
        assert client.get(reverse("documents:detail", args=[gone.pk])).status_code == 200
    finally:
        registry._KINDS.pop("test.linked", None)
        registry._KINDS.pop("test.gone", None)
