"""The school card's cached body (``schools/card_cache.py``, issue 17 item 5): every change that
feeds a section shows at once, whatever wrote it; nothing is shared between users; the CSRF
token and the access check are the request's own."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from schools import card_cache
from tests.schools.kept_pages import fresh_html, page_html

from .factories import AssessmentResultFactory
from .test_views import _fill_card

pytestmark = pytest.mark.usefixtures("_card_cache_on")


@pytest.fixture
def _card_cache_on(settings):
    settings.SCHOOL_CARD_CACHE = True


def _cached(response) -> bool:
    """Served from the cache: the body's template was not rendered."""
    return "schools/_card_body.html" not in [t.name for t in response.templates]


def _warm(client, url) -> str:
    first = client.get(url)
    second = client.get(url)
    assert not _cached(first) and _cached(second)
    assert page_html(first) == page_html(second)
    return page_html(second)


def _shows_at_once(client, url, before: str, marker: str | None = None) -> None:
    response = client.get(url)
    assert not _cached(response)
    after = page_html(response)
    assert after != before
    assert after == fresh_html(client, url)
    if marker:
        assert marker in after and marker not in before


@pytest.fixture
def card(users, world, client_for):
    _fill_card(world, users, 2)
    return client_for(users.methodologist), reverse("schools:detail", args=[world.school.pk])


def test_hit_is_the_same_page_in_four_queries_at_two_sizes(
    users, world, client_for, django_assert_num_queries
):
    url = reverse("schools:detail", args=[world.school.pk])
    for n in (1, 6):
        _fill_card(world, users, n)
        client = client_for(users.methodologist)
        body = _warm(client, url)
        # session, user, roles, the policy's EXISTS
        with django_assert_num_queries(4):
            response = client.get(url)
        assert _cached(response) and page_html(response) == body == fresh_html(client, url)


def test_a_result_saved_shows_at_once(card, world):
    client, url = card
    before = _warm(client, url)
    AssessmentResultFactory(organisation=world.school, year=2031)
    _shows_at_once(client, url, before, "2031")


def test_a_category_updated_in_bulk_shows_at_once(card, world):
    from schools.models import CategoryAssignment
    from tests.schools.factories import CategoryAssignmentFactory

    CategoryAssignmentFactory(organisation=world.school, year=2025, category="risk")
    client, url = card
    before = _warm(client, url)
    CategoryAssignment.objects.filter(organisation=world.school).update(category="leader")
    _shows_at_once(client, url, before)


def test_the_risk_profile_changed_in_bulk_shows_at_once(card, world):
    from diagnostics.models import FactorLevel

    client, url = card
    before = _warm(client, url)
    FactorLevel.objects.filter(profile__organisation=world.school).update(level="high")
    _shows_at_once(client, url, before)


def test_a_stage_deleted_shows_at_once(card, world):
    from diagnostics.models import StageRecord

    client, url = card
    before = _warm(client, url)
    StageRecord.objects.filter(organisation=world.school).order_by("-stage").first().delete()
    _shows_at_once(client, url, before)


def test_a_partner_renamed_shows_on_the_other_schools_card(card, world):
    from partnerships.models import PartnershipMember

    client, url = card
    before = _warm(client, url)
    member = (
        PartnershipMember.objects.filter(partnership__members__organisation=world.school)
        .exclude(organisation=world.school)
        .select_related("organisation")
        .first()
    )
    member.organisation.short_name = "МОБУ «Переименованная школа»"
    member.organisation.save()
    _shows_at_once(client, url, before, "Переименованная")


def test_roadmap_items_done_in_bulk_show_at_once(card, world):
    from roadmaps.models import RoadmapItem

    client, url = card
    before = _warm(client, url)
    RoadmapItem.objects.filter(roadmap__organisation=world.school).update(status="done")
    _shows_at_once(client, url, before)


def test_a_concern_resolved_shows_at_once(card, world):
    from roadmaps.models import EngagementConcern

    client, url = card
    before = _warm(client, url)
    EngagementConcern.objects.filter(text="Нет связи 1").update(resolved_at=timezone.now())
    _shows_at_once(client, url, before)
    assert "Нет связи 1" not in page_html(client.get(url))


def test_attendance_created_in_bulk_shows_at_once(card, world):
    from events.models import Registration
    from network_portal.accounts.models import RoleAssignment
    from tests.events.factories import EventFactory

    client, url = card
    before = _warm(client, url)
    staff = RoleAssignment.objects.filter(organisation=world.school, role="teacher").first().user
    events = [EventFactory(organiser=world.leader) for _ in range(3)]
    Registration.objects.bulk_create(
        Registration(event=event, user=staff, attended=True) for event in events
    )
    _shows_at_once(client, url, before)


def test_raw_sql_shows_at_once(card, world):
    client, url = card
    before = _warm(client, url)
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE schools_organisation SET full_name = %s WHERE id = %s",
            ["Школа, переименованная запросом", world.school.pk],
        )
    _shows_at_once(client, url, before, "переименованная запросом")


def test_a_login_or_a_session_keeps_the_body(card, users, client_for):
    client, url = card
    _warm(client, url)
    client_for(users.coordinator)  # last_login, a new session
    assert _cached(client_for(users.methodologist).get(url))


