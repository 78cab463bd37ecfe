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
import time
from pathlib import Path

from django.conf import settings

from tests.tools import missing

BASE_DIR = Path(settings.BASE_DIR)
CLOSED_PG = "postgres://portal:pg-Secret-77@127.0.0.1:1/portal"
CLOSED_REDIS = "redis://:redis-Secret-77@127.0.0.1:1/0"
ASK = (
    "import django, json; django.setup();"
    "from django.test import Client;"
    "r = Client().get('/healthz');"
    "print(json.dumps({'status': r.status_code, 'body': r.content.decode()}))"
)


def _healthz(**env_vars: str) -> tuple[int, dict, str, float]:
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
    return answer["status"], json.loads(answer["body"]), result.stderr, elapsed


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
