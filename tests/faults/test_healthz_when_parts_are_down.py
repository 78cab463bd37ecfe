"""``/healthz`` answers 503 and names the part that is down.

Nothing is mocked: each case starts the portal in a subprocess whose ``DATABASE_URL`` or
``CELERY_BROKER_URL`` points at a closed port on 127.0.0.1 (as if PostgreSQL or Redis had
stopped) and asks ``/healthz`` through Django's test client. The "all up" case needs the
local PostgreSQL and Redis: it skips itself locally when they are not there and fails in CI
(``tests.tools.missing``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings

from tests.tools import missing

BASE_DIR = Path(settings.BASE_DIR)
CLOSED_PG = "postgres://portal:pg-Secret-77@127.0.0.1:1/portal"
CLOSED_REDIS = "redis://:redis-Secret-77@127.0.0.1:1/0"
ASK = (
    "import django, json, time; django.setup();"
    "from django.test import Client;"
    "from django.urls import get_resolver;"
    "get_resolver().url_patterns;"  # a running server has its urlconf loaded: time the request
    "started = time.monotonic();"
    "r = Client().get('/healthz');"
    "took = time.monotonic() - started;"
    "print(json.dumps({'status': r.status_code, 'body': r.content.decode(), 'took': took}))"
)


def _healthz(**env_vars: str) -> tuple[int, dict, str, float]:
    status, payload, stderr, elapsed, _took = _healthz_timed(**env_vars)
    return status, payload, stderr, elapsed


def _healthz_timed(**env_vars: str) -> tuple[int, dict, str, float, float]:
    """Status, body, stderr, the subprocess's whole time and the time of the request."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "CELERY_BROKER_URL", "PORTAL_ENV"))
    }
    env.update(PORTAL_ENV="development", **env_vars)
    started = time.monotonic()
    result = subprocess.run(  # noqa: S603 (our own interpreter and a fixed script)
        [sys.executable, "-c", ASK],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    return answer["status"], json.loads(answer["body"]), result.stderr, elapsed, answer["took"]


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_database_down_gives_503_naming_the_database():
    status, payload, _, _ = _healthz(DATABASE_URL=CLOSED_PG)
    assert status == 503
    assert payload["status"] == "error"
    assert payload["failing"] == ["database"]
    assert payload["database"] == "error"
    assert payload["broker"] == "eager"


def test_broker_down_gives_503_naming_the_broker_quickly():
    status, payload, _, elapsed = _healthz(CELERY_BROKER_URL=CLOSED_REDIS)
    assert status == 503
    assert payload["failing"] == ["broker"]
    assert payload["database"] == "ok"
    # A load balancer's probe must not hang on a dead broker (start-up included).
    assert elapsed < 20


def test_both_down_names_both_and_leaks_no_secret():
    status, payload, stderr, _ = _healthz(DATABASE_URL=CLOSED_PG, CELERY_BROKER_URL=CLOSED_REDIS)
    assert status == 503
    assert payload["failing"] == ["database", "broker"]
    text = json.dumps(payload) + stderr
    for secret in ("pg-Secret-77", "redis-Secret-77", "127.0.0.1:1"):
        assert secret not in text


def test_all_up_gives_200():
    if not (_port_open(5432) and _port_open(6379)):
        missing("needs the local PostgreSQL (5432) and Redis (6379)")
    status, payload, _, _ = _healthz(
        DATABASE_URL="postgres://postgres@127.0.0.1:5432/postgres",
        CELERY_BROKER_URL="redis://127.0.0.1:6379/15",
    )
    assert status == 200, payload
    assert payload == {**payload, "status": "ok", "database": "ok", "broker": "ok"}


@pytest.fixture
def hung_port():
    """A listening socket that accepts connections and never answers a byte (a server that
    hangs: a stopped process behind a live port, a half-dead load balancer)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def test_hung_database_and_broker_answer_503_within_3_seconds(hung_port):
    status, payload, stderr, _, took = _healthz_timed(
        DATABASE_URL=f"postgres://portal:pg-Secret-77@127.0.0.1:{hung_port}/portal",
        CELERY_BROKER_URL=f"redis://:redis-Secret-77@127.0.0.1:{hung_port}/0",
    )
    assert took < 3, took
    assert status == 503
    assert payload["failing"] == ["database", "broker"]
    assert payload["database"] in ("error", "timeout")
    assert payload["broker"] in ("error", "timeout")
    assert "pg-Secret-77" not in json.dumps(payload) + stderr


def test_hung_broker_alone_is_named_within_3_seconds(hung_port):
    status, payload, _, _, took = _healthz_timed(
        CELERY_BROKER_URL=f"redis://127.0.0.1:{hung_port}/0"
    )
    assert took < 3, took
    assert status == 503
    assert payload["failing"] == ["broker"]
    assert payload["database"] == "ok"
