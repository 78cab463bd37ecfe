"""The only pages that answer without login. The URL-walking test reads this list.

Each view here is also decorated with ``@login_not_required``; anything else is sent to the
login page by ``LoginRequiredMiddleware``.
"""

PUBLIC_URL_NAMES: frozenset[str] = frozenset(
    {
        "healthz",
        "accounts:login",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
        "admin:login",
        "set_language",
        "javascript-catalog",
        "notifications:unsubscribe",
        # public event announcements, feeds and certificate checks are added by ``events``
    }
)

#: Prefixes of public URL names (a whole public sub-tree, e.g. "events:public_").
PUBLIC_URL_NAME_PREFIXES: tuple[str, ...] = ("events:public_",)
