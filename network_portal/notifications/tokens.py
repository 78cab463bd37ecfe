"""Signed unsubscribe links: they work without logging in and expire."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

SALT = "notifications.unsubscribe"
MAX_AGE = timedelta(days=90)
ALL = "*"


def unsubscribe_token(*, user_id: int, kind: str = ALL) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=SALT, compress=True)


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """``(user_id, kind)``; raises ``signing.SignatureExpired`` or ``signing.BadSignature``."""
    data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    return int(data["u"]), str(data["k"])
