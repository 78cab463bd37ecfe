import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

import network_portal
from network_portal.access.policy import scope_for
from network_portal.accounts.models import Role, RoleAssignment

from .dashboard import panels_for
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
        "panels": panels_for(user, scope),
    }
    return render(request, "ui/home.html", context)


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _check_broker() -> str:
    if not settings.CELERY_BROKER_URL:
        return "eager"
    with network_portal.celery_app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for load balancers and ``docker compose`` healthchecks.

    200 with ``{"status": "ok", "database": "ok", "broker": "ok"|"eager", "version": …}``;
    503 with the failing parts named in ``failing``. Errors are logged by class name only,
    so no connection string or password reaches the output.
    """
    payload = {"status": "ok", "version": network_portal.__version__}
    failing = []
    for part, check in (("database", _check_database), ("broker", _check_broker)):
        try:
            payload[part] = check()
        except Exception as exc:  # any failure of the part means unhealthy, named below
            logger.warning("healthz: %s is down: %s", part, exc.__class__.__name__)
            payload[part] = "error"
            failing.append(part)
    if failing:
        payload["status"] = "error"
        payload["failing"] = failing
    return JsonResponse(payload, status=503 if failing else 200)
