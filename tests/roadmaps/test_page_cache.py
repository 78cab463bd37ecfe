"""The roadmap page's cached body (``roadmaps.views.detail`` on ``schools/card_cache.py``'s data
token, issue 17 item 5): a kept page is the page; every change shows at once, whatever wrote
it; nothing is shared between users; the access check is the request's own."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from roadmaps.models import Roadmap, RoadmapItem

from .factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _page_cache_on(settings):
    settings.SCHOOL_CARD_CACHE = True


def _html(response) -> str:
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'X-CSRFToken": "[^"]+"', "XCSRF", html)


def _kept(response) -> bool:
    """Served from the cache: the page's data was not read (no item cards built)."""
    return "page" not in response.context


def test_a_kept_page_is_the_page_and_costs_four_queries(rm, users, client_for, settings):
    client = client_for(users.director)
    url = reverse("roadmaps:detail", args=[rm.roadmap.pk])
    first = client.get(url)
    assert not _kept(first)
    with CaptureQueriesContext(connection) as queries:
        again = client.get(url)
    assert _kept(again) and _html(again) == _html(first)
    assert len(queries.captured_queries) <= 4  # session, user, roles, the scope's EXISTS
    token = again.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert token != card_cache_marker()  # the request's own token, not the marker
    settings.SCHOOL_CARD_CACHE = False
    assert _html(client.get(url)) == _html(first)


def card_cache_marker() -> str:
    from schools.card_cache import CSRF_MARKER

    return CSRF_MARKER


def test_changes_show_at_once_whatever_wrote_them(rm, users, client_for):
    client = client_for(users.director)
    url = reverse("roadmaps:detail", args=[rm.roadmap.pk])
    client.get(url)
    quick = reverse("roadmaps:item_quick", args=[rm.own.pk])
    client.post(quick, {"status": "in_progress", "actual": "", "version": rm.own.version})
    page = client.get(url)
    assert not _kept(page)
    assert "В работе" in page.content.decode()
    client.get(url)
    RoadmapItem.objects.filter(pk=rm.own.pk).update(task="Задача, изменённая запросом")
    assert "Задача, изменённая запросом" in client.get(url).content.decode()
    curator = client_for(users.curator)
    curator.get(url)
    comment = reverse("roadmaps:comment", args=[rm.roadmap.pk])
    curator.post(comment, {"text": "Уточните сроки мероприятий"})
    assert "Уточните сроки мероприятий" in client.get(url).content.decode()


def test_each_user_is_served_their_own_page(rm, users, client_for):
    url = reverse("roadmaps:detail", args=[rm.roadmap.pk])
    director = client_for(users.director).get(url).content.decode()
    assert "Обновить статус и факт" in director
    curator = client_for(users.curator)
    curator.get(url)
    kept = curator.get(url)
    assert _kept(kept) and "Обновить статус и факт" not in kept.content.decode()


def test_a_kept_page_still_asks_the_access_policy(rm, users, client_for, monkeypatch):
    from roadmaps import selectors

    client = client_for(users.director)
    url = reverse("roadmaps:detail", args=[rm.roadmap.pk])
    client.get(url)
    monkeypatch.setattr(selectors, "roadmap_list_for_user", lambda *, user: Roadmap.objects.none())
    assert client.get(url).status_code == 404


def test_a_save_without_javascript_comes_back_to_its_item(rm, users, client_for, settings):
    from roadmaps import selectors

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    for _ in range(selectors.ITEM_WINDOW + 2):
        RoadmapItemFactory(roadmap=rm.roadmap)
    client = client_for(users.director)
    url = reverse("roadmaps:detail", args=[rm.roadmap.pk])
    last = rm.roadmap.items.order_by("-pk").first()
    assert f'id="item-{last.pk}"' not in client.get(url).content.decode()  # kept without it
    saved = client.post(
        reverse("roadmaps:item_quick", args=[last.pk]),
        {"status": "in_progress", "actual": "", "version": last.version},
    )
    assert f'id="item-{last.pk}"' in client.get(saved["Location"]).content.decode()
    assert f'id="item-{last.pk}"' not in client.get(url).content.decode()  # only once
