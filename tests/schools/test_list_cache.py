"""The school list's kept body (``views.school_list``, ``schools/card_cache.py``; issue 17 item 5).

The proof that a kept list is never stale: (1) the list reads no table but those of
``card_cache.GLOBAL_ONLY`` and the session, for every role and filter; (2) a write to those
tables is never attributed to some schools only (it replaces the global token); (3) every kind
of write to each of them — a save, a deletion, ``QuerySet.update()``/``delete()``,
``bulk_create()``, raw SQL, an import, a category recount or override — shows at once. And a
kept body is never served to another user or to the same user with another scope."""

import re

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network_portal.accounts.models import Role, RoleAssignment, User
from schools import card_cache
from schools.models import CategoryAssignment, Municipality, Organisation, Region
from tests.factories import MunicipalityFactory, OrganisationFactory, valid_inn
from tests.schools.kept_pages import fresh_html, page_html

from .factories import AssessmentResultFactory, CategoryAssignmentFactory
from .test_views import _fill

pytestmark = pytest.mark.usefixtures("_cache_on")

URL = reverse("schools:list")
QUERIES = ["", "?year=2025&sort=-category", "?year=2025&category=risk", "?q=СОШ&kind=school"]


@pytest.fixture
def _cache_on(settings):
    settings.SCHOOL_CARD_CACHE = True


def _cached(response) -> bool:
    """Served from the cache: the body (with its pagination) was not rendered."""
    return "ui/_pagination.html" not in [t.name for t in response.templates]


def _warm(client, url) -> str:
    first, second = client.get(url), client.get(url)
    assert not _cached(first) and _cached(second)
    assert page_html(first) == page_html(second) == fresh_html(client, url)
    return page_html(second)


def _shows_at_once(client, url, before: str, marker: str | None = None) -> None:
    response = client.get(url)
    assert not _cached(response)
    after = page_html(response)
    assert after == fresh_html(client, url)
    if marker:
        assert marker in after and marker not in before


@pytest.fixture
def listed(users, world, client_for):
    _fill(world.mun, 2)
    CategoryAssignmentFactory(organisation=world.school, year=2025, category="shnor")
    return client_for(users.coordinator)


# --- (1) and (2): what the list reads, and that writes there are never attributed -----------


@pytest.mark.parametrize(
    "role",
    [
        "admin",
        "coordinator",
        "methodologist",
        "curator",
        "director",
        "teacher",
        "partner",
        "nobody",
    ],
)
def test_the_list_reads_only_tables_whose_writes_replace_every_kept_list(
    users, world, client_for, role
):
    _fill(world.mun, 2)
    client = client_for(getattr(users, role))
    tables: set[str] = set()
    for query in [*QUERIES, f"?municipality={world.mun.pk}", "?page=2", "?sort=municipality"]:
        with override_settings(SCHOOL_CARD_CACHE=False), CaptureQueriesContext(connection) as q:
            page_html(client.get(URL + query))
        for statement in q.captured_queries:
            tables |= {t.lower() for t in re.findall(r'(?:FROM|JOIN)\s+"(\w+)"', statement["sql"])}
    assert "schools_organisation" in tables
    # the session is read by the middleware; the body shows nothing of it (messages are the
    # layout's, outside the kept body)
    assert tables - {"django_session"} <= card_cache.global_only_tables()


def test_writes_to_the_lists_tables_are_never_attributed(world):
    for table in card_cache.global_only_tables():
        # (statements of the ORM's shapes, only looked at, never run)
        for sql in (
            f'UPDATE "{table}" SET "id" = %s WHERE "{table}"."id" = %s',  # noqa: S608
            f'INSERT INTO "{table}" ("id") VALUES (%s)',  # noqa: S608
            f'DELETE FROM "{table}" WHERE "{table}"."id" IN (%s)',  # noqa: S608
        ):
            assert card_cache.feeds_card(sql), sql
            with card_cache.attributed(
                Organisation, CategoryAssignment, Municipality, schools=[world.school.pk]
            ):
                assert card_cache.attribution(sql, [1, 1], False) is None, sql
        assert table not in card_cache._TABLES
    with pytest.raises(ValueError, match="feeds the school list"):
        card_cache.register(CategoryAssignment, schools=["organisation"])


