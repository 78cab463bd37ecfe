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
table outside ``NOT_FEEDING_APPS`` and ``NOT_FEEDING_MODELS`` (the tables no kept page reads)
replaces the token when its transaction commits (a reader before the commit renders the old
rows under the old token, which nobody reads after it); one that changed no row (its cursor's
``rowcount`` is 0: a periodic job's ``UPDATE … WHERE`` with nothing to do) replaces nothing.
A new token makes every cached body unreachable; the entries expire by ``TTL``.

A body is kept per **user** (edit buttons, sections and rows depend on the viewer's roles and
identity), language, day (overdue items and due dates are read against today), full path (the
concern form's ``next``) and process start (a deploy brings new templates). The CSRF token is
kept out of it: every form's token (the sections render theirs on their own) is replaced by a
marker before the body is kept, and the request's own token is put in when it is served. The organisation is still fetched through the access policy on every
request (``views.detail``): a hit never skips the scope check.

**Per school.** Directors edit their items, diagnostics and evidence all day: with one token, each
such write evicted every school's pages in the region. A body therefore also depends on the
tokens of the schools it shows (the card: its school; the roadmap page: its roadmap's school,
``keep(schools=…)``), and a write that can be **attributed** replaces only those schools' tokens.
Attribution is an allow-list, so a write nobody attributed can never be missed — it replaces the
global token as before:

* a model **registered** by its app (``register``: which fields hold its schools, directly,
  through a registered parent or through ORM lookups from an unregistered one, read at the
  write — an event registration's are its event's organiser, the schools of the roadmaps whose
  items the event served and the schools where its person has a role) is attributed when a
  ``save()`` or ``delete()`` of one instance writes its row: ``pre_save``/``pre_delete`` note
  the instance's schools (the schools it had when loaded as well, ``post_init``; a parent
  changed since it was loaded → global), and the
  execute wrapper accepts the statement for them only if it is that write's own shape — an
  ``INSERT`` of one row while an instance of the table is being added, an ``UPDATE … WHERE pk =
  %s`` of an instance being saved, a ``DELETE … WHERE pk IN (…)`` of instances being deleted;
* a service that writes a model's rows through a ``QuerySet`` (or a model nobody registered)
  says whose rows they are for that table in a block (``attributed``), e.g. the editing kit's
  claim of an item, a certificate's code, an event's creation, edit, publication,
  cancellation and report (its organiser's and its roadmaps' schools, before and after:
  ``events.card.shown_on``), a partnership's proposal, edit and transitions (its members'
  before and after and its roadmaps' schools: ``partnerships.services.partnerships.
  shown_on``), a teacher's survey answer (her school's);
* everything else — ``QuerySet.update()``/``bulk_create()`` outside such a block, raw SQL,
  unknown or shared tables (organisations, users, roles, imports…) — replaces the global
  token.

A school's token is ``"<n>:<random>"`` with ``n`` from one counter (``SEQ_KEY``): the counter
read with the lookup (before rendering) tells ``keep`` whether a school's token was replaced
while the body was rendered (then the body is not kept), since its schools are known only once
the page's object is read. ``tests/schools/test_card_cache_schools.py`` renders a school's
pages around writes of every registered model for another school.

**The school list** (``views.school_list``) is kept the same way, per user, scope and full path,
under the global token alone: any school's row may enter or leave any of its pages (a filter, a
sort by category), so writes to the tables it reads are never attributed to schools
(``GLOBAL_ONLY``: ``register`` refuses them, ``attribution`` ignores blocks that name them).
``tests/schools/test_list_cache.py`` checks that the list reads no other table and that every
kind of write to each replaces its body.

