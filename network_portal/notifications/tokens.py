"""Signed unsubscribe links: they work without logging in and expire."""

from __future__ import annotations

from datetime import timedelta

from django.core import signing

SALT = "notifications.unsubscribe"
MAX_AGE = timedelta(days=90)
ALL = "*"


def unsubscribe_token(*, user_id: int, kind: str = ALL) -> str:
    """Not compressed: zlib never shortens a payload this small (``signing.dumps`` would throw
    its output away and sign the same text), and setting up a compressor for every letter of a
    reminder run cost more than the signature itself. Tokens are the same as before."""
    return signing.dumps({"u": user_id, "k": kind}, salt=SALT)


def unsubscribe_token_read(token: str) -> tuple[int, str]:
    """``(user_id, kind)``; raises ``signing.SignatureExpired`` or ``signing.BadSignature``."""
    data = signing.loads(token, salt=SALT, max_age=MAX_AGE)
    return int(data["u"]), str(data["k"])