def test_each_user_sees_their_own_card(users, world, client_for):
    """The director may edit (buttons), the curator may not: neither is served the other's."""
    _fill_card(world, users, 1)
    url = reverse("schools:detail", args=[world.school.pk])
    pages = {}
    for user in (users.director, users.curator, users.coordinator, users.teacher):
        client = client_for(user)
        pages[user.email] = _warm(client, url)
        assert pages[user.email] == fresh_html(client, url)
    assert reverse("schools:edit", args=[world.school.pk]) in pages["director@example.test"]
    assert reverse("schools:edit", args=[world.school.pk]) not in pages["curator@example.test"]
    for user in (users.director, users.curator, users.coordinator, users.teacher):
        response = client_for(user).get(url)
        assert _cached(response) and page_html(response) == pages[user.email]


def test_the_key_holds_user_language_day_and_path(rf, users, world):
    request = rf.get(f"/schools/{world.school.pk}/")
    request.user = users.director
    key = card_cache.page_key(request, world.school.pk)
    with translation.override("en"):
        assert card_cache.page_key(request, world.school.pk) != key
    other = rf.get(f"/schools/{world.school.pk}/")
    other.user = users.curator
    assert card_cache.page_key(other, world.school.pk) != key
    query = rf.get(f"/schools/{world.school.pk}/?tab=x")
    query.user = users.director
    assert card_cache.page_key(query, world.school.pk) != key
    tomorrow = timezone.localdate() + timedelta(days=1)
    from unittest import mock

    with mock.patch.object(card_cache.timezone, "localdate", return_value=tomorrow):
        assert card_cache.page_key(request, world.school.pk) != key


def test_a_cached_page_posts_with_its_own_csrf_token(users, world):
    """The same user in another browser (another CSRF cookie) is served the body another
    session rendered: every form on it carries this session's token."""
    _fill_card(world, users, 1)
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    url = reverse("schools:detail", args=[world.school.pk])
    field = r'name="csrfmiddlewaretoken" value="([^"]+)"'
    first.force_login(users.methodologist)
    rendered = set(re.findall(field, first.get(url).content.decode()))
    second.force_login(users.methodologist)
    response = second.get(url)
    assert _cached(response)
    html = response.content.decode()
    assert card_cache.CSRF_MARKER not in html
    served = re.findall(field, html)
    assert served and not rendered & set(served)  # none of the first session's tokens
    post = second.post(
        reverse("schools:category_override", args=[world.school.pk]),
        {"csrfmiddlewaretoken": served[-1], "year": "", "category": "", "reason": ""},
    )
    assert post.status_code == 200  # the form's errors, not 403


def test_a_sections_form_gets_the_requests_token(rf, users):
    body = (
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="fromthesection"></form>'
        '<form><input type="hidden" name="csrfmiddlewaretoken" value="fromthepage"></form>'
    )
    kept = card_cache.keep(None, title="", body=body)  # returned, not kept
    assert "fromthesection" not in kept and "fromthepage" not in kept
    request = rf.get("/")
    served = card_cache.with_csrf(request, kept)
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', served)
    assert len(tokens) == 2 and len(set(tokens)) == 1
    assert card_cache.CSRF_MARKER not in served


def test_a_hit_still_asks_the_access_policy(card, users, monkeypatch):
    from network_portal.accounts.models import RoleAssignment

    client, url = card
    _warm(client, url)
    monkeypatch.setattr(card_cache, "data_changed", lambda: None)  # even if nothing told
    RoleAssignment.objects.filter(user=users.methodologist).delete()
    assert client.get(url).status_code == 404


def test_a_hit_asks_the_scope_through_the_policy_like_every_page(card, world, monkeypatch):
    """One way to check a scope: the hit fetches its organisation's key through
    ``get_for_user_or_404``, as the fresh card fetches the organisation (no query of its own)."""
    from schools import views

    client, url = card
    _warm(client, url)
    asked = []

    def counted(queryset, **lookup):
        asked.append(lookup)
        return real(queryset, **lookup)

    real = views.get_for_user_or_404
    monkeypatch.setattr(views, "get_for_user_or_404", counted)
    assert _cached(client.get(url))
    assert asked == [{"pk": world.school.pk}]


def test_off_by_default_with_the_per_process_cache(card, settings):
    settings.SCHOOL_CARD_CACHE = False
    client, url = card
    client.get(url)
    assert not _cached(client.get(url))


@pytest.mark.parametrize(
    ("sql", "feeds"),
    [
        ('UPDATE "roadmaps_roadmapitem" SET "status" = %s', True),
        ('INSERT INTO "events_registration" ("event_id") VALUES (%s)', True),
        ('DELETE FROM "diagnostics_stagerecord" WHERE "id" = %s', True),
        ("WITH x AS (SELECT 1) UPDATE roadmaps_roadmap SET status = 'x'", True),
        ('INSERT INTO "django_session" ("session_key") VALUES (%s)', False),
        ('INSERT INTO "notifications_notification" ("kind") VALUES (%s)', False),
        ('INSERT INTO "roadmaps_historicalroadmapitem" ("id") VALUES (%s)', False),
        ('UPDATE "accounts_user" SET "last_login" = %s WHERE "accounts_user"."id" = %s', False),
        ('UPDATE "accounts_user" SET "is_active" = %s WHERE "accounts_user"."id" = %s', True),
        ('SELECT "id" FROM "roadmaps_roadmapitem" FOR UPDATE', False),
    ],
)
def test_which_statements_feed_the_card(sql, feeds):
    assert card_cache.feeds_card(sql) is feeds


def test_a_transaction_replaces_the_token_once_at_commit(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    calls = []
    monkeypatch.setattr(card_cache, "data_changed", lambda: calls.append(1))
    with django_capture_on_commit_callbacks(execute=True):
        for year in range(2030, 2035):
            AssessmentResultFactory(organisation=world.school, year=year)
        assert calls == []  # nothing before the commit
    assert calls == [1]