Only with a cache shared by every process (Redis): with the per-process memory cache a write in
one worker cannot replace the token another worker reads (``settings.SCHOOL_CARD_CACHE``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, models
from django.db.models.signals import post_delete, post_init, post_save, pre_delete, pre_save
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

DATA_KEY = "schools:card:data"
#: The counter whose next value is in every school token (see the module's docstring).
SEQ_KEY = "schools:card:seq"
SCHOOL_KEY = "schools:card:school:{}"
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
#: Tables of feeding apps that no kept page reads (the card, the roadmap page, the school list:
#: ``tests/schools/test_card_cache_schools.py`` renders them with rows here and checks): a
#: who answered a teachers' survey (the answers are the school's, ``diagnostics.services.
#: survey_answer``), a partnership's agreements and their numbering, its history of statuses,
#: the pairing plans.
NOT_FEEDING_MODELS = (
    "diagnostics.SurveyParticipation",
    "partnerships.Agreement",
    "partnerships.AgreementCounter",
    "partnerships.AgreementTemplate",
    "partnerships.PairingPlan",
    "partnerships.PairingRow",
    "partnerships.StatusChange",
)
#: A login stamps ``last_login``; the card never shows it.
_LAST_LOGIN = re.compile(
    r'^UPDATE\s+"?accounts_user"?\s+SET\s+"?last_login"?\s*=\s*\S+\s+WHERE', re.I
)
_RETURNING = re.compile(r"\bRETURNING\b", re.I)
#: (SQLite's ``bulk_create(ignore_conflicts=True)`` writes ``INSERT OR IGNORE INTO``)
_WRITE = re.compile(
    r'^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+"?([\w.]+)"?', re.I
)
#: The models the school list reads (besides the session): their writes always replace the
#: global token, never only some schools' (see the module's docstring).
GLOBAL_ONLY = (
    "accounts.RoleAssignment",
    "accounts.User",
    "schools.CategoryAssignment",
    "schools.Municipality",
    "schools.Organisation",
    "schools.Region",
)


def enabled() -> bool:
    return bool(getattr(settings, "SCHOOL_CARD_CACHE", False))


@functools.cache
def _not_feeding() -> frozenset[str]:
    tables = {apps.get_model(label)._meta.db_table.lower() for label in NOT_FEEDING_MODELS}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        # simple_history's copies: written with every save, shown on no card.
        if meta.app_label in NOT_FEEDING_APPS or meta.model_name.startswith("historical"):
            tables.add(meta.db_table.lower())
    return frozenset(tables)


@functools.cache
def global_only_tables() -> frozenset[str]:
    return frozenset(apps.get_model(label)._meta.db_table.lower() for label in GLOBAL_ONLY)


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
    """Replace the data token: every cached body is out of date."""
    cache.set(DATA_KEY, uuid.uuid4().hex, None)


def _next_seq() -> int:
    try:
        return cache.incr(SEQ_KEY)
    except ValueError:  # never set or evicted
        cache.add(SEQ_KEY, 0, None)
        return cache.incr(SEQ_KEY)


def schools_changed(ids: Iterable[int]) -> None:
    """Replace these schools' tokens: their bodies (and only theirs) are out of date."""
    ids = sorted(set(ids))
    if ids:
        token = f"{_next_seq()}:{uuid.uuid4().hex[:12]}"
        cache.set_many({SCHOOL_KEY.format(pk): token for pk in ids}, None)


def _seq(token: str) -> int:
    return int(token.split(":", 1)[0])


# --- attribution ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Owner:
    schools: tuple[str, ...]  # attnames holding organisation ids
    via: tuple[Any, ...]  # foreign keys to registered models, then ``lookups``' ones
    paths: tuple[str, ...]  # ORM lookups from this model to each of its organisation ids
    pk_column: str
    #: per ``via`` foreign key: ``None`` (a registered model: its own paths) or the lookups
    #: from the related (unregistered) model to the organisations
    lookups: tuple[tuple[str, ...] | None, ...] = ()
    #: ``via``'s then ``schools``' attnames: the values remembered when an instance is loaded
    remembered_names: tuple[str, ...] = ()
    deletes: bool = True

    def remembered(self, instance: models.Model) -> tuple:
        """The owning fields' values; ``__dict__``, not ``getattr``: a deferred field is not
        read (a query) to be remembered."""
        values = instance.__dict__
        return tuple(values.get(attname, _MISSING) for attname in self.remembered_names)


_OWNERS: dict[type[models.Model], _Owner] = {}
_TABLES: dict[str, type[models.Model]] = {}
_MISSING = object()


def register(
    model: type[models.Model],
    *,
    schools: Iterable[str] = (),
    via: Iterable[str] = (),
    lookups: Mapping[str, Iterable[str]] | None = None,
    deletes: bool = True,
) -> None:
    """Attribute the saves and deletions of ``model``'s instances to the schools its fields
    ``schools`` name (foreign keys to ``schools.Organisation``), to those of its ``via``
    foreign keys to already registered models and to those ``lookups`` reach: a foreign key to
    a model that is not registered (its own writes replace every page, or it is in
    ``GLOBAL_ONLY``) with the ORM lookups from that model to organisations, read from the
    database at each write (``{"user": ["role_assignments__organisation"]}``: the schools of
    the person's roles). Only a model whose rows are shown on no other school's pages than
    these may be registered (the guard test renders another school's), and only lookups
    through tables whose every write that changes what they reach replaces the tokens of the
    schools reached before and after (unregistered or global-only tables: every page's; a
    registered parent moved to another school: both schools', as ``stored_schools`` says).

    ``deletes=False``: its deletions stay unattributed (they replace every page). Delete
    receivers cost Django's fast delete (one ``DELETE … WHERE fk IN``: the rows are loaded and
    deleted in batches instead, ≈ 200× slower for 5,000 rows, ``bench/bench_card_cache_schools``):
    worth it only for a model that has delete receivers anyway (history, counts)."""
    meta = model._meta
    if meta.label in GLOBAL_ONLY:
        raise ValueError(f"{meta.label} feeds the school list: its writes cannot be attributed")
    school_fields = [meta.get_field(name) for name in schools]
    reached = {name: tuple(paths) for name, paths in (lookups or {}).items()}
    via_fields = [meta.get_field(name) for name in (*via, *reached)]
    via_lookups = [reached.get(f.name) for f in via_fields]
    for f, own in zip(via_fields, via_lookups, strict=True):
        if own is not None and f.related_model in _OWNERS:
            raise ValueError(f"{f.related_model._meta.label} is registered: name {f.name} in via")
    paths = [f.name for f in school_fields]
    for f, own in zip(via_fields, via_lookups, strict=True):
        parent = own if own is not None else _OWNERS[f.related_model].paths
        paths += [f"{f.name}__{path}" for path in parent]
    _OWNERS[model] = _Owner(
        schools=tuple(f.attname for f in school_fields),
        via=tuple(via_fields),
        paths=tuple(paths),
        lookups=tuple(via_lookups),
        pk_column=meta.pk.column,
        remembered_names=tuple(f.attname for f in via_fields + school_fields),
        deletes=deletes,
    )
    _TABLES[meta.db_table.lower()] = model
    uid = f"schools.card_cache.{meta.label}"
    post_init.connect(_loaded, sender=model, dispatch_uid=uid)
    pre_save.connect(_saving, sender=model, dispatch_uid=uid)
    post_save.connect(_saved, sender=model, dispatch_uid=uid)
    if deletes:
        pre_delete.connect(_deleting, sender=model, dispatch_uid=uid)
        post_delete.connect(_deleted, sender=model, dispatch_uid=uid)


def schools_of(*instances: models.Model) -> frozenset[int] | None:
    """The schools whose pages show these instances as they are in memory (``None``: unknown).
    Parents not loaded with them are read, one query per parent model."""
    ids: set[int | None] = set()
    wanted: dict[tuple[type[models.Model], tuple[str, ...]], set[Any]] = {}
    for instance in instances:
        owner = _OWNERS[type(instance)]
        ids |= {getattr(instance, attname) for attname in owner.schools}
        for fk, lookups in zip(owner.via, owner.lookups, strict=True):
            value = getattr(instance, fk.attname)
            if value is None:
                continue
            if lookups is None and fk.is_cached(instance):
                parent = schools_of(getattr(instance, fk.name))
                if parent is None:
                    return None
                ids |= parent
            else:
                paths = lookups if lookups is not None else _OWNERS[fk.related_model].paths
                wanted.setdefault((fk.related_model, paths), set()).add(value)
    for (related, paths), pks in wanted.items():
        # (a lookup through a many-valued relation: a row per value, none left out)
        rows = related._base_manager.filter(pk__in=pks).values_list("pk", *paths)
        seen = set()
        for pk, *schools in rows:
            seen.add(pk)
            ids |= set(schools)
        if seen != pks:  # a parent gone: whose it was is unknown
            return None
    ids.discard(None)
    return frozenset(ids)  # type: ignore[arg-type]


def _unchanged(instance: models.Model) -> bool:
    """Whether the instance's parents are the ones it was loaded with (its stored row's)."""
    owner = _OWNERS[type(instance)]
    loaded = getattr(instance, "_card_owners", None)
    now = owner.remembered(instance)
    n = len(owner.via)
    return loaded is not None and _MISSING not in loaded and loaded[:n] == now[:n]


def _loaded_schools(instance: models.Model) -> set[int]:
    owner = _OWNERS[type(instance)]
    loaded = getattr(instance, "_card_owners", None) or ()
    return {pk for pk in loaded[len(owner.via) :] if pk is not None and pk is not _MISSING}


def stored_schools(instance: models.Model) -> frozenset[int] | None:
    """The schools of the row as stored and as it will be: those in memory and those it was
    loaded with; unknown when a parent changed since it was loaded."""
    if instance._state.adding:
        return schools_of(instance)
    if not _unchanged(instance):
        return None
    ids = schools_of(instance)
    return None if ids is None else ids | _loaded_schools(instance)


@dataclass
class _InFlight:
    """The saves and deletions of registered instances between their pre_ and post_ signals."""

    saves: dict[str, dict[int, tuple[Any, bool, frozenset[int] | None]]] = field(
        default_factory=dict
    )
    #: resolved when their ``DELETE`` comes (a cascade's rows together, not one query each)
    deletes: dict[str, dict[Any, models.Model | None]] = field(default_factory=dict)


_IN_FLIGHT: ContextVar[_InFlight | None] = ContextVar("card_cache_in_flight", default=None)
_BLOCKS: ContextVar[tuple[dict[str, frozenset[int]], ...]] = ContextVar(
    "card_cache_blocks", default=()
)


def _in_flight() -> _InFlight:
    state = _IN_FLIGHT.get()
    if state is None:
        state = _InFlight()
        _IN_FLIGHT.set(state)
    return state


def forget_in_flight(**kwargs) -> None:
    """``request_started`` and Celery's ``task_prerun``: a save that raised between its signals
    leaves nothing behind for the next request or task of the process."""
    _IN_FLIGHT.set(None)


def _loaded(sender, instance, **kwargs) -> None:
    instance._card_owners = _OWNERS[sender].remembered(instance)


def _saving(sender, instance, raw=False, **kwargs) -> None:
    if raw or not enabled():  # fixtures: their writes replace the global token
        return
    saves = _in_flight().saves.setdefault(sender._meta.db_table.lower(), {})
    saves[id(instance)] = (instance.pk, instance._state.adding, stored_schools(instance))


def _saved(sender, instance, **kwargs) -> None:
    state = _IN_FLIGHT.get()
    if state is not None:
        state.saves.get(sender._meta.db_table.lower(), {}).pop(id(instance), None)
    _loaded(sender, instance)  # as stored now


def _deleting(sender, instance, **kwargs) -> None:
    if not enabled():
        return
    deletes = _in_flight().deletes.setdefault(sender._meta.db_table.lower(), {})
    deletes[instance.pk] = instance if _unchanged(instance) else None


def _deleted(sender, instance, **kwargs) -> None:
    state = _IN_FLIGHT.get()
    if state is not None:
        state.deletes.get(sender._meta.db_table.lower(), {}).pop(instance.pk, None)


@contextlib.contextmanager
def attributed(*models_: type[models.Model], schools: Iterable[int]) -> Iterator[None]:
    """Every write to these models' tables in the block (a ``QuerySet.update()``, a
    ``bulk_create()``) touches rows of ``schools`` only: it replaces their tokens, not the global
    one. Writes to other tables in the block are not concerned."""
    ids = frozenset(pk for pk in schools if pk is not None)
    if not ids:  # nobody's rows: not a claim this block can make
        yield
        return
    frame = {model._meta.db_table.lower(): ids for model in models_}
    token = _BLOCKS.set((*_BLOCKS.get(), frame))
    try:
        yield
    finally:
        _BLOCKS.reset(token)


def _union(found: Iterable[frozenset[int] | None]) -> frozenset[int] | None:
    ids: set[int] = set()
    for part in found:
        if part is None:
            return None
        ids |= part
    return frozenset(ids) if ids else None


def attribution(sql: str, params: Any, many: bool) -> frozenset[int] | None:
    """The schools whose rows a feeding statement writes, if it is known; ``None``: anyone's."""
    match = _WRITE.match(sql)
    if match is None:
        return None
    table = match.group(1).rsplit(".", 1)[-1].lower()
    if table in global_only_tables():
        return None
    for frame in reversed(_BLOCKS.get()):
        if table in frame:
            return frame[table]
    model = _TABLES.get(table)
    state = _IN_FLIGHT.get()
    if model is None or state is None:
        return None
    head = sql.lstrip()[:6].upper()
    pk = re.escape(f'"{table}"."{_OWNERS[model].pk_column}"')
    if head == "INSERT":
        adding = [s for _pk, add, s in state.saves.get(table, {}).values() if add]
        if many or not adding or ") VALUES (" not in sql or "), (" in sql:
            return None
        return _union(adding)
    if head == "UPDATE":
        if not re.search(rf"\sWHERE {pk} = %s$", sql) or not params:
            return None
        saving = state.saves.get(table, {}).values()
        return _union(s for key, _add, s in saving if key is not None and key == params[-1])
    if head == "DELETE":
        if not re.search(rf"\sWHERE {pk} IN \((?:%s, )*%s\)$", sql) or not params:
            return None
        deleting = state.deletes.get(table, {})
        instances = [deleting.get(key) for key in params]
        if any(instance is None for instance in instances):
            return None
        ids = schools_of(*instances)
        return None if ids is None else _union([ids, *map(_loaded_schools, instances)])
    return None


def _schools_written(connection) -> None:
    """Replace the tokens of the schools this connection wrote (at commit)."""
    schools, connection.card_schools = getattr(connection, "card_schools", set()), set()
    schools_changed(schools)


def watch(execute, sql, params, many, context):
    """Execute wrapper: a write that may feed a page replaces the tokens (the global one, or only
    its schools' when it is attributed) when its transaction commits (at once in autocommit).
    Inside a transaction the connection is only marked: a page read on the same connection
    before the commit replaces the tokens first (``lookup``), so a transaction's own reads (and
    a test's) never get a body older than its writes, and a bulk job pays one cache write per
    transaction, not one per statement."""
    if not (enabled() and isinstance(sql, str) and feeds_card(sql)):
        return execute(sql, params, many, context)
    # before the statement: the parents of the rows a DELETE removes are read while they exist
    schools = attribution(sql, params, many)
    result = execute(sql, params, many, context)
    if not many and _changed_nothing(context["cursor"], sql):
        return result
    connection = context["connection"]
    if schools is None:
        if not connection.in_atomic_block:
            data_changed()
        else:
            connection.card_data_written = True
            # Not yet due at this commit (a rolled-back savepoint drops its callbacks).
            if not any(entry[1] is data_changed for entry in connection.run_on_commit):
                connection.on_commit(data_changed)
    elif not connection.in_atomic_block:
        schools_changed(schools)
    else:
        if not hasattr(connection, "card_schools"):
            connection.card_schools = set()
        connection.card_schools |= schools
        if not any(
            getattr(entry[1], "func", None) is _schools_written
            for entry in connection.run_on_commit
        ):
            connection.on_commit(functools.partial(_schools_written, connection))
    return result


def _changed_nothing(cursor, sql: str) -> bool:
    """A write that changed no row (a periodic job's ``UPDATE … WHERE`` with nothing to do:
    ``schools.recover_imports`` every five minutes replaced every page's token). Not known for a
    statement with ``RETURNING`` (SQLite counts its rows only once they are fetched)."""
    return getattr(cursor, "rowcount", -1) == 0 and _RETURNING.search(sql) is None


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
    """A page read after this transaction's own writes: replace the tokens first."""
    if getattr(connection, "card_data_written", False):
        connection.card_data_written = False
        data_changed()
    if getattr(connection, "card_schools", None):
        _schools_written(connection)


def page_key(
    request: HttpRequest, pk: int, kind: str = "schools:card", vary: str = ""
) -> str | None:
    """The key of the page ``pk`` as ``request.user`` sees it now (user, language, day, path and
    ``vary``, what else the page depends on); ``None`` when off. The data token is kept with the
    body, not in the key."""
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
            vary,
        )
    )


