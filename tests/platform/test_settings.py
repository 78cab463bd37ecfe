"""Production settings: deploy checks are clean, required variables are really required."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "network_portal" / "settings.py"

PRODUCTION_ENV = {
    "PORTAL_ENV": "production",
    "SECRET_KEY": "kq3%v!production-only-secret-for-the-deploy-check-7c1e9a52d4b8f06",
    "ALLOWED_HOSTS": "portal.example.ru",
    "DATABASE_URL": "postgres://portal:db-password@db.example.ru:5432/portal",
    "CELERY_BROKER_URL": "redis://redis.example.ru:6379/0",
    "EMAIL_URL": "smtp+tls://portal:mail-password@smtp.example.ru:587",
}
REQUIRED = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "CELERY_BROKER_URL", "EMAIL_URL")


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV
        and k not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(  # noqa: S603 — fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_values():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


@pytest.mark.parametrize("name", REQUIRED)
def test_missing_required_variable_stops_production_start_up(name):
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != name}
    result = _run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert f"The environment variable {name} is required" in result.stderr


def test_production_cookies_and_transport_are_secure():
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k) for k in ("
        "'DEBUG', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE', 'SESSION_COOKIE_HTTPONLY', "
        "'SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', 'CELERY_TASK_ALWAYS_EAGER')}))"
    )
    env = {**PRODUCTION_ENV, "DJANGO_SETTINGS_MODULE": "network_portal.settings"}
    result = _run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False,
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
        "CELERY_TASK_ALWAYS_EAGER": False,
    }


def test_cache_url_options_reach_django():
    """``?key_prefix=`` and ``?timeout=`` of CACHE_URL: two installations on one Redis database
    keep their keys apart (django-environ leaves the option names in lower case)."""
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "from django.core.cache import cache; "
        "print(json.dumps([s.CACHES['default'], cache.make_key('k'), cache.default_timeout]))"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "network_portal.settings",
        "CACHE_URL": "redis://127.0.0.1:6379/8?key_prefix=region-a&timeout=60",
    }
    result = _run(["-c", script], env)
    assert result.returncode == 0, result.stderr
    config, key, timeout = json.loads(result.stdout.strip().splitlines()[-1])
    assert config["KEY_PREFIX"] == "region-a" and "key_prefix" not in config
    assert key == "region-a:1:k"
    assert timeout == 60


def test_development_defaults_are_safe_and_local(settings):
    assert settings.PORTAL_ENV == "development"
    assert settings.TIME_ZONE == "Europe/Moscow"
    assert settings.LANGUAGE_CODE == "ru"


def test_env_example_lists_every_variable_settings_and_compose_read():
    source = SETTINGS.read_text()
    read = set(re.findall(r'(?:env(?:\.\w+)?|required)\(\s*"([A-Z][A-Z0-9_]*)"', source))
    assert {"DATABASE_URL", "CELERY_BROKER_URL", "SECRET_KEY", "TIME_ZONE"} <= read
    compose = set(re.findall(r"\$\{([A-Z][A-Z0-9_]*)", (ROOT / "docker-compose.yml").read_text()))
    assert "POSTGRES_PASSWORD" in compose
    example = (ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", example, re.MULTILINE))
    assert not read - listed, f".env.example misses {sorted(read - listed)}"
    assert not compose - listed, f".env.example misses {sorted(compose - listed)}"
    assert not listed - read - compose, (
        f".env.example lists unused {sorted(listed - read - compose)}"
    )
