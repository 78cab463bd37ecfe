"""Document jobs under faults: a failing build, a worker killed mid-way, a dead broker.

A job must end either *ready with a complete file* or *failed with its reason and a retry*;
never half-built, never served broken, never stuck where nobody can retry it. A job left
behind by a dead worker is recovered by the beat task ``documents.recover_jobs``, which the
tests run as Celery would, never by calling ``job_run`` by hand.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.storage import storages
from django.db import OperationalError
from django.urls import reverse
from django.utils import timezone

from network_portal import celery_app
from network_portal.documents import services
from network_portal.documents import storage as document_storage
from network_portal.documents.models import Job, JobStatus
from network_portal.documents.registry import BuiltFile, DocumentKind, register
from network_portal.documents.tasks import recover_jobs

PDF = b"%PDF-1.4\n% a complete test document\n%%EOF\n"


class Flaky:
    """A builder that fails (or "dies") a given number of times, then builds."""

    def __init__(self) -> None:
        self.failures: list[BaseException] = []
        self.calls = 0

    def __call__(self, job: Job) -> BuiltFile:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return BuiltFile("report.pdf", PDF)


FLAKY = Flaky()
register(DocumentKind(key="tests.faults.flaky", build=FLAKY, can_view=lambda user, job: False))


@pytest.fixture
def flaky():
    FLAKY.failures, FLAKY.calls = [], 0
    return FLAKY


def _files_in_private_storage() -> list[Path]:
    root = Path(Job._meta.get_field("file").storage.location)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _partial_files() -> list[Path]:
    return [p for p in _files_in_private_storage() if document_storage.PARTIAL_DIR in str(p)]


def _beat_after_stale(django_capture_on_commit_callbacks) -> dict:
    """Time passes beyond ``STALE_AFTER``; beat's recovery task runs (its re-queued build too)."""
    later = timezone.now() + services.STALE_AFTER + timedelta(minutes=1)
    with time_machine.travel(later), django_capture_on_commit_callbacks(execute=True):
        return recover_jobs.delay().get()