@dataclass
class Lookup:
    """A page's key, the tokens read with it and the kept body if it is still valid."""

    key: str
    token: str
    title: str | None = None
    body: str | None = None
    #: Other parts of the page kept with the body (the roadmap page's school name).
    more: dict[str, str] = field(default_factory=dict)
    #: The counter read before rendering: a school token newer than it was replaced meanwhile.
    seq: int = 0
    #: The schools the page is known to show before it is rendered (the card's own).
    schools: tuple[int, ...] = ()


def lookup(
    request: HttpRequest, pk: int, *, kind: str = "schools:card", vary: str = ""
) -> Lookup | None:
    """The kept body of the page ``pk`` for ``request.user``, if made under the current tokens:
    the tokens and the body in one cache round trip (the school card; the roadmap page reads its
    school's token in a second one). ``None`` when off."""
    key = page_key(request, pk, kind, vary)
    if key is None:
        return None
    _written_here()
    schools = (pk,) if kind == "schools:card" else ()
    keys = [DATA_KEY, SEQ_KEY, key, *(SCHOOL_KEY.format(s) for s in schools)]
    found = cache.get_many(keys)
    token = found.get(DATA_KEY) or _token()
    result = Lookup(key, token, seq=found.get(SEQ_KEY) or 0, schools=schools)
    kept = found.get(key)
    if not kept or kept.get("token") != token:
        return result
    wanted = {SCHOOL_KEY.format(s): t for s, t in kept.get("schools", {}).items()}
    missing = [k for k in wanted if k not in found]
    if missing:
        found |= cache.get_many(missing)
    if all(found.get(k) == t for k, t in wanted.items()):
        result.title, result.body, result.more = kept["title"], kept["body"], kept.get("more", {})
    return result


