"""``/healthz``: open without login, JSON, 503 naming the part that is down, no secrets."""

import time

import pytest
from django.conf import settings

import network_portal
from network_portal.ui import views

pytestmark = pytest.mark.django_db


def test_healthy_portal_answers_200_with_every_part(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-cache" in response["Cache-Control"]
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "broker": "ok" if settings.CELERY_BROKER_URL else "eager",
        "version": network_portal.__version__,
    }


def test_database_down_gives_503_naming_the_database(client, monkeypatch):
    def broken():
        raise ConnectionError("could not connect to server: password=db-Secret-1")

    monkeypatch.setattr(views, "_check_database", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["database"] == "error"
    assert body["failing"] == ["database"]
    assert "db-Secret-1" not in response.content.decode()


def test_broker_down_gives_503_naming_the_broker(client, settings):
    settings.CELERY_BROKER_URL = "redis://:broker-Secret-2@127.0.0.1:1/0"  # nothing listens
    started = time.monotonic()
    response = client.get("/healthz")
    assert time.monotonic() - started < 15
    assert response.status_code == 503
    body = response.json()
    assert body["broker"] == "error"
    assert body["database"] == "ok"
    assert body["failing"] == ["broker"]
    text = response.content.decode()
    assert "broker-Secret-2" not in text
    assert "127.0.0.1:1" not in text


def test_output_has_no_settings_or_secrets(client):
    text = client.get("/healthz").content.decode()
    for secret in (settings.SECRET_KEY, str(settings.DATABASES["default"].get("PASSWORD") or "")):
        if secret:
            assert secret not in text
    assert str(settings.DATABASES["default"]["NAME"]) not in text


def test_only_get_is_allowed(client):
    assert client.post("/healthz").status_code == 405