# --- (3): every kind of write to each table shows at once -----------------------------------


def _raw(sql: str, params: list) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _org_saved(world, users):
    world.school.short_name = "МОБУ «СОШ № 5 имени Гагарина»"
    world.school.save()
    return "имени Гагарина"


def _org_created(world, users):
    OrganisationFactory(municipality=world.mun, short_name="МОБУ «Новая школа»")
    return "Новая школа"


def _org_updated(world, users):
    Organisation.objects.filter(pk=world.school.pk).update(inn=valid_inn(777))
    return valid_inn(777)


def _org_bulk_created(world, users):
    Organisation.objects.bulk_create(
        [
            Organisation(
                municipality=world.mun,
                short_name="МОБУ «Школа из пакета»",
                full_name="МОБУ «Школа из пакета»",
                sort_name="мобу школа из пакета",
            )
        ]
    )
    return "Школа из пакета"


def _org_deleted(world, users):
    Organisation.objects.get(short_name="МОБУ «Удаляемая школа»").delete()


def _org_deleted_in_bulk(world, users):
    Organisation.objects.filter(short_name="МОБУ «Удаляемая школа»").delete()


def _org_raw_sql(world, users):
    _raw(
        "UPDATE schools_organisation SET short_name = %s WHERE id = %s",
        ["Школа, переименованная запросом", world.school.pk],
    )
    return "переименованная запросом"


def _municipality_saved(world, users):
    world.mun.name = "Переименованный округ"
    world.mun.save()
    return "Переименованный округ"


def _municipality_updated(world, users):
    Municipality.objects.filter(pk=world.other_mun.pk).update(name="Округ из запроса")
    return "Округ из запроса"


def _municipality_bulk_created(world, users):
    Municipality.objects.bulk_create([Municipality(region=world.region, name="Новый округ")])
    return "Новый округ"


def _municipality_deleted(world, users):
    Municipality.objects.get(name="Пустой округ").delete()


def _category_created(world, users):
    CategoryAssignmentFactory(organisation=world.leader, year=2025, category="leader")


def _category_updated(world, users):
    CategoryAssignment.objects.filter(organisation=world.school).update(category="leader")


def _category_updated_in_a_block(world, users):
    with card_cache.attributed(CategoryAssignment, schools=[world.school.pk]):
        CategoryAssignment.objects.filter(organisation=world.school).update(category="risk")


def _category_bulk_created(world, users):
    CategoryAssignment.objects.bulk_create(
        [CategoryAssignment(organisation=world.leader, year=2025, category="leader")]
    )


def _category_deleted(world, users):
    CategoryAssignment.objects.get(organisation=world.school, year=2025).delete()


def _category_deleted_in_bulk(world, users):
    CategoryAssignment.objects.filter(organisation=world.school).delete()


def _category_raw_sql(world, users):
    _raw(
        "UPDATE schools_categoryassignment SET category = %s WHERE organisation_id = %s",
        ["leader", world.school.pk],
    )


def _category_recomputed(world, users):
    from schools.services import categories_recompute

    AssessmentResultFactory(organisation=world.leader, year=2025)
    categories_recompute(region_id=world.region.pk)


def _category_overridden(world, users):
    from schools.services import category_override

    category_override(
        organisation=world.leader,
        year=2025,
        category="leader",
        reason="Решение совета",
        user=users.methodologist,
    )


def _imported(world, users):
    from schools.services import import_run_apply, import_run_create

    text = f"Наименование;ИНН\nМОБУ «Школа из файла»;{valid_inn(778)}\n"
    run, table = import_run_create(
        data=text.encode("cp1251"),
        file_name="f.csv",
        kind="schools",
        municipality=world.mun,
        keep_file=False,
    )
    assert import_run_apply(run=run, table=table).counts["new"] == 1
    return "Школа из файла"


def _region_renamed(world, users):
    Region.objects.filter(pk=world.region.pk).update(name="Другая область")


def _role_given(world, users):
    RoleAssignment.objects.create(
        user=users.coordinator, role=Role.DIRECTOR, organisation=world.leader
    )


