"""Issue 16, «Also»: private downloads are not cached, a network's coordinating organisation
comes from the editor's territory, and signed agreement scans are for the territory and the
heads of the parties only.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from network_portal.documents.middleware import PRIVATE_NO_STORE, is_download
from partnerships.models import Network
from tests.partnerships.matrix import agreement

from .access_matrix import MATRIX

pytestmark = pytest.mark.django_db

ASKERS = ("methodologist", "director", "coordinator", "teacher", "partner", "admin")
#: Downloads the matrix opens without their query (it asks the page itself).
EXPORTS = (("diagnostics:heatmap", {"format": "xlsx"}),)


def _client(users, actor: str) -> Client:
    client = Client()
    client.force_login(getattr(users, actor))
    return client


def test_every_download_is_private_and_not_stored(objects, users):
    downloads = []
    for name, route in sorted(MATRIX.items()):
        if route.method != "get" or route.ok_status != 200:
            continue
        actor = next((a for a in ASKERS if a in tuple(route.ok)), None)
        if actor is None:
            continue
        response = _client(users, actor).get(reverse(name, kwargs=route.kwargs(objects)))
        if response.status_code == 200 and is_download(response):
            downloads.append(name)
            assert response["Cache-Control"] == PRIVATE_NO_STORE, name
    for name, query in EXPORTS:
        response = _client(users, "methodologist").get(reverse(name), query)
        assert response.status_code == 200 and is_download(response), name
        assert response["Cache-Control"] == PRIVATE_NO_STORE, name
        downloads.append(name)
    # Scans, evidence, materials, generated documents and exports: the walk found them.
    assert {
        "partnerships:agreement_scan_download",
        "documents:download",
        "schools:export",
        "roadmaps:export_xlsx",
    } <= set(downloads), downloads
    assert len(downloads) >= 6, downloads


def test_the_public_calendar_keeps_its_own_cache_policy(objects, users):
    """A view that sets Cache-Control itself keeps it (public announcements)."""
    response = Client().get(reverse("events:public_feed", args=[objects.mun.pk]))
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=900"


# --- signed scans ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "expected"),
    [
        ("admin", 200),
        ("coordinator", 200),
        ("methodologist", 200),
        ("director", 200),
        ("partner", 200),
        ("teacher", 403),
        ("curator", 403),
        ("outsider", 404),
        ("outsider_director", 404),
    ],
)
def test_signed_scan_is_for_territory_and_heads_of_the_parties(objects, users, actor, expected):
    pk = agreement(objects)
    client = _client(users, actor)
    response = client.get(reverse("partnerships:agreement_scan_download", args=[pk]))
    assert response.status_code == expected
    if actor in ("teacher", "curator"):
        page = client.get(reverse("partnerships:agreement_detail", args=[pk]))
        assert page.status_code == 200
        assert reverse("partnerships:agreement_scan_download", args=[pk]) not in (
            page.content.decode()
        )


# --- networks --------------------------------------------------------------------------


def _network_data(world, coordinator, members=()):
    return {
        "name": "Сеть ОВЗ",
        "model": Network._meta.get_field("model").choices[0][0],
        "municipality": world.mun.pk,
        "coordinator": coordinator.pk,
        "members": [m.pk for m in members] or [coordinator.pk],
        "description": "",
    }


def test_methodologist_cannot_make_another_municipalitys_school_the_coordinator(world, users):
    client = _client(users, "methodologist")
    data = _network_data(world, world.other_school, members=[world.school])
    response = client.post(reverse("partnerships:network_create"), data)
    assert response.status_code in (200, 400)
    assert not Network.objects.exists()
    assert "coordinator" in response.context["form"].errors
    # A school of the methodologist's own municipality is fine.
    response = client.post(
        reverse("partnerships:network_create"), _network_data(world, world.school)
    )
    assert response.status_code == 302
    assert Network.objects.get().coordinator == world.school


def test_regional_coordinator_may_choose_any_school_of_the_region(world, users):
    client = _client(users, "coordinator")
    data = _network_data(world, world.other_school, members=[world.school])
    response = client.post(reverse("partnerships:network_create"), data)
    assert response.status_code == 302
    assert Network.objects.get().coordinator == world.other_school
