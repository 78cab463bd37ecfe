"""Deployment settings: `check --deploy`, CSP, login lockout, passwords, sessions.

The production checks run ``manage.py`` in a subprocess with production-like environment
variables (nothing is connected: ``check`` does not open the database or the broker).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

BASE_DIR = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "k7#pQ9!vZr2@xLm4$Tn8^Wb6&Yc1*Hd3(Fg5)Js0-Ke9+Qa7=Ub2",
    "ALLOWED_HOSTS": "portal.example.ru",
    "CSRF_TRUSTED_ORIGINS": "https://portal.example.ru",
    "SITE_URL": "https://portal.example.ru",
    "DATABASE_URL": "postgres://portal:secret@127.0.0.1:5432/portal",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
    "EMAIL_URL": "smtp+tls://portal:secret@smtp.example.ru:587",
}


def _manage(*args: str, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    # tests/conftest.py sets DJANGO_ALLOW_ASYNC_UNSAFE for Playwright; a deployment would not.
    skip = ("DATABASE_", "CELERY_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(PRODUCTION_ENV)
    env.update(extra_env or {})
    return subprocess.run(  # noqa: S603 (our own manage.py with fixed arguments)
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production():
    result = _manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", extra_env={"SECRET_KEY": ""})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


PRODUCTION_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "DEBUG": s.DEBUG,
    "SESSION_COOKIE_SECURE": s.SESSION_COOKIE_SECURE,
    "SESSION_COOKIE_HTTPONLY": s.SESSION_COOKIE_HTTPONLY,
    "SESSION_COOKIE_AGE": s.SESSION_COOKIE_AGE,
    "CSRF_COOKIE_SECURE": s.CSRF_COOKIE_SECURE,
    "SECURE_HSTS_SECONDS": s.SECURE_HSTS_SECONDS,
    "SECURE_SSL_REDIRECT": s.SECURE_SSL_REDIRECT,
    "X_FRAME_OPTIONS": s.X_FRAME_OPTIONS,
    "AXES_ENABLED": getattr(s, "AXES_ENABLED", True),
    "AXES_FAILURE_LIMIT": s.AXES_FAILURE_LIMIT,
}))
"""


def test_production_cookies_sessions_and_transport():
    result = _manage("shell", "-c", PRODUCTION_SETTINGS)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    # A session ends after a working day at most (set, not Django's default of two weeks).
    assert 0 < values["SESSION_COOKIE_AGE"] <= 24 * 60 * 60
    assert values["SECURE_HSTS_SECONDS"] >= 60 * 60 * 24 * 180
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["AXES_ENABLED"] is True
    assert 3 <= values["AXES_FAILURE_LIMIT"] <= 10


# --- Content-Security-Policy ---------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, "no Content-Security-Policy header"
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


@pytest.mark.parametrize("who", ["anonymous", "director"])
def test_csp_forbids_inline_and_foreign_scripts(client, users, who):
    if who != "anonymous":
        client.force_login(getattr(users, who))
        url = reverse("ui:home")
    else:
        url = reverse("accounts:login")
    csp = _csp(client.get(url))
    scripts = csp.get("script-src", csp.get("default-src"))
    assert scripts, "neither script-src nor default-src is set"
    for bad in ("'unsafe-inline'", "'unsafe-eval'", "*", "data:", "http:", "https:"):
        assert bad not in scripts, f"script-src allows {bad}"
    assert csp.get("object-src") == ["'none'"]
    assert csp.get("base-uri") == ["'self'"]
    assert csp.get("frame-ancestors") == ["'none'"]  # agrees with X-Frame-Options: DENY


def test_csp_is_sent_on_error_pages_too(client, users):
    client.force_login(users.director)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "'unsafe-inline'" not in _csp(response).get("script-src", [])


# --- login lockout -------------------------------------------------------------------------


def _login(client, email: str, password: str):
    return client.post(reverse("accounts:login"), {"username": email, "password": password})


def test_login_is_locked_after_repeated_failures(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = _login(client, users.director.email, "wrong-password-1")
        assert response.status_code == 200  # the form again, with an error
    assert _login(client, users.director.email, "wrong-password-1").status_code == 429
    # Now even the right password is refused, with the Russian explanation.
    response = _login(client, users.director.email, "correct-horse-42")
    assert response.status_code == 429
    assert "Вход временно заблокирован" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_lockout_cannot_be_dodged_by_changing_the_case_of_the_email(client, users):
    email = users.director.email
    for i in range(settings.AXES_FAILURE_LIMIT):
        variant = email.upper() if i % 2 else email.capitalize()
        _login(client, variant, "wrong-password-1")
    assert _login(client, email, "correct-horse-42").status_code == 429


def test_lockout_of_one_account_does_not_lock_another(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, users.director.email, "wrong-password-1")
    response = _login(client, users.teacher.email, "correct-horse-42")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users.teacher.pk)


# --- passwords -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "password",
    ["short1", "12345678901", "password123", "qwertyuiop", "director.example"],
    ids=["too-short", "numeric", "common", "common-2", "like-the-email"],
)
def test_weak_passwords_are_refused(users, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=users.director)


def test_a_reasonable_password_is_accepted(users):
    validate_password("Синий-трамвай-на-Пушкинской-7", user=users.director)


def test_password_change_form_applies_the_validators(client, users):
    client.force_login(users.director)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "correct-horse-42", "new_password1": "12345", "new_password2": "12345"},
    )
    assert response.status_code == 200
    users.director.refresh_from_db()
    assert users.director.check_password("correct-horse-42")


def test_session_expiry_is_set_in_development_too():
    assert 0 < settings.SESSION_COOKIE_AGE <= 24 * 60 * 60
    assert settings.SESSION_COOKIE_HTTPONLY
