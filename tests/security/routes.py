"""The vocabulary of the access matrix: who asks, what they should get, how a URL is filled.

The table itself lives in ``access_matrix.py``; this module only says how to read it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

#: Everyone the matrix asks, in the order the failure report lists them. ``outsider`` is the
#: methodologist of another municipality, ``outsider_director`` the director of a school
#: there, ``leader_director`` the director of another school in the same municipality and
#: ``nobody`` a logged-in account without any role (see tests/conftest.py).
ACTORS: tuple[str, ...] = (
    "anonymous",
    "admin",
    "coordinator",
    "methodologist",
    "curator",
    "director",
    "leader_director",
    "teacher",
    "partner",
    "outsider",
    "outsider_director",
    "nobody",
)
LOGGED_IN = ACTORS[1:]
#: Territory roles of ``world.mun`` (the coordinator's region contains it) and the admin.
TERRITORY = ("admin", "coordinator", "methodologist")
#: Staff of ``world.school`` and its curator.
SCHOOL_STAFF = ("curator", "director", "teacher")
#: Everybody who may read ``world.school``'s data.
SCHOOL_READERS = TERRITORY + SCHOOL_STAFF

# Expected answers besides plain status codes.
LOGIN = "login"  # 302 to settings.LOGIN_URL (with ?next=)
ADMIN_LOGIN = "admin-login"  # 302 to the admin's own login page
REDIRECT = "redirect"  # 302 somewhere else (a form's success, a shortcut)

Expected = int | str
Arg = str | Callable[[Any], Any]


@dataclass(frozen=True)
class Route:
    """What every actor gets from one URL name.

    ``args`` fill the URL: ``{"pk": "school"}`` takes ``objects.school.pk``; a callable gets
    the objects namespace and returns the value itself. ``ok`` actors get ``ok_status``;
    other logged-in actors get ``other`` (404 when the object is outside their scope, 403
    when they see it but may not do this) unless ``expect`` names them; anonymous visitors
    are sent to the login page unless the route is ``public``.
    """

    args: Mapping[str, Arg] = field(default_factory=dict)
    ok: Iterable[str] = ()
    ok_status: Expected = 200
    other: Expected = 404
    expect: Mapping[str, Expected] = field(default_factory=dict)
    method: str = "get"
    data: Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] | None = None
    query: str = ""
    htmx: bool = False
    public: bool = False
    note: str = ""

    def expected_for(self, actor: str) -> Expected:
        if actor in self.expect:
            return self.expect[actor]
        if actor in tuple(self.ok):
            return self.ok_status
        if actor == "anonymous":
            return self.ok_status if self.public else LOGIN
        return self.other

    def kwargs(self, objects: Any) -> dict[str, Any]:
        values = {}
        for name, source in self.args.items():
            values[name] = source(objects) if callable(source) else getattr(objects, source).pk
        return values

    def post_data(self, objects: Any) -> Mapping[str, Any]:
        if callable(self.data):
            return self.data(objects)
        return self.data or {}

    def objects_named(self, objects: Any) -> list[Any]:
        return [getattr(objects, s) for s in self.args.values() if isinstance(s, str)]


def everyone(**overrides: Any) -> Route:
    """A page every logged-in user may open (lists are scoped inside)."""
    return Route(ok=LOGGED_IN, **overrides)


def public(**overrides: Any) -> Route:
    """A page that answers without login (it must also be in access/public.py)."""
    return Route(ok=ACTORS, public=True, **overrides)


@dataclass(frozen=True)
class UrlInfo:
    name: str | None
    pattern: str
    callback: Callable


def iter_urls(patterns=None, prefix: str = "", namespaces: tuple[str, ...] = ()):
    """Every URL pattern of the project with its full (namespaced) name."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from iter_urls(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else None
            yield UrlInfo(name, prefix + str(entry.pattern), entry.callback)
