"""Shared fixtures: a small world of two municipalities and one user per role plus outsiders.

``world`` — region, municipality (``mun``) with a supported school, a leader school and a
partner; ``other_mun`` in the same region with its own school. ``users`` — one user per role
in ``mun``, plus ``outsider`` (a methodologist of ``other_mun``) and ``outsider_director``
(director of the school in ``other_mun``), and ``admin``.
"""

import os
from types import SimpleNamespace

import kombu.pools
import pytest

from network_portal.accounts.models import Role
from schools.models import OrganisationKind

from .factories import (
    MunicipalityFactory,
    OrganisationFactory,
    RegionFactory,
    RoleAssignmentFactory,
    UserFactory,
)

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _is_transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = item.fixturenames
    return (
        "transactional_db" in fixtures
        or "live_server" in fixtures
        or bool(
            marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences"))
        )
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Transactional tests (live server, browsers, ``transaction=True``) run last.

    Each one ends by emptying every table, the reference data of the data migrations (risk
    factors, event types, the measure library …) included. pytest-django sorts them last,
    but pytest's own reordering for session-scoped parameters (Playwright's browser) moves
    them back, so the order is set here again, after every other plugin. Each transactional
    test also restores the migrated data first (serialized rollback), so the next one finds
    it too.
    """
    for item in items:
        if not _is_transactional(item):
            continue
        marker = item.get_closest_marker("django_db")
        if marker is not None:
            # pytest-django decides which databases to serialize from the marker alone
            if not marker.kwargs.get("serialized_rollback"):
                kwargs = {**marker.kwargs, "serialized_rollback": True}
                item.add_marker(pytest.mark.django_db(*marker.args, **kwargs), append=False)
        elif "django_db_serialized_rollback" not in item.fixturenames:
            item.fixturenames.append("django_db_serialized_rollback")
    items.sort(key=_is_transactional)


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """PBKDF2 costs ~0.3 s per password; the ``users`` fixture alone sets eleven."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup):
    """pytest-django's test database; its migrated contents kept where every test finds them.

    Django keeps the serialized contents (for serialized rollback) on the connection object of
    the thread that created the database. Playwright's sync API runs the tests that follow it
    in another context with its own connection object, which would lack them, so each
    transactional test after a browser test would start with empty reference tables.
    """
    from django.db import connections

    for alias in connections:
        connection = connections[alias]
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            type(connection)._test_serialized_contents = contents


@pytest.fixture(autouse=True)
def _portal_language():
    """Every test starts in the portal's language, Russian, whatever the previous one left.

    A management command ends with translations deactivated (English) and a request leaves
    Russian active, so without this a message assertion would depend on the test order.
    """
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _celery_eager_unless_marked_broker(request):
    """Tasks run in-process even when ``CELERY_BROKER_URL`` is set (as in CI).

    A test that enqueues a task asserts its effect, and no worker consumes the test's queue.
    Tests marked ``broker`` talk to the real broker (and start their own worker).
    """
    if request.node.get_closest_marker("broker"):
        yield
        return
    from network_portal.celery import app

    saved = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = saved
    # A test that closed Celery's connection pools leaves kombu's global registry holding the
    # closed ones; every later publish (eager ones too) would fail "Acquire on closed pool".
    if any(getattr(pool, "_closed", False) for pool in kombu.pools.connections.values()):
        kombu.pools.reset()
        app._pool = None
        app.amqp._producer_pool = None


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Each test writes uploaded and generated files into its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "private", "base_url": None},
        },
    }


@pytest.fixture
def world(db):
    region = RegionFactory(name="Тестовая область")
    mun = MunicipalityFactory(region=region, name="Первый округ")
    other_mun = MunicipalityFactory(region=region, name="Второй округ")
    return SimpleNamespace(
        region=region,
        mun=mun,
        other_mun=other_mun,
        school=OrganisationFactory(municipality=mun, short_name="МОБУ «СОШ № 5»"),
        leader=OrganisationFactory(municipality=mun, short_name="МОБУ «СОШ № 9»"),
        partner_org=OrganisationFactory(
            municipality=mun, short_name="ГАПОУ «Колледж»", kind=OrganisationKind.COLLEGE
        ),
        other_school=OrganisationFactory(municipality=other_mun, short_name="МОБУ «СОШ № 7»"),
    )


def _user_with_role(email: str, role: str | None = None, **scope):
    user = UserFactory(email=email)
    if role:
        RoleAssignmentFactory(user=user, role=role, **scope)
    return user


@pytest.fixture
def users(world):
    return SimpleNamespace(
        admin=UserFactory(email="admin@example.test", is_staff=True, is_superuser=True),
        coordinator=_user_with_role(
            "coordinator@example.test", Role.COORDINATOR, region=world.region
        ),
        methodologist=_user_with_role(
            "methodist@example.test", Role.METHODOLOGIST, municipality=world.mun
        ),
        curator=_user_with_role("curator@example.test", Role.CURATOR, organisation=world.school),
        director=_user_with_role("director@example.test", Role.DIRECTOR, organisation=world.school),
        leader_director=_user_with_role(
            "leader@example.test", Role.DIRECTOR, organisation=world.leader
        ),
        teacher=_user_with_role("teacher@example.test", Role.TEACHER, organisation=world.school),
        partner=_user_with_role(
            "partner@example.test", Role.PARTNER, organisation=world.partner_org
        ),
        outsider=_user_with_role(
            "outsider@example.test", Role.METHODOLOGIST, municipality=world.other_mun
        ),
        outsider_director=_user_with_role(
            "outsider-director@example.test", Role.DIRECTOR, organisation=world.other_school
        ),
        nobody=_user_with_role("nobody@example.test"),
    )


@pytest.fixture
def client_for(client):
    """``client_for(user)`` — the test client logged in as that user."""

    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: cached figures (the impact page's) are keyed by
    ids that another test's rolled-back rows may have had."""
    from django.core.cache import cache

    cache.clear()
