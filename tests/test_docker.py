"""docker-compose.yml and the Dockerfile: the shape users rely on (no Docker engine needed)."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SERVICES = COMPOSE["services"]


def test_compose_has_the_services():
    assert set(SERVICES) == {"web", "worker", "beat", "db", "redis"}
    assert SERVICES["db"]["image"] == "postgres:15"
    assert SERVICES["redis"]["image"] == "redis:7"


def test_web_worker_and_beat_share_one_image_built_from_the_dockerfile():
    images = {SERVICES[name]["image"] for name in ("web", "worker", "beat")}
    assert len(images) == 1
    assert images.pop().startswith("network-portal:")
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["build"]["context"] == "."


def test_commands():
    web = SERVICES["web"]["command"]
    assert "manage.py migrate --noinput" in web
    assert "gunicorn network_portal.wsgi:application" in web
    assert "--bind 0.0.0.0:8000" in web
    # Request line and header limits, workers and timeouts (issue 16): one file for both.
    assert "--config gunicorn.conf.py" in web
    assert '"--config", "gunicorn.conf.py"' in DOCKERFILE
    assert SERVICES["worker"]["command"].startswith("celery -A network_portal worker")
    assert SERVICES["beat"]["command"].startswith("celery -A network_portal beat")


def test_every_service_has_a_healthcheck():
    for name, service in SERVICES.items():
        check = service.get("healthcheck", {})
        assert check.get("test"), f"{name} has no healthcheck"
    assert "/healthz" in " ".join(SERVICES["web"]["healthcheck"]["test"])
    assert "pg_isready" in " ".join(SERVICES["db"]["healthcheck"]["test"])
    assert "ping" in " ".join(SERVICES["redis"]["healthcheck"]["test"])


def test_portal_waits_for_healthy_database_and_broker():
    for name in ("web", "worker", "beat"):
        depends = SERVICES[name]["depends_on"]
        assert depends["db"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"


def test_media_volume_is_shared_by_web_and_worker():
    assert {"media", "private_media", "pgdata"} <= set(COMPOSE["volumes"])
    for name in ("web", "worker"):
        volumes = SERVICES[name]["volumes"]
        assert "media:/app/media" in volumes
        assert "private_media:/app/private_media" in volumes


def test_portal_runs_in_production_mode_with_its_services():
    env = SERVICES["web"]["environment"]
    assert env["PORTAL_ENV"] == "production"
    assert "@db:5432/portal" in env["DATABASE_URL"]
    assert env["CELERY_BROKER_URL"] == "redis://redis:6379/0"
    assert env["SECRET_KEY"].startswith("${SECRET_KEY:?")  # no secret in the repository
    # production refuses to start without a real mail server; compose must not fake one
    assert env["EMAIL_URL"].startswith("${EMAIL_URL:?")


def test_dockerfile():
    assert DOCKERFILE.startswith("#") and "FROM python:3.11-slim-bookworm" in DOCKERFILE
    for package in ("libpango-1.0-0", "libpangoft2-1.0-0", "fonts-dejavu-core"):
        assert package in DOCKERFILE
    assert "PORTAL_ENV=production" in DOCKERFILE
    assert "collectstatic --noinput" in DOCKERFILE
    assert re.search(r"^USER portal$", DOCKERFILE, re.MULTILINE)
    assert "gunicorn" in DOCKERFILE
    assert "/healthz" in DOCKERFILE


def test_dockerignore_keeps_local_state_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().split()
    for entry in (".git", ".venv", ".env", "db.sqlite3", "media/", "private_media/"):
        assert entry in ignored


def test_gunicorn_conf_bounds_the_request_line_and_headers():
    """gunicorn.conf.py (issue 16): request line and headers are bounded; bodies are bounded
    per view by the portal and by the proxy (README)."""
    conf: dict = {}
    exec((ROOT / "gunicorn.conf.py").read_text(), conf)  # noqa: S102 (our own config file)
    assert 0 < conf["limit_request_line"] <= 8190
    assert 0 < conf["limit_request_fields"] <= 100
    assert 0 < conf["limit_request_field_size"] <= 8190
    assert conf["timeout"] <= 120
    readme = (ROOT / "README.md").read_text()
    assert "client_max_body_size" in readme and "PROXY_COUNT=1" in readme
