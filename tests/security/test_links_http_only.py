"""Links are http(s) only (issue 16, item 12).

The attack stored an organisation's website ``javascript://%0aalert()`` from an import and
from the director's form, and the school card rendered it as a live link. Every input path
refuses such a link now, and every page that renders a user-supplied link renders it only as
an http(s) address — a bad value stored before (or by a path that forgot to check) is shown
as text.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse

from diagnostics.models import StageRecord
from events.models import EventMaterial
from network_portal.ui.links import safe_href, validate_web_url
from roadmaps.models import Evidence, EvidenceKind
from schools.models import Organisation
from schools.services import import_run_apply, import_run_create
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import valid_inn
from tests.partnerships.factories import StrengthFactory
from tests.roadmaps.factories import RoadmapFactory, RoadmapItemFactory, partnership_of

pytestmark = pytest.mark.django_db

ATTACKS = [
    "javascript://%0aalert(document.domain)",
    "JavaScript:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "ftp://files.example/x",
    "//evil.example/x",
]
HREF = re.compile(r'href="([^"]*)"')


def _hrefs_are_safe(html: str) -> None:
    for href in HREF.findall(html):
        href = href.replace("&amp;", "&").strip()
        if href.startswith(("/", "?", "#", "mailto:", "tel:")) and not href.startswith("//"):
            continue
        assert safe_href(href) == href, f"unsafe link rendered: {href!r}"


@pytest.mark.parametrize("value", ATTACKS)
def test_only_http_links_pass(value):
    assert safe_href(value) == ""
    with pytest.raises(Exception, match="http"):
        validate_web_url(value)


@pytest.mark.parametrize(
    "value, href",
    [
        ("https://school5.ru/", "https://school5.ru/"),
        ("school5.ru", "http://school5.ru"),
        ("http://школа.рф/о-нас", "http://школа.рф/о-нас"),
    ],
)
def test_real_sites_pass(value, href):
    assert safe_href(value) == href
    validate_web_url(value)


def test_every_link_field_of_every_model_is_validated():
    """Each URL field and each website field carries the http(s) validator."""
    missing = []
    for model in apps.get_models():
        if model._meta.app_label not in {
            "schools",
            "diagnostics",
            "partnerships",
            "roadmaps",
            "events",
        }:
            continue
        for field in model._meta.concrete_fields:
            is_link = isinstance(field, models.URLField) or field.name in {"website", "site"}
            if is_link and validate_web_url not in field.validators:
                missing.append(f"{model._meta.label}.{field.name}")
    assert not missing, missing


def test_import_refuses_a_javascript_website_with_line_and_column(world):
    text = (
        "Наименование;ИНН;Сайт\n"
        f"МОБУ «СОШ № 31»;{valid_inn(601)};https://sosh31.ru\n"
        f"МОБУ «СОШ № 32»;{valid_inn(602)};javascript://%0aalert(document.domain)\n"
    )
    run, table = import_run_create(
        data=text.encode(), file_name="f.csv", kind="schools", municipality=world.mun,
        keep_file=False,
    )  # fmt: skip
    run = import_run_apply(run=run, table=table, skip_invalid=True)
    issue = next(i for i in run.issues if i["line"] == 3)
    assert issue["column"] == "Сайт" and "javascript" in issue["message"]
    assert Organisation.objects.get(inn=valid_inn(601)).website == "https://sosh31.ru"
    assert not Organisation.objects.filter(website__icontains="javascript").exists()


def test_director_form_refuses_a_javascript_website(users, world, client_for):
    client = client_for(users.director)
    url = reverse("schools:edit", args=[world.school.pk])
    response = client.post(
        url, {"director_name": "Директор", "website": "javascript://%0aalert(1)"}
    )
    assert response.status_code == 200
    assert "http://" in str(response.context["form"].errors["website"])
    world.school.refresh_from_db()
    assert "javascript" not in world.school.website
    version = world.school.version  # the hidden field of the form as opened
    assert client.post(url, {"website": "sosh5.ru", "version": version}).status_code == 302
    world.school.refresh_from_db()
    assert world.school.website == "sosh5.ru"
    page = client.get(reverse("schools:detail", args=[world.school.pk])).content.decode()
    assert 'href="http://sosh5.ru"' in page
    assert client_for(users.outsider_director).post(url, {"website": "x.ru"}).status_code == 404


def test_event_forms_refuse_javascript_links(users, world, client_for):
    event = EventFactory(organiser=world.leader)
    response = client_for(users.methodologist).post(
        reverse("events:material_add", args=[event.pk]),
        {"title": "Материалы", "url": "javascript://%0aalert(1)"},
    )
    assert not EventMaterial.objects.filter(event=event).exists()
    assert response.status_code in (200, 302)


def test_bad_links_stored_before_are_never_rendered_as_links(users, world, client_for):
    """Values written past the validators (older data, a shell, a bulk update)."""
    bad = ATTACKS[0]
    Organisation.objects.filter(pk=world.school.pk).update(website=bad)
    event = EventFactory(organiser=world.leader)
    RegistrationFactory(event=event, user=users.teacher)
    type(event).objects.filter(pk=event.pk).update(online_url=bad)
    EventMaterial.objects.create(event=event, title="Ссылка", url=bad)
    StrengthFactory(organisation=world.leader)
    StrengthFactory._meta.model.objects.filter(organisation=world.leader).update(evidence_url=bad)
    StageRecord.objects.create(
        organisation=world.school, stage=1, reached_on=datetime.date(2026, 9, 1), evidence_link=bad
    )
    partnership = partnership_of(supported=world.school, leader=world.leader)
    roadmap = RoadmapFactory(organisation=world.school, partnership=partnership)
    item = RoadmapItemFactory(roadmap=roadmap)
    Evidence.objects.create(item=item, kind=EvidenceKind.LINK, url=bad)

    pages = [
        (users.director, reverse("schools:detail", args=[world.school.pk])),
        (users.teacher, reverse("events:detail", args=[event.pk])),
        (users.methodologist, reverse("events:detail", args=[event.pk])),
        (users.methodologist, reverse("partnerships:strengths", args=[world.leader.pk])),
        (users.methodologist, reverse("diagnostics:stage_list", args=[world.school.pk])),
        (users.director, reverse("roadmaps:detail", args=[roadmap.pk])),
    ]
    for user, url in pages:
        response = client_for(user).get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        _hrefs_are_safe(html)
        assert "alert(document.domain)" not in "".join(HREF.findall(html)), url
