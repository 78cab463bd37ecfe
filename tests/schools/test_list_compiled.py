"""The school list's page query built and compiled once per process for each of its shapes
(``paging.counted_page_of``; issue 17, item 5): what it reads is read anew on every page."""

from unittest import mock

import pytest
from django.urls import reverse

from network_portal.ui import paging
from schools import selectors
from tests.factories import OrganisationFactory

URL = reverse("schools:list")


@pytest.fixture(autouse=True)
def _anew(settings):
    settings.SCHOOL_CARD_CACHE = False  # every page rendered anew
    paging._BUILT.clear()


def _names(response) -> list[str]:
    assert response.status_code == 200
    return [row["short_name"] for row in response.context["page"]]


def test_the_page_query_is_built_once_per_shape(users, world, client_for):
    client = client_for(users.coordinator)
    with mock.patch.object(selectors, "school_table", wraps=selectors.school_table) as built:
        first = _names(client.get(URL + "?sort=-name"))
        assert _names(client.get(URL + "?sort=-name")) == first
        assert built.call_count == 1
        client.get(URL + "?sort=-name&kind=school")  # another shape: built again
        assert built.call_count == 2


def test_a_kept_query_reads_its_rows_anew_for_each_scope(users, world, client_for):
    everything = _names(client_for(users.coordinator).get(URL))
    assert world.other_school.short_name in everything
    mine = _names(client_for(users.methodologist).get(URL))
    assert world.other_school.short_name not in mine and world.school.short_name in mine
    OrganisationFactory(municipality=world.mun, short_name="МОБУ «СОШ № 77»")
    response = client_for(users.methodologist).get(URL)
    assert "МОБУ «СОШ № 77»" in _names(response)
    assert response.context["page"].paginator.count == len(mine) + 1
    assert _names(client_for(users.director).get(URL)) == [world.school.short_name]
