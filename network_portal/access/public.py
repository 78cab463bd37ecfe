"""The only pages that answer without login.

``LoginRequiredMiddleware`` sends every anonymous request to ``/accounts/login/`` unless the
view is decorated with ``@login_not_required``. Opening a page to the public is a reviewed
decision, so it takes both: the decorator on the view and its URL name here.
``tests/platform/test_login_required.py`` walks the whole urlconf and fails when the two
disagree, when a listed name does not exist, or when any other page answers anonymously.

Not listed because they are not views of the urlconf: static files (WhiteNoise) and the
error pages. ``admin:login`` is not public either: it forwards to the portal's login page.
"""

PUBLIC_URL_NAMES: frozenset[str] = frozenset(
    {
        "healthz",
        "accounts:login",
        "accounts:password_reset",
        "accounts:password_reset_done",
        "accounts:password_reset_confirm",
        "accounts:password_reset_complete",
        "notifications:unsubscribe",
        # public event announcements, feeds and certificate checks are added by ``events``
    }
)

#: Prefixes of public URL names (a whole public sub-tree, e.g. "events:public_"; the public
#: practices of the bank are "knowledge:public_").
PUBLIC_URL_NAME_PREFIXES: tuple[str, ...] = ("events:public_", "knowledge:public_")
