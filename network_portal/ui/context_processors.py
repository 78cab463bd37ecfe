from django.conf import settings
from django.http import HttpRequest

import network_portal
from network_portal.access.policy import scope_for

from .navigation import navigation_for


def shell(request: HttpRequest) -> dict:
    """What the base template needs on every page: the navigation and the product name."""
    user = getattr(request, "user", None)
    scope = scope_for(user)
    return {
        "nav_items": navigation_for(scope, request.path) if not scope.is_anonymous else [],
        "portal_scope": scope,
        "portal_version": network_portal.__version__,
        "portal_debug": settings.DEBUG,
    }
