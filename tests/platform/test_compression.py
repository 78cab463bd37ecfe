"""Pages are gzip-compressed by the portal, files are not, and the premise of doing it in
Django (BREACH): the CSRF token in a page is masked anew on every response."""

import gzip
import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_a_page_is_compressed_for_a_client_that_accepts_gzip(client_for, users):
    client = client_for(users.methodologist)
    plain = client.get(reverse("schools:list"))
    packed = client.get(reverse("schools:list"), HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    assert len(packed.content) < len(plain.content) / 3
    assert b"<html" in gzip.decompress(packed.content)


def test_a_file_is_not_compressed(client_for, users, world):
    from tests.reports.factories import RoadmapFactory

    roadmap = RoadmapFactory(organisation=world.school)
    response = client_for(users.curator).get(
        reverse("roadmaps:export_xlsx", args=[roadmap.pk]), HTTP_ACCEPT_ENCODING="gzip"
    )
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_the_csrf_token_of_a_page_differs_on_every_response(client):
    tokens = set()
    for _ in range(3):
        page = client.get(reverse("accounts:login"), HTTP_ACCEPT_ENCODING="gzip")
        html = gzip.decompress(page.content).decode()
        tokens.add(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1))
    assert len(tokens) == 3
