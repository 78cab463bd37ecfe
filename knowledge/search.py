"""Full-text search of practices in Russian.

On PostgreSQL: the stored ``search_vector`` (``to_tsvector('russian', …)`` of the title,
weight A, and the text, weight B; GIN index, migration ``0003``) against a ``websearch`` query
with the Russian configuration, ranked by ``ts_rank``. On SQLite (the demo): every word of the query is stemmed with the Snowball Russian
stemmer and must occur among the stored stems (``search_stems``), titles that hold a stem
first — «практикам» finds «практика», «обучения» finds «обучение».
"""

from __future__ import annotations

import re
from functools import cache

from django.db import connection
from django.db.models import Case, ExpressionWrapper, F, IntegerField, QuerySet, Value, When

WORD = re.compile(r"[0-9a-zа-яё]+", re.IGNORECASE)
#: Words of one letter and the commonest service words say nothing of a practice.
STOP = frozenset(
    [
        "и",
        "в",
        "во",
        "на",
        "с",
        "со",
        "по",
        "к",
        "о",
        "об",
        "от",
        "для",
        "за",
        "из",
        "у",
        "не",
        "а",
        "но",
        "или",
        "как",
        "что",
        "это",
        "при",
        "же",
    ]
)
MAX_WORDS = 12


@cache
def _stemmer():
    import snowballstemmer

    return snowballstemmer.stemmer("russian")


def words(text: str) -> list[str]:
    return [w for w in WORD.findall((text or "").lower().replace("ё", "е")) if w not in STOP]


def stems(text: str) -> list[str]:
    return _stemmer().stemWords(words(text))


def stems_text(title: str, body: str) -> str:
    """The stored form: the title's stems, «|», the other stems, each word surrounded by
    spaces (`` практик | обучен дет ``)."""
    return f" {' '.join(stems(title))} | {' '.join(stems(body))} "


def uses_postgres() -> bool:
    return connection.vendor == "postgresql"


def fill_vectors(queryset: QuerySet) -> None:
    """Compute ``search_vector`` of these practices on PostgreSQL (nothing on SQLite): the
    title weighs more than the text in the ranking."""
    if not uses_postgres():
        return
    from django.contrib.postgres.search import SearchVector

    queryset.update(
        search_vector=SearchVector("title", weight="A", config="russian")
        + SearchVector("search_text", weight="B", config="russian")
    )


def search(queryset: QuerySet, query: str) -> QuerySet:
    """``queryset`` narrowed to the practices that match ``query``, best first."""
    # a NUL is no search term, and PostgreSQL refuses it in a string literal (a 500)
    query = (query or "").replace("\x00", " ").strip()[:300]
    if not words(query):
        return queryset
    if uses_postgres():
        from django.contrib.postgres.search import SearchQuery, SearchRank

        sq = SearchQuery(query, config="russian", search_type="websearch")
        return (
            queryset.filter(search_vector=sq)
            .annotate(rank=SearchRank(F("search_vector"), sq))
            .order_by("-rank", "-published_at", "-pk")
        )
    wanted = list(dict.fromkeys(stems(query)))[:MAX_WORDS]
    for stem in wanted:
        # a stem starts a stored stem: « обучен» matches « обучени» as well
        queryset = queryset.filter(search_stems__contains=f" {stem}")
    # the title's stems come before the «|» of the stored stems
    title_hits = sum(
        (
            Case(
                When(search_stems__regex=rf"^[^|]* {re.escape(s)}", then=Value(1)),
                default=Value(0),
            )
            for s in wanted
        ),
        Value(0),
    )
    return queryset.annotate(
        rank=ExpressionWrapper(title_hits, output_field=IntegerField())
    ).order_by("-rank", "-published_at", "-pk")
