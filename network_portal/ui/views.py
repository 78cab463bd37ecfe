import copy
import logging
from concurrent.futures import ThreadPoolExecutor, wait

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.utils import load_backend
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import network_portal
from network_portal.access.policy import scope_for
from network_portal.accounts.models import Role, RoleAssignment

from .roles import ADMIN_CAPABILITIES, ROLE_CAPABILITIES

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    """«Главная»: who you are, your roles with their scope and what each lets you do."""
    user = request.user
    scope = scope_for(user)
    assignments = (
        RoleAssignment.objects.filter(user=user)
        .select_related("region", "municipality", "organisation")
        .order_by("role", "pk")
    )
    roles = [
        {
            "label": label,
            "scopes": [a.scope_object for a in assignments if a.role == value],
            "capabilities": ROLE_CAPABILITIES[value],
        }
        for value, label in Role.choices
        if value in scope.roles
    ]
    context = {
        # Russian address: first name and patronymic («Елена Сергеевна»).
        "greeting_name": " ".join(p for p in (user.first_name, user.middle_name) if p)
        or user.get_full_name()
        or user.email,
        "roles": roles,
        "admin_capabilities": ADMIN_CAPABILITIES if scope.is_admin else [],
    }
    return render(request, "ui/home.html", context)


#: /healthz answers within this many seconds whatever hangs (a load balancer's probe
#: typically gives up after 3–5 s); each part gets its own connect and read timeouts below.
HEALTHZ_DEADLINE = 2.5
PART_TIMEOUT = 2


def _check_database() -> str:
    """A connection of its own, with connect and statement timeouts, closed at once: a hung
    server costs this check ``PART_TIMEOUT`` seconds and never a worker's connection."""
    params = copy.deepcopy(connections.settings[DEFAULT_DB_ALIAS])
    options = params.setdefault("OPTIONS", {})
    if params["ENGINE"] == "django.db.backends.postgresql":
        options["connect_timeout"] = PART_TIMEOUT
        options["options"] = f"-c statement_timeout={PART_TIMEOUT * 1000}"
    wrapper = load_backend(params["ENGINE"]).DatabaseWrapper(params, DEFAULT_DB_ALIAS)
    try:
        with wrapper.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        wrapper.close()
    return "ok"


def _check_broker() -> str:
    url = settings.CELERY_BROKER_URL
    if not url:
        return "eager"
    if url.startswith(("redis://", "rediss://")):
        client = redis.Redis.from_url(
            url, socket_connect_timeout=PART_TIMEOUT, socket_timeout=PART_TIMEOUT
        )
        try:
            client.ping()
        finally:
            client.close()
        return "ok"
    with network_portal.celery_app.connection_for_write(url=url) as conn:
        conn.ensure_connection(max_retries=1, timeout=PART_TIMEOUT)
    return "ok"


def _health_checks() -> dict:
    return {"database": _check_database, "broker": _check_broker}


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers and ``docker compose`` healthchecks.

    200 with ``{"status": "ok", "database": "ok", "broker": "ok"|"eager", "version": …}``;
    503 with the failing parts named in ``failing`` (``"timeout"`` for a part that did not
    answer within ``HEALTHZ_DEADLINE``). The parts are checked side by side, so the answer
    comes within the deadline whatever hangs. Errors are logged by class name only, so no
    connection string or password reaches the output.
    """
    payload = {"status": "ok", "version": network_portal.__version__}
    failing = []
    checks = _health_checks()
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    futures = {part: pool.submit(check) for part, check in checks.items()}
    wait(futures.values(), timeout=HEALTHZ_DEADLINE)
    pool.shutdown(wait=False)  # a hung check ends on its own timeouts, after the answer
    for part, future in futures.items():
        if not future.done():
            logger.warning("healthz: %s did not answer in %s s", part, HEALTHZ_DEADLINE)
            payload[part] = "timeout"
            failing.append(part)
        elif future.exception() is not None:
            exc = future.exception()
            logger.warning("healthz: %s is down: %s", part, exc.__class__.__name__)
            payload[part] = "error"
            failing.append(part)
        else:
            payload[part] = future.result()
    if failing:
        payload["status"] = "error"
        payload["failing"] = failing
    return JsonResponse(payload, status=503 if failing else 200)
