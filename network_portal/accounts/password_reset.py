"""Password reset: the request only enqueues; the worker looks the account up and sends.

The page answers the same, after the same work, whether the e-mail belongs to an account or
not: it counts the request against two throttles (per client address and per e-mail) and
queues one task with the address typed. No account lookup and no SMTP happen in the web
request, so neither the answer nor its timing says whether the e-mail is known.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.http import HttpRequest
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from network_portal.notifications.email import email_send

from .client_ip import client_ip
from .throttle import throttle_hit

logger = logging.getLogger(__name__)

HOUR = 60 * 60
#: Requests from one client address per hour (a school behind one NAT address included).
PASSWORD_RESET_ADDRESS_LIMIT = 10
#: E-mails to one address per hour: a stranger cannot flood someone's mailbox.
PASSWORD_RESET_ACCOUNT_LIMIT = 3


def password_reset_request(*, request: HttpRequest, email: str) -> bool:
    """Throttle, then queue the e-mail. True when queued (the caller answers the same)."""
    within = throttle_hit(
        scope="reset-address", key=client_ip(request), limit=PASSWORD_RESET_ADDRESS_LIMIT,
        window=HOUR,
    ) & throttle_hit(
        scope="reset-account", key=email, limit=PASSWORD_RESET_ACCOUNT_LIMIT, window=HOUR
    )  # fmt: skip
    if not within:
        logger.info("password reset throttled")
        return False
    from network_portal.outbox.services import enqueue_now

    from .tasks import send_password_reset

    # a broker that is down: kept in the outbox and sent by beat; the answer stays the same
    enqueue_now(send_password_reset, email)
    return True


def password_reset_send(*, email: str) -> int:
    """In the worker: one e-mail with a one-time link to each active account of the address
    (none for an unknown one). Returns how many were sent."""
    sent = 0
    for user in PasswordResetForm().get_users(email):
        path = reverse(
            "accounts:password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        email_send(
            to=[getattr(user, user.get_email_field_name())],
            template="password_reset",
            context={"user": user, "reset_url": f"{settings.SITE_URL}{path}"},
        )
        sent += 1
    return sent
