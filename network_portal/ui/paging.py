"""A page of a long ordered list in one pass over the list (issue 17).

``Paginator(queryset)`` reads a page in two queries (a ``COUNT(*)``, then the page with
``LIMIT``), and a page's totals («schools: 3,403 · overdue items: 7,120») took a third: on a
list ordered by figures counted per row (correlated subqueries), each of them computed those
figures for every row of the territory. :func:`window_page` reads the page's ids, the count
and the totals in one query: the list's ordering keys and summed figures are computed once
per row in a ``WITH`` clause, then ``COUNT(*) OVER ()`` / ``SUM(…) OVER ()`` and
``LIMIT``/``OFFSET`` over it. The caller then reads only the page's rows (``ids``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import F, Func, IntegerField, QuerySet, Subquery


class CountedPaginator(Paginator):
    """A paginator whose count is already known (no ``COUNT(*)`` query)."""

    def __init__(self, object_list, per_page, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self.__dict__["count"] = count  # the cached_property's value


@dataclass(frozen=True)
class WindowPage:
    page: Page  # its object_list is ``ids``; callers read their rows by them
    ids: list[Any]
    totals: dict[str, int]


#: No list has more rows than this: a larger page number is past the end (and its offset would
#: not fit a database integer).
_MAX_PAGE = 2**31


def _page_number(value: Any) -> int | None:
    """``get_page``'s reading of ``?page=``: not a number → 1, out of range → the last page
    (``None`` here: decided once the count is known)."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return number if 1 <= number <= _MAX_PAGE else None


