"""Every page needs login, except the few in ``network_portal/access/public.py``.

The test walks the whole URL configuration (admin and every app, including pages added
later), builds a URL for each pattern with sample arguments chosen by converter type, and
asks for it anonymously. A new page is covered without anyone writing a test for it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize

from network_portal.access.public import PUBLIC_URL_NAME_PREFIXES, PUBLIC_URL_NAMES

#: Sample path arguments; the first one a converter (or a regex group) accepts is used.
SAMPLES = (
    "1",
    "x",
    "auth",
    "2026",
    "2026-01-01",
    "00000000-0000-4000-8000-000000000001",
    "a-b",
    "a/b",
)


@dataclass(frozen=True)
class Endpoint:
    name: str | None
    route: str
    url: str
    callback: object

    @property
    def is_public(self) -> bool:
        return bool(self.name) and (
            self.name in PUBLIC_URL_NAMES or self.name.startswith(PUBLIC_URL_NAME_PREFIXES)
        )

    def __str__(self) -> str:
        return self.name or self.route


def _walk(patterns, parts=(), namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, (*parts, pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            yield name, (*parts, pattern.pattern), pattern


def _candidates(part) -> list[str]:
    """Possible strings for one pattern piece, arguments filled with samples."""
    converters = getattr(part, "converters", {})
    results = []
    for template, params in normalize(part.regex.pattern):
        options = []
        for param in params:
            converter = converters.get(param)
            if converter is not None:
                fitting = [s for s in SAMPLES if re.fullmatch(converter.regex, s)]
            else:
                fitting = list(SAMPLES)  # a regex group: try them all, resolve() decides
            options.append(fitting)
        for combo in itertools.product(*options):
            results.append(template % dict(zip(params, combo, strict=True)))
    return results


def _build_url(parts, pattern: URLPattern) -> str | None:
    for pieces in itertools.product(*(_candidates(p) for p in parts)):
        url = "/" + "".join(pieces)
        try:
            match = resolve(url)
        except Resolver404:
            continue
        if match.func == pattern.callback or match.func is pattern.callback:
            return url
    return None


def endpoints() -> list[Endpoint]:
    found = []
    for name, parts, pattern in _walk(get_resolver().url_patterns):
        route = "".join(str(p) for p in parts)
        url = _build_url(parts, pattern)
        assert url is not None, f"cannot build a URL for {name or route!r}"
        found.append(Endpoint(name=name, route=route, url=url, callback=pattern.callback))
    return found


ENDPOINTS = endpoints()
PRIVATE = [e for e in ENDPOINTS if not e.is_public]
PUBLIC = [e for e in ENDPOINTS if e.is_public]


def test_the_walk_covers_the_whole_urlconf():
    names = {e.name for e in ENDPOINTS}
    for expected in ("ui:home", "accounts:profile", "admin:index", "admin:accounts_user_change"):
        assert expected in names
    assert len(PRIVATE) > 40
    assert "healthz" in {e.name for e in PUBLIC}


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", PRIVATE, ids=str)
def test_anonymous_user_is_sent_to_login(client, endpoint):
    response = client.get(endpoint.url)
    assert response.status_code == 302, f"{endpoint} ({endpoint.url}) answers anonymously"
    location = response["Location"]
    if location.startswith("/admin/login/"):  # the admin forwards to the portal's login
        response = client.get(location)
        assert response.status_code == 302
        location = response["Location"]
    target = "/admin/" if endpoint.name == "admin:login" else endpoint.url
    expected = redirect_to_login(target).url
    assert expected.startswith("/accounts/login/?next=")
    assert location == expected


@pytest.mark.django_db
@pytest.mark.parametrize("endpoint", PUBLIC, ids=str)
def test_public_page_answers_without_login(client, endpoint):
    response = client.get(endpoint.url)
    location = response.get("Location", "")
    assert not location.startswith("/accounts/login/"), f"{endpoint} sends anonymous to login"
    assert response.status_code < 500


@pytest.mark.parametrize("endpoint", PUBLIC, ids=str)
def test_public_view_is_marked_login_not_required(endpoint):
    assert getattr(endpoint.callback, "login_required", True) is False, (
        f"{endpoint} is listed in access/public.py but its view lacks @login_not_required"
    )


def test_every_listed_public_name_exists():
    names = {e.name for e in ENDPOINTS}
    stale = sorted(PUBLIC_URL_NAMES - names)
    assert not stale, f"access/public.py lists names that are not in the urlconf: {stale}"


def test_views_marked_public_are_listed():
    """A view opened with @login_not_required must also be listed (a reviewed decision)."""
    unlisted = sorted(
        str(e)
        for e in PRIVATE
        if getattr(e.callback, "login_required", True) is False
        and not (e.name or "").startswith("admin:")  # the admin checks staff rights itself
    )
    assert not unlisted, f"public views missing from access/public.py: {unlisted}"


@pytest.mark.django_db
def test_static_files_do_not_need_login(client):
    response = client.get(f"/{settings.STATIC_URL.strip('/')}/css/portal.css")
    assert response.status_code == 200


@pytest.mark.django_db
def test_healthz_does_not_need_login(client):
    assert client.get("/healthz").status_code == 200
