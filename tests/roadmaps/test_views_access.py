"""Who may open and change a roadmap. Outsiders get 404 on every view, htmx ones included."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from roadmaps.models import Evidence, EvidenceKind, ItemStatus

pytestmark = pytest.mark.django_db


def _evidence(item, user):
    return Evidence.objects.create(
        item=item, kind=EvidenceKind.FILE, file=ContentFile(b"report", name="r.txt"),
        file_name="r.txt", file_size=6, added_by=user,
    )  # fmt: skip


def _all_urls(rm, evidence):
    r, i = rm.roadmap.pk, rm.own.pk
    get = [
        reverse("roadmaps:detail", args=[r]),
        reverse("roadmaps:edit", args=[r]),
        reverse("roadmaps:print", args=[r]),
        reverse("roadmaps:export_xlsx", args=[r]),
        reverse("roadmaps:history", args=[r]),
        reverse("roadmaps:item_add", args=[r]),
        reverse("roadmaps:item_edit", args=[i]),
        reverse("roadmaps:evidence_download", args=[evidence.pk]),
        reverse("roadmaps:evidence_add", args=[i]),
        reverse("roadmaps:item_comment", args=[i]),
    ]
    post = [
        reverse("roadmaps:item_quick", args=[i]),
        reverse("roadmaps:evidence_add", args=[i]),
        reverse("roadmaps:item_comment", args=[i]),
        reverse("roadmaps:item_delete", args=[i]),
        reverse("roadmaps:submit", args=[r]),
        reverse("roadmaps:review", args=[r]),
        reverse("roadmaps:rate", args=[r]),
        reverse("roadmaps:comment", args=[r]),
        reverse("roadmaps:concern_raise", args=[r]),
        reverse("roadmaps:propose", args=[r]),
        reverse("roadmaps:item_add", args=[r]),
    ]
    return get, post


@pytest.mark.parametrize("who", ["outsider", "outsider_director", "teacher", "nobody"])
def test_outsider_gets_404_on_every_view_including_htmx(rm, users, client_for, who):
    evidence = _evidence(rm.own, users.director)
    client = client_for(getattr(users, who))
    get, post = _all_urls(rm, evidence)
    for url in get:
        assert client.get(url).status_code == 404, url
    for url in post:
        response = client.post(url, {"status": "done", "version": 1}, HTTP_HX_REQUEST="true")
        assert response.status_code == 404, url
    rm.own.refresh_from_db()
    assert rm.own.status == ItemStatus.PLANNED


def test_director_of_another_school_cannot_change_item_through_htmx(rm, users, client_for):
    client = client_for(users.outsider_director)
    url = reverse("roadmaps:item_quick", args=[rm.own.pk])
    response = client.post(url, {"status": "done", "actual": "5", "version": 1},
                           HTTP_HX_REQUEST="true")  # fmt: skip
    assert response.status_code == 404
    rm.own.refresh_from_db()
    assert rm.own.status == "planned" and rm.own.actual_value is None


@pytest.mark.parametrize("who", ["director", "curator", "methodologist", "coordinator", "admin",
                                 "leader_director", "partner"])  # fmt: skip
def test_readers_open_the_roadmap(rm, users, client_for, who):
    response = client_for(getattr(users, who)).get(reverse("roadmaps:detail", args=[rm.roadmap.pk]))
    assert response.status_code == 200
    assert "Своя задача школы" in response.content.decode()


@pytest.mark.parametrize("who", ["curator", "methodologist", "coordinator", "leader_director"])
def test_only_the_school_director_edits_items(rm, users, client_for, who):
    client = client_for(getattr(users, who))
    assert client.get(reverse("roadmaps:item_edit", args=[rm.own.pk])).status_code == 403
    assert client.post(reverse("roadmaps:item_delete", args=[rm.own.pk])).status_code == 403
    assert client.post(reverse("roadmaps:submit", args=[rm.roadmap.pk])).status_code == 403


def test_leader_director_updates_only_items_the_leader_shares(rm, users, client_for):
    client = client_for(users.leader_director)
    shared = reverse("roadmaps:item_quick", args=[rm.shared.pk])
    own = reverse("roadmaps:item_quick", args=[rm.own.pk])
    assert (
        client.post(shared, {"status": "in_progress", "actual": "", "version": 1}).status_code
        == 302
    )
    assert client.post(own, {"status": "done", "actual": "", "version": 1}).status_code == 403
    rm.shared.refresh_from_db()
    rm.own.refresh_from_db()
    assert rm.shared.status == "in_progress" and rm.own.status == "planned"


def test_leader_director_does_not_see_the_schools_own_programme(world, users, client_for):
    from .factories import RoadmapFactory

    programme = RoadmapFactory(organisation=world.school)
    response = client_for(users.leader_director).get(
        reverse("roadmaps:detail", args=[programme.pk])
    )
    assert response.status_code == 404


def test_only_the_curator_reviews_and_rates(rm, users, client_for):
    rate = {"year": 2026, "quarter": 1, "rating": "green", "reason": "Всё по плану"}
    for who in ("director", "methodologist", "leader_director"):
        client = client_for(getattr(users, who))
        assert client.post(reverse("roadmaps:rate", args=[rm.roadmap.pk]), rate).status_code == 403
        review = {"decision": "approve"}
        assert (
            client.post(reverse("roadmaps:review", args=[rm.roadmap.pk]), review).status_code == 403
        )


def test_only_territory_roles_and_the_curator_raise_concerns(rm, users, client_for):
    url = reverse("roadmaps:concern_raise", args=[rm.roadmap.pk])
    for who in ("director", "leader_director"):
        assert client_for(getattr(users, who)).post(url, {"text": "x"}).status_code == 403
    assert client_for(users.teacher).post(url, {"text": "x"}).status_code == 404
    assert client_for(users.outsider).post(url, {"text": "x"}).status_code == 404
    assert (
        client_for(users.methodologist).post(url, {"text": "Не выходит на связь"}).status_code
        == 302
    )


def test_evidence_download_is_served_to_readers_only(rm, users, client_for):
    evidence = _evidence(rm.own, users.director)
    url = reverse("roadmaps:evidence_download", args=[evidence.pk])
    response = client_for(users.curator).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"report"
    assert client_for(users.outsider).get(url).status_code == 404


def test_overview_is_for_territory_roles_and_curators(rm, users, client_for):
    url = reverse("roadmaps:overview")
    assert client_for(users.methodologist).get(url).status_code == 200
    assert client_for(users.director).get(url).status_code == 403
    assert client_for(users.curator).get(url).status_code == 200


def test_library_is_edited_by_the_coordinator_only(users, client_for):
    assert client_for(users.coordinator).get(reverse("roadmaps:library_add")).status_code == 200
    assert client_for(users.methodologist).get(reverse("roadmaps:library")).status_code == 200
    assert client_for(users.methodologist).get(reverse("roadmaps:library_add")).status_code == 403
    assert client_for(users.director).get(reverse("roadmaps:library")).status_code == 403


@pytest.mark.parametrize("who,visible", [
    ("director", True), ("curator", True), ("methodologist", True), ("leader_director", True),
    ("outsider", False), ("outsider_director", False), ("teacher", False),
])  # fmt: skip
def test_list_shows_roadmaps_by_role(rm, users, client_for, who, visible):
    response = client_for(getattr(users, who)).get(reverse("roadmaps:list"))
    assert response.status_code == 200
    assert (rm.roadmap.title in response.content.decode()) is visible


def test_filters_offer_any_value_as_a_capitalised_first_option(rm, users, client_for):
    """«Все» opens each filter's list, as «Все статусы» and «Все виды» do on the other pages."""
    client = client_for(users.director)
    for url in (reverse("roadmaps:list"), reverse("roadmaps:detail", args=[rm.roadmap.pk])):
        page = client.get(url).content.decode()
        assert '<option value="">Все</option>' in page, url
        assert '<option value="">все</option>' not in page, url