def _request(user, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_request(
            kind="tests.faults.flaky", params={"n": 1}, title="Отчёт", user=user
        )
    job.refresh_from_db()
    return job


def test_transient_error_fails_the_job_with_its_reason_and_retry_builds_it(
    users, client, flaky, django_capture_on_commit_callbacks
):
    flaky.failures = [OperationalError("could not connect to server: Connection refused")]
    job = _request(users.director, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert job.error == (
        "Во время формирования документа база данных была недоступна. "
        "Повторите попытку через несколько минут."
    )
    assert "Connection refused" in job.error_detail  # for the administrators
    assert not job.file
    client.force_login(users.director)
    assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
    page = client.get(reverse("documents:detail", args=[job.pk])).content.decode()
    assert "база данных была недоступна" in page and "Connection refused" not in page
    # The database is back: the user presses "retry".
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    assert job.error == ""
    assert job.attempts == 2
    download = client.get(reverse("documents:download", args=[job.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF


def test_worker_killed_mid_build_leaves_no_file_and_the_beat_queues_the_job_again(
    users, client, flaky, django_capture_on_commit_callbacks
):
    # SystemExit is what a worker being stopped raises; `except Exception` does not catch it.
    flaky.failures = [SystemExit(1)]
    before = set(_files_in_private_storage())
    with pytest.raises(SystemExit):
        _request(users.director, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="tests.faults.flaky")
    assert job.status == JobStatus.RUNNING
    assert not job.file
    assert set(_files_in_private_storage()) == before
    # REJECT_ON_WORKER_LOST redelivers at once: it does nothing, the job is still someone's.
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert flaky.calls == 1
    client.force_login(users.director)
    polled = client.get(reverse("documents:detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in polled.content.decode()
    # Before STALE_AFTER the beat leaves it alone (it may still be building) …
    with django_capture_on_commit_callbacks(execute=True):
        assert recover_jobs.delay().get()["requeued"] == 0
    # … after it, the beat's recovery task queues it again and it is built completely.
    assert _beat_after_stale(django_capture_on_commit_callbacks)["requeued"] == 1
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    assert job.attempts == 2
    with job.file.open("rb") as fh:
        assert fh.read() == PDF
    polled = client.get(reverse("documents:detail", args=[job.pk]), headers={"HX-Request": "true"})
    assert "hx-trigger" not in polled.content.decode() and "Скачать" in polled.content.decode()


def test_worker_stopped_while_writing_the_file_leaves_no_file_at_all(
    users, client, flaky, monkeypatch, django_capture_on_commit_callbacks
):
    before = set(_files_in_private_storage())

    def die_half_way(handle, content):
        handle.write(content[:10])  # the stop comes in the middle of the write
        handle.flush()
        raise SystemExit(1)

    monkeypatch.setattr(document_storage, "_write", die_half_way)
    with pytest.raises(SystemExit):
        _request(users.director, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="tests.faults.flaky")
    assert job.status == JobStatus.RUNNING and not job.file
    assert set(_files_in_private_storage()) == before, "a half-written file stayed on disk"
    client.force_login(users.director)
    assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
    monkeypatch.undo()
    _beat_after_stale(django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    response = client.get(reverse("documents:download", args=[job.pk]))
    assert b"".join(response.streaming_content) == PDF
    assert set(_files_in_private_storage()) - before == {Path(job.file.path)}


def test_worker_killed_outright_while_writing_leaves_only_a_temporary_file_the_beat_removes(
    users, client, flaky, monkeypatch, django_capture_on_commit_callbacks
):
    """SIGKILL runs no ``finally``: the half-written bytes stay — under a temporary name that
    is never served, until the beat sweeps it; the final name only ever holds a whole file."""
    before = set(_files_in_private_storage())

    def killed_half_way(handle, content):
        handle.write(content[:10])
        handle.flush()
        raise SystemExit(1)

    monkeypatch.setattr(document_storage, "_write", killed_half_way)
    monkeypatch.setattr(document_storage.os, "unlink", lambda path: None)  # no cleanup ran
    with pytest.raises(SystemExit):
        _request(users.director, django_capture_on_commit_callbacks)
    monkeypatch.undo()
    job = Job.objects.get(kind="tests.faults.flaky")
    left = set(_files_in_private_storage()) - before
    assert left and all(p in _partial_files() for p in left), left
    assert all(p.read_bytes() == PDF[:10] for p in left)
    assert not job.file
    with django_capture_on_commit_callbacks(execute=True):
        soon = recover_jobs.delay().get()
    assert soon["partial_files"] == 0, "a fresh temporary file may still be being written"
    assert all(p.exists() for p in left)
    assert _beat_after_stale(django_capture_on_commit_callbacks)["partial_files"] == len(left)
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    assert set(_files_in_private_storage()) - before == {Path(job.file.path)}
    with job.file.open("rb") as fh:
        assert fh.read() == PDF


def test_a_duplicate_delivery_builds_once(users, flaky, django_capture_on_commit_callbacks):
    before = set(_files_in_private_storage())
    job = _request(users.director, django_capture_on_commit_callbacks)
    services.job_run(job_id=job.pk)  # the broker delivered the task twice
    assert flaky.calls == 1
    assert len(set(_files_in_private_storage()) - before) == 1


@pytest.fixture
def dead_broker():
    """Celery really publishing, to a Redis port where nothing listens."""
    conf = celery_app.conf
    keys = ("task_always_eager", "broker_url", "broker_write_url", "broker_read_url")
    keys += ("broker_transport_options",)
    saved = {key: conf[key] for key in keys}
    conf.task_always_eager = False
    # With a real broker configured (CI), Celery also fixed the read/write URLs from it.
    conf.broker_url = conf.broker_write_url = conf.broker_read_url = "redis://127.0.0.1:1/0"
    conf.broker_transport_options = {"max_retries": 1, "interval_start": 0, "interval_step": 0}
    _drop_connections()
    yield
    for key, value in saved.items():
        conf[key] = value
    _drop_connections()


def _drop_connections() -> None:
    """Forget pooled connections so that the next publish uses the current broker_url."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def test_broker_down_when_requesting_marks_the_job_failed_and_retry_works_when_back(
    users, client, flaky, dead_broker, django_capture_on_commit_callbacks
):
    client.force_login(users.director)
    with django_capture_on_commit_callbacks(execute=True):
        try:
            services.job_request(
                kind="tests.faults.flaky", params={"n": 2}, title="Отчёт", user=users.director
            )
        except Exception as exc:  # the user would see a server error page instead
            pytest.fail(f"requesting a document with the broker down raised {exc!r}")
    job = Job.objects.get(kind="tests.faults.flaky")
    assert job.status == JobStatus.FAILED, "a job that never reached the queue must not wait"
    assert job.error
    celery_app.conf.task_always_eager = True  # the broker is back (eager stands in for it)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("documents:retry", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == JobStatus.READY


def test_private_storage_is_where_jobs_write():
    assert Path(storages["private"].location).name
