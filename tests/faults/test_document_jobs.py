"""Document jobs under faults: a failing build, a worker killed mid-way, a dead broker.

A job must end either *ready with a complete file* or *failed with its reason and a retry*;
never half-built, never served broken, never stuck where nobody can retry it.
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
from network_portal.documents.models import Job, JobStatus
from network_portal.documents.registry import BuiltFile, DocumentKind, register

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
    assert "Connection refused" in job.error
    assert not job.file
    client.force_login(users.director)
    assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
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


def test_worker_killed_mid_build_leaves_no_file_and_the_job_is_claimed_again_later(
    users, flaky, django_capture_on_commit_callbacks
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
    # A redelivery soon after does nothing: the job is still someone's.
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.RUNNING
    assert flaky.calls == 1
    # After STALE_AFTER the job is claimable again and is built completely.
    with time_machine.travel(timezone.now() + services.STALE_AFTER + timedelta(minutes=1)):
        services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    assert job.attempts == 2
    with job.file.open("rb") as fh:
        assert fh.read() == PDF


def test_worker_killed_while_storing_never_serves_a_partial_file(
    users, client, flaky, monkeypatch, django_capture_on_commit_callbacks
):
    storage = Job._meta.get_field("file").storage

    def die_half_way(name, content, max_length=None):
        path = Path(storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.read()[:10])  # the kill comes in the middle of the write
        raise SystemExit(1)

    monkeypatch.setattr(storage, "save", die_half_way)
    with pytest.raises(SystemExit):
        _request(users.director, django_capture_on_commit_callbacks)
    job = Job.objects.get(kind="tests.faults.flaky")
    assert job.status != JobStatus.READY
    client.force_login(users.director)
    assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
    monkeypatch.undo()
    with time_machine.travel(timezone.now() + services.STALE_AFTER + timedelta(minutes=1)):
        services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.READY
    response = client.get(reverse("documents:download", args=[job.pk]))
    assert b"".join(response.streaming_content) == PDF


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
