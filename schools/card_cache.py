"""The school card's body, rendered once and kept in the cache until anything it shows changes
(issue 17, item 5: the whole card within 2× of a bare page).

The card reads a dozen tables of five apps (results, contexts, categories, profiles, stages,
partnerships, roadmaps, concerns, events, the staff's registrations, other schools' names,
people's names, roles…) and its sections come from the slot registry, so listing by hand what
feeds it would go stale as soon as a section changes. Instead a **data token** is replaced on
every write to any table that may feed it, whatever wrote it: a ``save()``, a ``delete()``,
``QuerySet.update()``, ``bulk_create()`` or raw SQL through Django's connection. An execute
wrapper on every database connection (``watch``, installed by ``SchoolsConfig.ready``) looks at
each statement: an ``INSERT``, ``UPDATE`` or ``DELETE`` (or a ``WITH`` that contains one) on a
table outside ``NOT_FEEDING_APPS`` replaces the token when its transaction commits (a reader
before the commit renders the old rows under the old token, which nobody reads after it). A new
token makes every cached body unreachable; the entries expire by ``TTL``.

A body is kept per **user** (edit buttons, sections and rows depend on the viewer's roles and
identity), language, day (overdue items and due dates are read against today), full path (the
concern form's ``next``) and process start (a deploy brings new templates). The CSRF token is
kept out of it: every form's token (the sections render theirs on their own) is replaced by a
marker before the body is kept, and the request's own token is put in when it is served. The organisation is still fetched through the access policy on every
request (``views.detail``): a hit never skips the scope check.

Only with a cache shared by every process (Redis): with the per-process memory cache a write in
one worker cannot replace the token another worker reads (``settings.SCHOOL_CARD_CACHE``).
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone, translation

DATA_KEY = "schools:card:data"
TTL = 60 * 60
#: Kept in the body instead of each form's CSRF token (the page's own and the sections').
CSRF_MARKER = "schoolcardcsrfmarker7f3a9c"
_CSRF_FIELD = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')
#: A new process (a deploy) never serves bodies rendered by older templates.
_PROCESS = uuid.uuid4().hex[:12]

#: Apps whose tables never feed the card: sessions, login attempts, logs, jobs, letters.
NOT_FEEDING_APPS = (
    "admin",
    "audit",
    "auth",
    "axes",
    "contenttypes",
    "documents",
    "notifications",
    "outbox",
    "sessions",
)
#: A login stamps ``last_login``; the card never shows it.
_LAST_LOGIN = re.compile(
    r'^UPDATE\s+"?accounts_user"?\s+SET\s+"?last_login"?\s*=\s*\S+\s+WHERE', re.I
)
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.I)
_NOT_FEEDING: frozenset[str] | None = None


def enabled() -> bool:
    return bool(getattr(settings, "SCHOOL_CARD_CACHE", False))


def _not_feeding() -> frozenset[str]:
    global _NOT_FEEDING
    if _NOT_FEEDING is None:
        tables = set()
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            # simple_history's copies: written with every save, shown on no card.
            if meta.app_label in NOT_FEEDING_APPS or meta.model_name.startswith("historical"):
                tables.add(meta.db_table.lower())
        _NOT_FEEDING = frozenset(tables)
    return _NOT_FEEDING


def feeds_card(sql: str) -> bool:
    """Whether the statement may change what a card shows (conservative: unknown → yes)."""
    words = sql.lstrip()[:7].split(None, 1)
    head = words[0].upper() if words else ""
    if head == "WITH":
        return re.search(r"\b(INSERT|UPDATE|DELETE)\b", sql, re.I) is not None
    if head not in ("INSERT", "UPDATE", "DELETE"):
        return False
    match = _WRITE.match(sql)
    if match is None:
        return True
    table = match.group(1).rsplit(".", 1)[-1].lower()
    if table in _not_feeding():
        return False
    return _LAST_LOGIN.match(sql.lstrip()) is None


def data_changed() -> None:
    """Replace the data token: every cached card body is out of date."""
    cache.set(DATA_KEY, uuid.uuid4().hex, None)


def watch(execute, sql, params, many, context):
    """Execute wrapper: a write that may feed a card replaces the token when its transaction
    commits (at once in autocommit). Inside a transaction the connection is only marked: a card
    read on the same connection before the commit replaces the token first (``lookup``), so a
    transaction's own reads (and a test's) never get a body older than its writes, and a bulk
    job pays one cache write per transaction, not one per statement."""
    result = execute(sql, params, many, context)
    if enabled() and isinstance(sql, str) and feeds_card(sql):
        connection = context["connection"]
        if not connection.in_atomic_block:
            data_changed()
        else:
            connection.card_data_written = True
            # Not yet due at this commit (a rolled-back savepoint drops its callbacks).
            if not any(entry[1] is data_changed for entry in connection.run_on_commit):
                connection.on_commit(data_changed)
    return result


def install(connection, **kwargs) -> None:
    """``connection_created`` receiver: watch the connection's statements."""
    if watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(watch)


