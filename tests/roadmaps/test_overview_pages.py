"""The municipality overview a page at a time (issue 17): ordered and counted in the database,
the whole set in the XLSX export, the page's HTML bounded whatever the territory's size."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from roadmaps.models import EngagementConcern
from roadmaps.views import OVERVIEW_PER_PAGE
from schools.models import Organisation
from tests.factories import OrganisationFactory

from .factories import RoadmapFactory, RoadmapItemFactory

pytestmark = pytest.mark.django_db


def _schools(world, n: int, prefix: str = "Школа") -> list:
    schools = []
    for k in range(n):
        school = OrganisationFactory(municipality=world.mun, short_name=f"{prefix} {k:03d}")
        RoadmapFactory(organisation=school, title=f"Карта {k:03d}")
        schools.append(school)
    return schools


def test_overview_pages_in_order_of_concerns_then_overdue(world, users, client_for):
    schools = _schools(world, OVERVIEW_PER_PAGE + 5)
    late = schools[40]
    RoadmapItemFactory(
        roadmap=late.roadmaps.get(), due_date=timezone.localdate() - timedelta(days=3)
    )
    worried = schools[50]
    EngagementConcern.objects.create(organisation=worried, text="Не выходит на связь")
    client = client_for(users.methodologist)
    first = client.get(reverse("roadmaps:overview")).content.decode()
    assert first.count('class="fw-normal school-cell"') == OVERVIEW_PER_PAGE
    assert first.index(worried.short_name) < first.index(late.short_name) < first.index("Школа 000")
    assert "Schools: 55" in first or "Школ: 55" in first
    second = client.get(reverse("roadmaps:overview"), {"page": 2}).content.decode()
    assert second.count('class="fw-normal school-cell"') == 5
    assert "Школа 054" in second and "Школа 054" not in first


def test_overview_xlsx_holds_every_school(world, users, client_for):
    _schools(world, OVERVIEW_PER_PAGE + 5)
    response = client_for(users.methodologist).get(reverse("roadmaps:overview"), {"format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert len(names) == OVERVIEW_PER_PAGE + 5


def test_outsider_sees_no_school_of_another_municipality(world, users, client_for):
    _schools(world, 3)
    outsider = client_for(users.outsider)
    assert "Школа 000" not in outsider.get(reverse("roadmaps:overview")).content.decode()
    xlsx = outsider.get(reverse("roadmaps:overview"), {"format": "xlsx"})
    rows = list(load_workbook(BytesIO(xlsx.content)).active.iter_rows(min_row=2, values_only=True))
    assert rows == []
    assert (
        client_for(users.director).get(reverse("roadmaps:overview"), {"format": "xlsx"}).status_code
        == 403
    )


@pytest.mark.parametrize("size", [OVERVIEW_PER_PAGE, OVERVIEW_PER_PAGE * 4])
def test_overview_html_is_bounded(world, users, client_for, size):
    _schools(world, size, prefix="Муниципальное общеобразовательное учреждение школа")
    body = client_for(users.methodologist).get(reverse("roadmaps:overview")).content
    assert len(body) < 500_000
    assert body.decode().count('class="fw-normal school-cell"') == OVERVIEW_PER_PAGE


def test_overview_page_query_count_does_not_grow_with_schools(
    world, users, client_for, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _schools(world, 3)
    client = client_for(users.methodologist)
    client.get(reverse("roadmaps:overview"))  # warm the session and the scope
    with CaptureQueriesContext(connection) as small:
        client.get(reverse("roadmaps:overview"))
    _schools(world, OVERVIEW_PER_PAGE * 2, prefix="Гимназия")
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(reverse("roadmaps:overview"))
    assert len(response.context["rows"]) == OVERVIEW_PER_PAGE
    assert response.context["totals"]["schools"] == OVERVIEW_PER_PAGE * 2 + 3


def test_overview_page_past_the_end_or_invalid_shows_as_paginator_does(world, users, client_for):
    _schools(world, OVERVIEW_PER_PAGE + 5)
    RoadmapItemFactory(
        roadmap=Organisation.objects.get(short_name="Школа 000").roadmaps.get(),
        due_date=timezone.localdate() - timedelta(days=1),
    )
    client = client_for(users.methodologist)
    for page, number, rows in (("9", 2, 5), ("0", 2, 5), ("x", 1, OVERVIEW_PER_PAGE)):
        response = client.get(reverse("roadmaps:overview"), {"page": page})
        assert response.context["page"].number == number
        assert len(response.context["rows"]) == rows
        assert response.context["totals"] == {
            "schools": OVERVIEW_PER_PAGE + 5,
            "overdue": 1,
            "concerns": 0,
        }


@pytest.mark.parametrize("who, links", [("methodologist", True), ("curator", False)])
def test_overview_links_the_monitoring_table_only_to_who_may_open_it(
    world, users, client_for, who, links
):
    """The monitoring table is the territory's: a curator's overview has no link that would
    answer 403."""
    client = client_for(getattr(users, who))
    page = client.get(reverse("roadmaps:overview"))
    assert page.status_code == 200
    monitoring = reverse("reports:monitoring")
    assert (f'href="{monitoring}"' in page.content.decode()) is links
    assert client.get(monitoring).status_code == (200 if links else 403)


@pytest.mark.parametrize("role", ["coordinator", "curator", "methodologist"])
def test_overview_is_not_titled_the_municipality_s_for_a_region_or_a_curator(
    world, users, client_for, role
):
    """A coordinator sees the whole region, a curator schools of several municipalities."""
    page = client_for(getattr(users, role)).get(reverse("roadmaps:overview")).content.decode()
    assert '<h1 class="h3">Обзор дорожных карт</h1>' in page
    assert "Дорожные карты муниципалитета" not in page


@pytest.mark.parametrize("role", ["coordinator", "methodologist"])
def test_roadmap_list_links_the_territory_overview(world, users, client_for, role):
    """A coordinator's overview is the region's: the button does not say «по муниципалитету»."""
    page = client_for(getattr(users, role)).get(reverse("roadmaps:list")).content.decode()
    assert "Обзор по территории" in page
    assert "Обзор по муниципалитету" not in page
