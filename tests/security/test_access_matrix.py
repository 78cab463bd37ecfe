"""Walk every URL of the portal as every actor and compare with the declared matrix.

The table is ``access_matrix.MATRIX``. A URL name without an entry fails here, so a page
added later is covered the day it is added. Requests run inside a savepoint that is rolled
back, so a POST by one actor does not change what the next one sees.
"""

from __future__ import annotations

import html
import traceback

import pytest
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import reverse

from network_portal.access.public import PUBLIC_URL_NAME_PREFIXES, PUBLIC_URL_NAMES

from .access_matrix import MATRIX
from .routes import ACTORS, ADMIN_LOGIN, LOGIN, REDIRECT, Route, iter_urls

ALL_URLS = list(iter_urls())
NAMED = sorted({u.name for u in ALL_URLS if u.name})
ADMIN_NAMES = [n for n in NAMED if n.startswith("admin:")]
PORTAL_NAMES = [n for n in NAMED if not n.startswith("admin:")]
ERROR_HEADINGS = {
    403: '<h1 class="h3">Доступ запрещён</h1>',
    404: '<h1 class="h3">Страница не найдена</h1>',
}
HOW_TO = (
    "Add an entry for it to MATRIX in tests/security/access_matrix.py: who may open it (ok), "
    "what the others get (other=404 outside their scope, 403 visible but not theirs) and how "
    "to fill its URL from tests/security/objects.py."
)


def _is_public(name: str) -> bool:
    return name in PUBLIC_URL_NAMES or name.startswith(PUBLIC_URL_NAME_PREFIXES)


@pytest.fixture
def clients(users) -> dict[str, Client]:
    result = {"anonymous": Client(raise_request_exception=False)}
    for actor in ACTORS[1:]:
        client = Client(raise_request_exception=False)
        client.force_login(getattr(users, actor))
        result[actor] = client
    return result


def _request(client: Client, method: str, url: str, data, htmx: bool):
    headers = {"HX-Request": "true"} if htmx else {}
    with transaction.atomic():
        response = getattr(client, method)(url, data=data, headers=headers)
        transaction.set_rollback(True)
    return response


def _describe(response) -> str:
    if response.status_code in (301, 302, 303, 307, 308):
        return f"{response.status_code} → {response['Location']}"
    if getattr(response, "exc_info", None):
        exc = response.exc_info[1]
        frames = traceback.format_exception(exc, limit=-3)
        return f"{response.status_code} ({exc.__class__.__name__}: {exc})\n" + "".join(frames)
    return str(response.status_code)


def _matches(response, expected) -> bool:
    status = response.status_code
    location = response.get("Location", "")
    if expected == LOGIN:
        return status == 302 and location.split("?")[0] == resolve_url(settings.LOGIN_URL)
    if expected == ADMIN_LOGIN:
        return status == 302 and location.split("?")[0] == reverse("admin:login")
    if expected == REDIRECT:
        return status in (302, 303) and location.split("?")[0] != resolve_url(settings.LOGIN_URL)
    return status == expected


def _body(response) -> str:
    if getattr(response, "streaming", False):
        return ""
    if "html" not in response.get("Content-Type", ""):
        return ""
    return response.content.decode("utf-8", "replace")


def _leaks(route: Route, objects, response) -> list[str]:
    """A refusal must not carry the object's data; a page must not link to public media."""
    body = _body(response)
    problems = []
    if response.status_code in (403, 404) and body and not route.public:
        # A refusal is the portal's error page and nothing else: a view that rendered its
        # own page with a refusal status could carry data the matrix cannot name. (Public
        # pages answer in their own layout, without the portal's navigation.)
        heading = ERROR_HEADINGS[response.status_code]
        if heading not in body:
            problems.append(f"refusal is not the {response.status_code} page («{heading}» missing)")
    if response.status_code in (403, 404):
        for obj in route.objects_named(objects):
            for text in {str(obj), html.escape(str(obj))}:
                if len(text) > 3 and text in body:
                    problems.append(f"refusal page shows {text!r}")
    media = "/" + settings.MEDIA_URL.strip("/") + "/"
    if response.status_code == 200 and (f'"{media}' in body or f"'{media}" in body):
        problems.append(f"page links to {media} (private files must go through a view)")
    return problems


def test_every_url_pattern_is_named():
    unnamed = [u.pattern for u in ALL_URLS if u.name is None and not u.pattern.startswith("admin/")]
    assert not unnamed, f"Name these URL patterns (the access matrix keys by name): {unnamed}"


def test_every_url_has_an_entry_in_the_matrix():
    missing = [name for name in PORTAL_NAMES if name not in MATRIX]
    assert not missing, f"URL names without an access-matrix entry: {missing}. {HOW_TO}"


def test_matrix_has_no_stale_entries():
    stale = sorted(set(MATRIX) - set(PORTAL_NAMES))
    assert not stale, f"Entries for URL names that no longer exist: {stale}"