def _token() -> str:
    token = cache.get(DATA_KEY)
    if token is None:  # evicted or never set: a new one (no old body can match it)
        cache.add(DATA_KEY, uuid.uuid4().hex, None)
        token = cache.get(DATA_KEY) or ""
    return token


def _written_here() -> None:
    """A card read after this transaction's own writes: replace the token first."""
    if getattr(connection, "card_data_written", False):
        connection.card_data_written = False
        data_changed()


def page_key(request: HttpRequest, pk: int, kind: str = "schools:card") -> str | None:
    """The key of the page ``pk`` as ``request.user`` sees it now (user, language, day, path);
    ``None`` when off. The data token is kept with the body, not in the key."""
    if not enabled() or not request.user.is_authenticated:
        return None
    path = hashlib.md5(request.get_full_path().encode(), usedforsecurity=False).hexdigest()
    return ":".join(
        (
            kind,
            _PROCESS,
            str(pk),
            str(request.user.pk),
            translation.get_language() or "",
            timezone.localdate().isoformat(),
            path[:16],
        )
    )


@dataclass
class Lookup:
    """A page's key, the data token read with it and the kept body if it is still valid."""

    key: str
    token: str
    title: str | None = None
    body: str | None = None
    #: Other parts of the page kept with the body (the roadmap page's school name).
    more: dict[str, str] = field(default_factory=dict)


def lookup(request: HttpRequest, pk: int, *, kind: str = "schools:card") -> Lookup | None:
    """The kept body of the page ``pk`` for ``request.user``, if made under the current token:
    the token and the body in one cache round trip (the school card). ``None`` when off."""
    key = page_key(request, pk, kind)
    if key is None:
        return None
    _written_here()
    found = cache.get_many([DATA_KEY, key])
    token = found.get(DATA_KEY) or _token()
    kept = found.get(key)
    if kept and kept.get("token") == token:
        return Lookup(key, token, kept["title"], kept["body"], kept.get("more", {}))
    return Lookup(key, token)


def keep(found: Lookup | None, *, title: str, body: str, **more: str) -> str:
    """Keep the body (and ``more`` parts of the page) under the token read before it was
    rendered (a write committed meanwhile has replaced that token already); returns it with a
    marker in place of every CSRF token."""
    body = _CSRF_FIELD.sub(rf"\g<1>{CSRF_MARKER}\g<2>", body)
    if found is not None:
        entry = {"token": found.token, "title": title, "body": body, "more": more}
        cache.set(found.key, entry, TTL)
    return body


def with_csrf(request: HttpRequest, body: str) -> str:
    """The kept body with this request's CSRF token in place of the marker."""
    return body.replace(CSRF_MARKER, get_token(request)) if CSRF_MARKER in body else body