def _school_tokens(found: Lookup, schools: Iterable[int]) -> dict[int, str] | None:
    """The tokens of ``schools`` if none was replaced since ``found`` was read."""
    ids = sorted({*found.schools, *schools})
    tokens = cache.get_many([SCHOOL_KEY.format(pk) for pk in ids])
    result = {}
    for pk in ids:
        token = tokens.get(SCHOOL_KEY.format(pk))
        if token is None:  # no write since the tokens were kept (or evicted): a first one
            cache.add(SCHOOL_KEY.format(pk), f"0:{uuid.uuid4().hex[:12]}", None)
            token = cache.get(SCHOOL_KEY.format(pk))
        if token is None or _seq(token) > found.seq:
            return None  # a write to it committed while the body was rendered
        result[pk] = token
    return result


def keep(
    found: Lookup | None, *, title: str, body: str, schools: Iterable[int] = (), **more: str
) -> str:
    """Keep the body (and ``more`` parts of the page) under the data token read before it was
    rendered (a write committed meanwhile has replaced that token already) and the tokens of
    ``schools``, the schools it shows besides the card's own, if none was replaced while it was
    rendered; returns it with a marker in place of every CSRF token."""
    body = _CSRF_FIELD.sub(rf"\g<1>{CSRF_MARKER}\g<2>", body)
    if found is not None:
        tokens = _school_tokens(found, schools)
        if tokens is not None:
            entry = {
                "token": found.token,
                "schools": tokens,
                "title": title,
                "body": body,
                "more": more,
            }
            cache.set(found.key, entry, TTL)
    return body


def with_csrf(request: HttpRequest, body: str) -> SafeString:
    """The body (a page's template output, escaped when it was rendered) with this request's
    CSRF token in place of the marker, safe to put into the page's frame."""
    if CSRF_MARKER in body:
        body = body.replace(CSRF_MARKER, get_token(request))
    return mark_safe(body)  # noqa: S308 — our own templates' output
