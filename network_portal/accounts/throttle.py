"""Throttles of the anonymous account pages: per address and per account.

* Login: django-axes locks the pair (address, account) after ``AXES_FAILURE_LIMIT``
  failures, so a stranger's failures never lock the owner out from the owner's own address.
  An address that fails ``LOGIN_ADDRESS_FAILURE_LIMIT`` times within the cool-off, over any
  accounts, is refused before any password is checked (:func:`login_address_throttled`). Both
  count axes' own records in the database, shared by every web worker.
* Password reset: at most ``PASSWORD_RESET_ADDRESS_LIMIT`` requests per address and
  ``PASSWORD_RESET_ACCOUNT_LIMIT`` e-mails per account per hour (:func:`throttle_hit`, a
  counter in the cache; set ``CACHE_URL`` to Redis when several workers run).
"""

from __future__ import annotations

import hashlib

from axes.models import AccessAttempt
from django.conf import settings
from django.core.cache import cache
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

from .client_ip import client_ip


def login_address_failures(*, ip: str) -> int:
    """Failed logins from this address within the cool-off, over every account."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    total = AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
        n=Sum("failures_since_start")
    )["n"]
    return total or 0


def login_address_throttled(request: HttpRequest) -> bool:
    return login_address_failures(ip=client_ip(request)) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT


def throttle_hit(*, scope: str, key: str, limit: int, window: int) -> bool:
    """Count one event of ``key`` in a fixed window of ``window`` seconds; True while the
    count is within ``limit``, False once it is exceeded. Keys are hashed (no e-mail in the
    cache)."""
    digest = hashlib.sha256(key.strip().lower().encode()).hexdigest()[:32]
    name = f"throttle:{scope}:{digest}"
    cache.add(name, 0, timeout=window)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout=window)
        count = 1
    return count <= limit
