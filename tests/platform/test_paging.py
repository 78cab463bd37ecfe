"""``counted_page``: a page and the count of its whole list in one query, with the pages past
the end, ``0`` and non-numbers shown as ``Paginator.get_page`` shows them (issue 17)."""

import pytest
from django.core.paginator import Paginator

from network_portal.ui.paging import counted_page
from schools.models import Municipality

pytestmark = pytest.mark.django_db


@pytest.fixture
def municipalities(world):
    from tests.factories import MunicipalityFactory

    for i in range(23):
        MunicipalityFactory(region=world.region, name=f"Округ {i:02}")
    return Municipality.objects.order_by("name", "pk")


@pytest.mark.parametrize("number", ["1", "2", "3", "4", "99", "0", "-1", "x", None, "", "2.5"])
@pytest.mark.parametrize("values", [False, True])
def test_counted_page_is_get_page(municipalities, number, values):
    rows = municipalities.values("pk", "name") if values else municipalities
    expected = Paginator(rows, 10).get_page(number)
    page = counted_page(rows, per_page=10, page_number=number)
    assert page.number == expected.number
    assert page.paginator.count == expected.paginator.count == 25
    assert page.paginator.num_pages == 3
    assert list(page) == list(expected)
    assert not values or all(set(row) == {"pk", "name"} for row in page)


def test_a_page_and_its_count_are_one_query(municipalities, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = counted_page(municipalities, per_page=10, page_number="2")
        assert len(list(page)) == 10 and page.paginator.count == 25
        assert page.has_next() and page.has_previous()


def test_an_empty_list_is_one_query_and_page_one(world, django_assert_num_queries):
    with django_assert_num_queries(1):
        page = counted_page(
            Municipality.objects.filter(name="Нет такого").order_by("pk"),
            per_page=10,
            page_number="1",
        )
    with django_assert_num_queries(0):
        assert page.number == 1 and page.paginator.count == 0 and list(page) == []


def test_a_distinct_list_counts_its_distinct_rows(municipalities):
    """A window would count the rows before ``DISTINCT`` (25 here): such a list is paged by
    ``Paginator`` (a count of its own)."""
    rows = municipalities.values("region_id").order_by("region_id").distinct()
    page = counted_page(rows, per_page=10, page_number="1")
    assert page.paginator.count == Paginator(rows, 10).count == 1
    assert list(page) == [{"region_id": municipalities[0].region_id}]


def test_count_of_is_counted_in_the_same_query(municipalities, django_assert_num_queries):
    """``count_of``: the same rows without the joins that only add columns — counted instead of
    the page's queryset (here a different set, to see which one was counted)."""
    with django_assert_num_queries(1):
        page = counted_page(
            municipalities.select_related("region"),
            per_page=10,
            page_number="2",
            count_of=municipalities.filter(name__startswith="Округ 1"),
        )
        assert len(list(page)) == 10 and page.paginator.count == 10
