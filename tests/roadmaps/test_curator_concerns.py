"""Issue 15, item 4: a curator raises engagement concerns for the schools they curate (the URL
was a 404 and the overview a 403)."""

import pytest
from django.urls import reverse

from roadmaps.models import EngagementConcern
from roadmaps.selectors import overview_rows

pytestmark = pytest.mark.django_db


def test_curator_raises_a_concern_from_the_school_card(world, users, client_for):
    client = client_for(users.curator)
    url = reverse("roadmaps:concern_new", args=[world.school.pk])
    card = client.get(reverse("schools:detail", args=[world.school.pk])).content.decode()
    assert f'href="{url}' in card
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "Школа не выходит на связь третью неделю"})
    assert response.status_code == 302
    concern = EngagementConcern.objects.get()
    assert concern.organisation == world.school and concern.raised_by == users.curator


def test_curator_raises_a_concern_on_the_roadmap_and_sees_it_in_the_overview(rm, users, client_for):
    client = client_for(users.curator)
    page = client.get(reverse("roadmaps:detail", args=[rm.roadmap.pk])).content.decode()
    assert reverse("roadmaps:concern_raise", args=[rm.roadmap.pk]) in page
    client.post(
        reverse("roadmaps:concern_raise", args=[rm.roadmap.pk]), {"text": "Директор не отвечает"}
    )
    overview = client.get(reverse("roadmaps:overview"))
    assert overview.status_code == 200 and "Директор не отвечает" in overview.content.decode()
    rows = overview_rows(user=users.curator)
    assert [r["organisation"] for r in rows] == [rm.roadmap.organisation]


def test_curator_cannot_raise_a_concern_about_a_school_they_do_not_curate(world, users, client_for):
    client = client_for(users.curator)
    for school in (world.leader, world.other_school):
        url = reverse("roadmaps:concern_new", args=[school.pk])
        assert client.post(url, {"text": "x"}).status_code == 404
    assert (
        client_for(users.outsider)
        .get(reverse("roadmaps:concern_new", args=[world.school.pk]))
        .status_code
        == 404
    )
    assert not EngagementConcern.objects.exists()