def test_public_pages_agree_with_the_public_list():
    """access/public.py and the matrix say the same about which pages need no login."""
    declared = {n for n in PORTAL_NAMES if _is_public(n)}
    in_matrix = {n for n, route in MATRIX.items() if route.public}
    assert declared == in_matrix, (
        f"public.py only: {sorted(declared - in_matrix)}; matrix only: {sorted(in_matrix - declared)}"
    )


@pytest.mark.parametrize("name", PORTAL_NAMES)
def test_access_matrix(name, objects, clients):
    route = MATRIX.get(name)
    if route is None:
        pytest.fail(f"{name} has no access-matrix entry. {HOW_TO}")
    url = reverse(name, kwargs=route.kwargs(objects)) + (f"?{route.query}" if route.query else "")
    data = route.post_data(objects) if route.method == "post" else None
    problems = []
    for actor in ACTORS:
        expected = route.expected_for(actor)
        variants = [False, True] if route.htmx else [False]
        for htmx in variants:
            response = _request(clients[actor], route.method, url, data, htmx)
            label = f"{actor}{' (htmx)' if htmx else ''}"
            if not _matches(response, expected):
                problems.append(f"{label}: expected {expected}, got {_describe(response)}")
            problems += [f"{label}: {p}" for p in _leaks(route, objects, response)]
    assert not problems, f"{route.method.upper()} {url}\n" + "\n".join(problems)


@pytest.mark.parametrize(
    "name", [n for n in PORTAL_NAMES if MATRIX.get(n, Route()).method == "get"]
)
def test_a_post_to_a_page_gets_no_further_than_its_get(name, objects, clients):
    """Forms answer GET and POST in one view: a POST must be refused exactly like the GET.

    Those refused (login, 403, 404) get the same refusal, or 405 from a page that takes no
    POST; those allowed may send a form, even an empty one, without a server error (an empty
    form comes back with its errors). Each request is rolled back.
    """
    route = MATRIX.get(name)
    if route is None:
        pytest.fail(f"{name} has no access-matrix entry. {HOW_TO}")
    url = reverse(name, kwargs=route.kwargs(objects)) + (f"?{route.query}" if route.query else "")
    problems = []
    for actor in ACTORS:
        expected = route.expected_for(actor)
        for htmx in [False, True] if route.htmx else [False]:
            response = _request(clients[actor], "post", url, route.post_data(objects), htmx)
            label = f"{actor}{' (htmx)' if htmx else ''}"
            if expected in (LOGIN, ADMIN_LOGIN, 403, 404):
                if not (_matches(response, expected) or response.status_code == 405):
                    problems.append(f"{label}: expected {expected}, got {_describe(response)}")
            elif response.status_code >= 500:
                problems.append(f"{label}: expected no server error, got {_describe(response)}")
            problems += [f"{label}: {p}" for p in _leaks(route, objects, response)]
    assert not problems, f"POST {url}\n" + "\n".join(problems)


# --- the admin: one rule for all of its pages ------------------------------------------------


def _admin_kwargs(name: str, objects, users) -> dict | None:
    """URL kwargs for an admin page: an existing object of its model where one is needed."""
    if name == "admin:app_list":
        return {"app_label": "schools"}
    if name == "admin:auth_user_password_change":
        return {"id": users.director.pk}
    if name == "admin:view_on_site":
        return None
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            if name.endswith("_simple_history"):  # django-simple-history: one past version
                obj = model._default_manager.order_by("pk").first()
                record = obj.history.order_by("pk").first() if obj else None
                if record is None:
                    return None
                return {"object_id": obj.pk, "history_id": record.history_id}
            if name.endswith(("_change", "_delete", "_history")):
                obj = model._default_manager.order_by("pk").first()
                return {"object_id": obj.pk if obj else 0}
            return {}
    return {}


def test_admin_is_for_staff_only_and_its_pages_work(objects, users, clients):
    problems = []
    for name in ADMIN_NAMES:
        kwargs = _admin_kwargs(name, objects, users)
        if kwargs is None:
            continue
        url = reverse(name, kwargs=kwargs)
        for actor in ACTORS:
            response = _request(clients[actor], "get", url, None, False)
            if actor == "admin":
                ok = (
                    response.status_code == 200
                    if name.endswith("_changelist") or name == "admin:index"
                    else response.status_code < 500
                )
                expected = "200 / no server error"
            elif name == "admin:logout":  # POST only; a GET is sent back to the admin index
                ok, expected = response.status_code in (302, 405), "302 or 405"
            elif actor == "anonymous":
                # Admin pages send to the admin's login or to the portal's: both fine.
                ok = _matches(response, ADMIN_LOGIN) or _matches(response, LOGIN)
                expected = f"{ADMIN_LOGIN} or {LOGIN}"
            else:
                # A logged-in user without staff rights: refused or sent to log in, never a page.
                ok = response.status_code == 403 or _matches(response, ADMIN_LOGIN)
                expected = f"403 or {ADMIN_LOGIN}"
            if not ok:
                problems.append(f"{url} {actor}: expected {expected}, got {_describe(response)}")
    assert not problems, "\n".join(problems)
