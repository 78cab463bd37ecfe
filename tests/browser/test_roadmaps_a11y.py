"""Accessibility (axe), valid HTML (Nu checker) and a 360 px phone width for every roadmaps
page, opened as the demo role that uses it."""

from django.urls import reverse

from roadmaps.models import EngagementConcern, MeasureTemplate, Roadmap
from tests.a11y.walk import audit_pages, require_validator


def _pages() -> dict[str, list[tuple[str, str]]]:
    roadmap = Roadmap.objects.get(organisation__short_name="МОБУ «СОШ № 5»")
    item = roadmap.items.order_by("position").first()
    # a concern of the methodologist's own municipality (the demo has a second one)
    concern = EngagementConcern.objects.filter(
        organisation__municipality=roadmap.organisation.municipality
    ).first()
    detail = reverse("roadmaps:detail", args=[roadmap.pk])
    return {
        "director@demo.local": [
            ("list", reverse("roadmaps:list")),
            ("roadmap", detail),
            ("roadmap filtered", f"{detail}?status=overdue"),
            ("new roadmap", reverse("roadmaps:create")),
            ("new item", reverse("roadmaps:item_add", args=[roadmap.pk])),
            ("edit item", reverse("roadmaps:item_edit", args=[item.pk])),
            ("evidence page", reverse("roadmaps:evidence_add", args=[item.pk])),
        ],
        "curator@demo.local": [
            ("roadmap", detail),
            ("history", reverse("roadmaps:history", args=[roadmap.pk])),
            ("comment page", reverse("roadmaps:item_comment", args=[item.pk])),
            ("print", reverse("roadmaps:print", args=[roadmap.pk])),
        ],
        "methodist@demo.local": [
            ("overview", reverse("roadmaps:overview")),
            ("roadmap", detail),
            ("concern form", reverse("roadmaps:concern_new", args=[roadmap.organisation_id])),
            ("resolve form", reverse("roadmaps:concern_resolve", args=[concern.pk])),
        ],
        "coordinator@demo.local": [
            ("library", reverse("roadmaps:library")),
            (
                "library form",
                reverse("roadmaps:library_edit", args=[MeasureTemplate.objects.first().pk]),
            ),
        ],
    }


def test_roadmaps_pages_are_accessible_valid_and_fit_a_phone(browser, live_server, demo):
    require_validator()
    problems = audit_pages(browser, live_server.url, _pages().items(), prefix="roadmaps ")
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)
