"""With a real Redis broker (``CELERY_BROKER_URL``, set in CI) a report job goes through a real
Celery worker: queued by ``job_request`` on commit, claimed and built in the worker thread.

Skipped locally when no broker is configured (a failure in CI, which sets one); a configured but
unreachable broker is a failure.
"""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import transaction

from network_portal.celery import app as celery_app
from network_portal.documents import services as document_services
from network_portal.documents.models import Job, JobStatus
from network_portal.documents.tasks import build_document
from reports.selectors import Period
from reports.services import report_request
from tests.tools import missing

from .helpers import PERIOD, school_with_history


@pytest.fixture
def broker_url():
    url = settings.CELERY_BROKER_URL
    if not url:
        missing("CELERY_BROKER_URL is not set; CI sets it to the local Redis")
    try:
        with celery_app.connection_for_write(url=url) as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # a configured broker must answer: fail, do not skip
        pytest.fail(f"CELERY_BROKER_URL is set but the broker does not answer: {exc!r}")
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield url
    celery_app.conf.task_always_eager = saved


@pytest.mark.broker
def test_report_job_is_built_by_a_real_worker(
    broker_url, transactional_db, world, users, monkeypatch
):
    school_with_history(world)
    # A queue of its own, so that no other worker on this Redis takes the message.
    queue = f"reports-test-{uuid.uuid4().hex}"
    monkeypatch.setattr(
        document_services,
        "_enqueue",
        lambda job: transaction.on_commit(
            lambda: build_document.apply_async(args=[job.pk], queue=queue)
        ),
    )
    with start_worker(
        celery_app,
        pool="solo",
        queues=[queue],
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
    ):
        job = report_request(
            user=users.curator,
            subject="school",
            pk=world.school.pk,
            subject_name=world.school.short_name,
            period=Period(**PERIOD),
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.is_finished:
                break
            time.sleep(0.2)
    assert job.status == JobStatus.READY, job.error or job.status
    assert job.attempts == 1
    with job.file.open("rb") as handle:
        assert handle.read(4) == b"%PDF"
    assert Job.objects.count() == 1