def window_page(
    queryset: QuerySet, *, per_page: int, page_number: Any, sums: Sequence[str] = ()
) -> WindowPage:
    """The ids of one page of ``queryset`` in its ``order_by`` (field or annotation names,
    ``-`` for descending), with the count of the whole list and ``SUM`` of each of ``sums``
    (annotation names) over the whole list, in one query — two for a page number past the
    end, which shows the last page as ``Paginator.get_page`` does."""
    ordering = list(queryset.query.order_by)
    keys = [name.lstrip("-") for name in ordering]
    columns = ["pk", *[k for k in keys if k != "pk"], *[s for s in sums if s not in keys]]
    alias = {name: f"c{i}" for i, name in enumerate(columns)}
    # every figure computed once per row: only the ``w*`` aliases are selected, no ordering
    inner = (
        queryset.order_by()
        .annotate(**{f"w{i}": F(name) for i, name in enumerate(columns)})
        .values_list(*[f"w{i}" for i in range(len(columns))])
    )
    inner_sql, inner_params = inner.query.sql_with_params()
    connection = connections[queryset.db]
    # materialized: inlined, PostgreSQL computes each figure again for the sort
    fence = "MATERIALIZED " if connection.vendor == "postgresql" else ""
    cte = f"WITH t ({', '.join(alias.values())}) AS {fence}({inner_sql}) "
    window = ", ".join(
        ["COUNT(*) OVER ()", *[f"COALESCE(SUM({alias[s]}) OVER (), 0)" for s in sums]]
    )
    order = ", ".join(
        f"{alias[name.lstrip('-')]}{' DESC' if name.startswith('-') else ''}" for name in ordering
    )
    # only column aliases and the ORM's own SQL are formatted in; every value is a parameter
    number = _page_number(page_number)
    with connection.cursor() as cursor:
        if number is not None:
            cursor.execute(
                f"{cte}SELECT c0, {window} FROM t ORDER BY {order} LIMIT %s OFFSET %s",  # noqa: S608
                [*inner_params, per_page, (number - 1) * per_page],
            )
            rows = cursor.fetchall()
        if number is None or (not rows and number > 1):  # past the end: the last page
            aggregates = ", ".join(["COUNT(*)", *[f"COALESCE(SUM({alias[s]}), 0)" for s in sums]])
            cursor.execute(f"{cte}SELECT {aggregates} FROM t", inner_params)  # noqa: S608
            count = cursor.fetchone()[0]
            number = max(1, -(-count // per_page))
            cursor.execute(
                f"{cte}SELECT c0, {window} FROM t ORDER BY {order} LIMIT %s OFFSET %s",  # noqa: S608
                [*inner_params, per_page, (number - 1) * per_page],
            )
            rows = cursor.fetchall()
    count = rows[0][1] if rows else 0
    totals = {s: int(rows[0][2 + i]) if rows else 0 for i, s in enumerate(sums)}
    ids = [row[0] for row in rows]
    paginator = CountedPaginator(ids, per_page, count=count)
    return WindowPage(page=Page(ids, number, paginator), ids=ids, totals=totals)


#: The key under which :func:`counted_page` reads the list's count with each row.
_COUNT = "_paging_count"


def _with_count(queryset: QuerySet, counted: QuerySet, *, per_page: int, number: int) -> QuerySet:
    """Page ``number`` of ``queryset``, each row with the count of ``counted`` (``_COUNT``): an
    uncorrelated scalar subquery, which the database computes once."""
    count = Subquery(
        counted.order_by().values(n=Func(template="COUNT(*)", output_field=IntegerField()))
    )
    offset = (number - 1) * per_page
    return queryset.annotate(**{_COUNT: count})[offset : offset + per_page]


def counted_page(
    queryset: QuerySet, *, per_page: int, page_number: Any, count_of: QuerySet | None = None
) -> Page:
    """One page of ``queryset`` (ordered; model instances or ``values()`` rows) and the count
    of the whole list in one query: the count is an uncorrelated scalar subquery of the page's
    query, computed once by the database (``Paginator`` asks it in a query of its own: one more
    round trip on every page). Not ``COUNT(*) OVER ()``: a window makes the database join and
    sort every row of the list before it cuts the page (the school list at 20,000 schools took
    ~60 ms more). A ``DISTINCT`` list, whose rows the subquery would count before they are made
    distinct, and a page number past the end fall back to ``Paginator.get_page`` (two queries),
    which shows the last page as before.

    ``count_of``: the same rows without the joins that only add columns (e.g. a ``LEFT JOIN``
    of at most one row each): counted instead of ``queryset``, the database may count them from
    an index alone."""
    number = _page_number(page_number)
    counted = queryset if count_of is None else count_of
    if number is not None and not queryset.query.distinct and not counted.query.distinct:
        rows = list(_with_count(queryset, counted, per_page=per_page, number=number))
        if not rows and number == 1:  # an empty list
            return Page(rows, 1, CountedPaginator(queryset, per_page, count=0))
        if rows:
            if isinstance(rows[0], dict):
                total = rows[0][_COUNT]
                for row in rows:
                    del row[_COUNT]
            else:
                total = getattr(rows[0], _COUNT)
            return Page(rows, number, CountedPaginator(queryset, per_page, count=total))
    return Paginator(queryset, per_page).get_page(page_number)


@dataclass(frozen=True)
class _CompiledPage:
    """A page query compiled once: its SQL and parameters, the names of its ``values()``
    columns and the converters Django applies to them (e.g. a JSON column's decoding)."""

    using: str
    sql: str
    params: tuple
    names: tuple[str, ...]
    converters: tuple  # (position, converters, expression), as SQLCompiler.apply_converters


#: :func:`built_once`'s results by the caller's key (bounded, not a policy: scopes are few).
_BUILT: dict[tuple, Any] = {}
_BUILT_MAX = 1000
_MISSING = object()


def built_once(key: tuple, build: Callable[[], Any]) -> Any:
    """``build()`` (a query's compiled SQL) the first time ``key`` is asked in the process, then
    the same result: building and compiling a list's query with its filters, joins and count
    costs more CPU than running it (issue 17, item 5). ``key`` must name everything the result
    depends on — the database, the scope (:meth:`~network_portal.access.policy.Scope.rows_key`),
    filters, sort…: the same key is the same SQL and parameters; the rows are read anew."""
    found = _BUILT.get(key, _MISSING)
    if found is _MISSING:
        if len(_BUILT) >= _BUILT_MAX:
            _BUILT.clear()
        found = _BUILT[key] = build()
    return found


def counted_page_of(
    build: Callable[[], tuple[QuerySet, QuerySet | None]],
    *,
    key: tuple,
    per_page: int,
    page_number: Any,
) -> Page:
    """:func:`counted_page` of the ``values()`` query ``build()`` returns (with its
    ``count_of``), the query built and compiled only the first time for each ``key`` in the
    process (:func:`built_once`; the page number is added to the key here): on the school list
    building and compiling took a millisecond of CPU, running it 0.2–0.7 ms. A page past the
    end (or an empty list, a ``DISTINCT`` query) goes through :func:`counted_page`."""
    number = _page_number(page_number)
    rows = []
    if number is not None:
        compiled = built_once(
            ("paging", *key, per_page, number),
            lambda: _compile_page(*build(), per_page=per_page, number=number),
        )
        if compiled is not None:  # (None: DISTINCT, or a scope that sees nothing)
            connection = connections[compiled.using]
            with connection.cursor() as cursor:
                cursor.execute(compiled.sql, compiled.params)
                rows = cursor.fetchall()
    if not rows:  # no page number, past the end, an empty list: as counted_page shows them
        queryset, count_of = build()
        return counted_page(queryset, per_page=per_page, page_number=page_number, count_of=count_of)
    if compiled.converters:
        rows = [_converted(row, compiled.converters, connection) for row in rows]
    names = compiled.names
    dicts = [dict(zip(names, row, strict=True)) for row in rows]
    total = dicts[0][_COUNT]
    for row in dicts:
        del row[_COUNT]
    return Page(dicts, number, CountedPaginator(dicts, per_page, count=total))


def _compile_page(
    queryset: QuerySet, count_of: QuerySet | None, *, per_page: int, number: int
) -> _CompiledPage | None:
    """The SQL of :func:`counted_page`'s one query for page ``number`` of a ``values()``
    queryset (``None`` for what it pages otherwise: ``DISTINCT``, model instances)."""
    from django.core.exceptions import EmptyResultSet
    from django.db.models.query import ValuesIterable

    counted = queryset if count_of is None else count_of
    if (
        queryset.query.distinct
        or counted.query.distinct
        or queryset._iterable_class is not ValuesIterable
    ):
        return None
    paged = _with_count(queryset, counted, per_page=per_page, number=number)
    query = paged.query
    compiler = query.get_compiler(using=paged.db)
    try:
        sql, params = compiler.as_sql()
    except EmptyResultSet:  # a scope that sees nothing: no query at all
        return None
    columns = [s[0] for s in compiler.select[0 : compiler.col_count]]
    names = (*query.extra_select, *query.values_select, *query.annotation_select)
    converters = compiler.get_converters(columns)
    return _CompiledPage(
        using=paged.db,
        sql=sql,
        params=tuple(params),
        names=tuple(names),
        converters=tuple((pos, *found) for pos, found in converters.items()),
    )


def _converted(row: tuple, converters: tuple, connection) -> list:
    """``SQLCompiler.apply_converters`` of one row, with the request's connection."""
    row = list(row)
    for pos, convs, expression in converters:
        value = row[pos]
        for converter in convs:
            value = converter(value, expression, connection)
        row[pos] = value
    return row
