"""Celery: eager without a broker, through Redis to a real worker with one.

The broker test runs when ``CELERY_BROKER_URL`` is set (``.ci/run`` sets it) and is skipped
otherwise; a configured but unreachable broker is a failure, never a skip.
"""

import uuid

import kombu.pools
import pytest
from celery.backends.redis import RedisBackend
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from network_portal.celery import app as celery_app
from network_portal.celery import ping


@pytest.fixture
def celery_conf():
    """Change the Celery configuration for one test and put it back afterwards."""
    keys = ("task_always_eager", "result_backend")
    saved = {key: celery_app.conf[key] for key in keys}
    yield celery_app.conf
    celery_app.conf.update(saved)


def test_the_app_is_eager_exactly_when_no_broker_is_configured():
    """Settings decide; tests/conftest.py then makes every test but ``broker`` ones eager."""
    assert settings.CELERY_TASK_ALWAYS_EAGER is (not settings.CELERY_BROKER_URL)
    assert (celery_app.conf.broker_url or "") == (settings.CELERY_BROKER_URL or "")


@pytest.mark.broker
def test_broker_tests_see_the_configured_mode():
    assert celery_app.conf.task_always_eager is settings.CELERY_TASK_ALWAYS_EAGER


def test_ping_runs_eagerly_without_a_broker(celery_conf):
    celery_conf.task_always_eager = True
    result = ping.delay()
    assert result.get(timeout=1) == "pong"
    assert result.successful()


def test_beat_schedule_names_only_registered_tasks():
    celery_app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    unknown = {key: e["task"] for key, e in schedule.items() if e["task"] not in celery_app.tasks}
    assert not unknown, f"CELERY_BEAT_SCHEDULE names unknown tasks: {unknown}"


@pytest.mark.broker
def test_ping_goes_through_the_broker_to_a_real_worker(celery_conf):
    url = settings.CELERY_BROKER_URL
    if not url:
        pytest.skip("CELERY_BROKER_URL is not set; .ci/run sets it to the local Redis")
    try:
        with celery_app.connection_for_write(url=url) as connection:
            connection.ensure_connection(max_retries=1, timeout=3)
    except Exception as exc:  # a configured broker must answer: fail, do not skip
        pytest.fail(f"CELERY_BROKER_URL is set but the broker does not answer: {exc!r}")

    # Fresh connection pools (another test may have closed them), and a queue of its own, so
    # that no message left by another test reaches this worker.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    kombu.pools.reset()
    queue = f"portal-test-{uuid.uuid4().hex}"
    celery_conf.update(task_always_eager=False, result_backend=url)
    backend = RedisBackend(app=celery_app, url=url)
    with start_worker(
        celery_app,
        pool="solo",
        queues=[queue],
        perform_ping_check=False,
        loglevel="WARNING",
        shutdown_timeout=10,
    ):
        sent = ping.apply_async(queue=queue)
        assert celery_app.AsyncResult(sent.id, backend=backend).get(timeout=30) == "pong"
    backend.forget(sent.id)