def _role_deleted_in_bulk(world, users):
    RoleAssignment.objects.filter(user=users.coordinator).delete()


def _user_made_admin(world, users):
    User.objects.filter(pk=users.coordinator.pk).update(is_superuser=True)
    return "Второй округ"  # nothing new to see for the region's coordinator: replaced anyway


WRITES = [
    _org_saved,
    _org_created,
    _org_updated,
    _org_bulk_created,
    _org_deleted,
    _org_deleted_in_bulk,
    _org_raw_sql,
    _municipality_saved,
    _municipality_updated,
    _municipality_bulk_created,
    _municipality_deleted,
    _category_created,
    _category_updated,
    _category_updated_in_a_block,
    _category_bulk_created,
    _category_deleted,
    _category_deleted_in_bulk,
    _category_raw_sql,
    _category_recomputed,
    _category_overridden,
    _imported,
    _region_renamed,
    _role_given,
    _role_deleted_in_bulk,
    _user_made_admin,
]


@pytest.mark.parametrize("write", WRITES, ids=[w.__name__.lstrip("_") for w in WRITES])
@pytest.mark.parametrize("query", QUERIES)
def test_every_write_to_a_table_the_list_reads_shows_at_once(
    listed, users, world, write, query, monkeypatch
):
    OrganisationFactory(municipality=world.mun, short_name="МОБУ «Удаляемая школа»")
    MunicipalityFactory(region=world.region, name="Пустой округ")
    url = URL + query
    # the token alone, not the scope in the key, must replace the body (roles, a superuser)
    monkeypatch.setattr("schools.views._scope_key", lambda request: "same")
    before = _warm(listed, url)
    marker = write(world, users)
    if marker and query == "" and write is not _user_made_admin:
        _shows_at_once(listed, url, before, marker)
    else:
        _shows_at_once(listed, url, before)


def test_a_login_or_a_session_keeps_the_kept_list(listed, users, client_for):
    _warm(listed, URL)
    client_for(users.methodologist)  # last_login, a new session
    assert _cached(client_for(users.coordinator).get(URL))


def test_writes_elsewhere_keep_the_kept_list(listed, users, world):
    """A school's own roadmap rows are attributed to it: the list does not show them."""
    from tests.roadmaps.factories import RoadmapFactory

    _warm(listed, URL)
    RoadmapFactory(organisation=world.school)
    assert _cached(listed.get(URL))


# --- never another user's or another scope's body ---------------------------------------------


def test_each_user_and_scope_gets_its_own_list(users, world, client_for):
    _fill(world.mun, 1)
    pages = {}
    for user in (users.coordinator, users.methodologist, users.outsider, users.director):
        client = client_for(user)
        pages[user.email] = _warm(client, URL)
    assert world.other_school.short_name in pages["outsider@example.test"]
    assert world.school.short_name not in pages["outsider@example.test"]
    assert world.other_school.short_name not in pages["methodist@example.test"]
    for user in (users.coordinator, users.methodologist, users.outsider, users.director):
        response = client_for(user).get(URL)
        assert _cached(response) and page_html(response) == pages[user.email]


def test_a_changed_scope_never_gets_the_old_scopes_list(users, world, client_for, monkeypatch):
    """Even if nothing replaced the token, the scope is part of the key (asked on every
    request, as every page asks it)."""
    client = client_for(users.methodologist)
    before = _warm(client, URL)
    assert world.school.short_name in before
    monkeypatch.setattr(card_cache, "data_changed", lambda: None)  # even if nothing told
    RoleAssignment.objects.filter(user=users.methodologist).update(municipality=world.other_mun)
    response = client_for(users.methodologist).get(URL)
    assert not _cached(response)
    assert world.school.short_name not in page_html(response)
    assert world.other_school.short_name in page_html(response)


def test_a_hit_is_three_queries(listed, users, client_for, django_assert_num_queries):
    _warm(listed, URL + "?page=1")
    client = client_for(users.coordinator)  # a new session
    with django_assert_num_queries(3):  # session, user, roles
        assert _cached(client.get(URL + "?page=1"))
