"""The one slot registry (``network_portal.ui.slots``) and its ``{% slot %}`` tag."""

import pytest
from django.db.models import Value
from django.template import Context, RequestContext, Template
from django.test import override_settings

from network_portal.accounts.models import Role
from network_portal.ui import slots
from schools.models import Organisation

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "context_processors": ["django.template.context_processors.request"],
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        "part.html": "[{{ word }}|{{ page_word }}|{{ organisation.pk }}]",
                        "panel.html": "<{{ word }}>",
                    },
                )
            ],
        },
    }
]


@pytest.fixture
def registry(monkeypatch):
    """An empty registry for the test (the real one is left as the apps built it)."""
    monkeypatch.setattr(slots, "_SLOTS", {})
    monkeypatch.setattr(slots, "_CONTRIBUTIONS", {})
    return slots


def _request(rf, user):
    request = rf.get("/")
    request.user = user
    return request


def test_a_contribution_to_an_undeclared_slot_is_refused(registry):
    with pytest.raises(ValueError, match="unknown slot"):
        slots.register("nowhere", slots.Contribution("x", "part.html", lambda r, o: {}))


@override_settings(TEMPLATES=TEMPLATES)
def test_parts_come_in_order_and_a_none_context_hides_one(registry, rf, users):
    slots.declare("page")
    slots.register("page", slots.Contribution("b", "part.html", lambda r, o: {"word": "b"}, 20))
    slots.register("page", slots.Contribution("a", "part.html", lambda r, o: {"word": "a"}, 20))
    slots.register("page", slots.Contribution("first", "part.html", lambda r, o: {}, 10))
    slots.register("page", slots.Contribution("hidden", "part.html", lambda r, o: None, 5))
    parts = slots.fill("page", _request(rf, users.director), object())
    assert [p["key"] for p in parts] == ["first", "a", "b"]
    assert parts[1]["context"] == {"word": "a"}
    assert "html" not in parts[1]  # rendered in place by the tag, in the page's context


@override_settings(TEMPLATES=TEMPLATES)
def test_roles_limit_who_sees_a_part(registry, rf, users):
    slots.declare("home")
    slots.register(
        "home",
        slots.Contribution("d", "panel.html", lambda r, u: {"word": 0}, roles=(Role.DIRECTOR,)),
    )
    slots.register("home", slots.Contribution("all", "panel.html", lambda r, u: {"word": 1}))
    assert [p["key"] for p in slots.fill("home", _request(rf, users.director), None)] == [
        "all",
        "d",
    ]
    assert [p["key"] for p in slots.fill("home", _request(rf, users.teacher), None)] == ["all"]
    assert [p["key"] for p in slots.fill("home", _request(rf, users.admin), None)] == ["all", "d"]


@override_settings(TEMPLATES=TEMPLATES)
def test_the_tag_renders_each_part_in_the_page_context(registry, rf, users):
    slots.declare("page")
    slots.register("page", slots.Contribution("a", "part.html", lambda r, o: {"word": o}))
    slots.register("page", slots.Contribution("b", "part.html", lambda r, o: {"word": "<b>"}))
    template = Template('{% load slots %}{% slot "page" thing %}')
    context = RequestContext(_request(rf, users.director), {"thing": "x", "page_word": "p"})
    # the page's names are visible, each part's own are added; a part's output is not
    # escaped twice, its values are escaped once
    assert template.render(context) == "[x|p|][&lt;b&gt;|p|]"
    assert "word" not in context  # the part's names do not leak into the rest of the page


FRAMED = [
    {
        **TEMPLATES[0],
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {
                        **TEMPLATES[0]["OPTIONS"]["loaders"][0][1],
                        "frame.html": "<h2>{{ part.title }}</h2>{{ part.html }}"
                        "{% include part.template with word=part.context.word %};",
                    },
                )
            ],
        },
    }
]


@override_settings(TEMPLATES=FRAMED)
def test_a_page_frames_each_part_with_its_own_template(registry, rf, users, world):
    """``frame=``: the page heads each part itself; the frame sees the part (its title, its
    isolated html, its template and context), the page's names stay visible."""
    slots.declare("card", isolated=True, obj_name="organisation")
    slots.register(
        "card", slots.Contribution("a", "part.html", lambda r, o: {"word": "a"}, title="<A>")
    )
    slots.register("card", slots.Contribution("b", "part.html", lambda r, o: None, title="B"))
    template = Template('{% load slots %}{% slot "card" school frame="frame.html" %}')
    context = RequestContext(_request(rf, users.director), {"school": world.school})
    pk = world.school.pk
    assert template.render(context) == f"<h2>&lt;A&gt;</h2>[a||{pk}][a||];"
    assert "part" not in context


@override_settings(TEMPLATES=TEMPLATES)
def test_the_tag_renders_nothing_without_a_request(registry):
    slots.declare("page")
    slots.register("page", slots.Contribution("a", "part.html", lambda r, o: {"word": "a"}))
    assert Template('{% load slots %}{% slot "page" 1 %}').render(Context({})) == ""


@override_settings(TEMPLATES=TEMPLATES)
def test_an_isolated_slot_renders_parts_with_their_own_context_and_the_object(
    registry, rf, users, world
):
    slots.declare("card", isolated=True, obj_name="organisation")
    slots.register("card", slots.Contribution("a", "part.html", lambda r, o: {"word": "a"}))
    (part,) = slots.fill("card", _request(rf, users.director), world.school)
    assert part["html"] == f"[a||{world.school.pk}]"


def test_facts_are_read_with_the_object_or_fetched_in_one_query(
    registry, world, django_assert_num_queries
):
    slots.declare("card")
    slots.register(
        "card",
        slots.Contribution(
            "a", "part.html", lambda r, o: {}, facts=lambda: {"seven": Value(7), "one": Value(1)}
        ),
    )
    read = slots.annotate("card", Organisation.objects.all()).get(pk=world.school.pk)
    with django_assert_num_queries(0):
        assert slots.facts("card", "a", read) == {"seven": 7, "one": 1}
    plain = Organisation.objects.get(pk=world.school.pk)
    with django_assert_num_queries(1):
        assert slots.facts("card", "a", plain) == {"seven": 7, "one": 1}
    assert slots.facts("card", "unknown", plain) == {}


def test_each_page_owns_its_slot_and_the_apps_contribute_to_it():
    """The real registry, as the apps built it: every slot is declared by its page's app, and
    the contributions the pages show are there, in order."""
    keys = {name: [c.key for c in slots.contributions(name)] for name in slots._SLOTS}
    assert keys == {
        "home": [
            "reports_coordinator",
            "reports_curator",
            "reports_director",
            "reports_methodologist",
            "reports_teacher",
            "diagnostics",
            "partnerships",
            "roadmaps",
            "events",
            "knowledge",
        ],
        "schools.card": [
            "diagnostics_profile",
            "diagnostics_stages",
            "partnerships",
            "roadmaps",
            "events",
            "practices",
        ],
        "partnerships.detail": ["practices", "events"],
        "roadmaps.detail": ["practices", "events"],
        "events.detail": ["practices"],
    }
