"""Selectors of the schools registry that other code relies on for access decisions."""

import pytest

from network_portal.access.policy import organisation_q, scope_for
from network_portal.accounts.models import Role
from schools.models import Organisation
from schools.selectors import EDITOR_ROLES, TERRITORY_ROLES, organisation_allowed

ROLE_SETS = [
    None,
    EDITOR_ROLES,
    TERRITORY_ROLES,
    (Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR),
    (Role.PARTNER,),
]


@pytest.mark.parametrize("roles", ROLE_SETS)
def test_organisation_allowed_agrees_with_the_policy_for_every_user(users, world, roles):
    """The card decides rights in Python (no query); it must say what ``organisation_q``
    says, for every role of the shared fixture and every organisation."""
    organisations = list(Organisation.objects.select_related("municipality"))
    for name, user in vars(users).items():
        allowed = set(
            Organisation.objects.filter(organisation_q(scope_for(user), roles=roles)).values_list(
                "pk", flat=True
            )
        )
        for org in organisations:
            assert organisation_allowed(user=user, organisation=org, roles=roles) == (
                org.pk in allowed
            ), (name, org, roles)


def test_organisation_allowed_makes_no_query(users, world, django_assert_num_queries):
    org = Organisation.objects.select_related("municipality").get(pk=world.school.pk)
    scope_for(users.coordinator)
    with django_assert_num_queries(0):
        assert organisation_allowed(user=users.coordinator, organisation=org)


def test_category_years_are_those_of_the_users_schools(users, world):
    from schools.selectors import category_years_for_user

    from .factories import CategoryAssignmentFactory

    CategoryAssignmentFactory(organisation=world.school, year=2025)
    CategoryAssignmentFactory(organisation=world.other_school, year=2019)
    assert category_years_for_user(user=users.methodologist) == [2025]
    assert category_years_for_user(user=users.outsider) == [2019]
    assert category_years_for_user(user=users.coordinator) == [2025, 2019]
    assert category_years_for_user(user=users.nobody) == []


def test_category_years_come_from_the_list_filters_one_query(users, world):
    """One source of the years: the query of the list's filters, not a second one like it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from schools.selectors import category_years_for_user, school_list_filter_choices

    from .factories import CategoryAssignmentFactory

    CategoryAssignmentFactory(organisation=world.school, year=2025)
    user = users.methodologist
    scope_for(user)
    with CaptureQueriesContext(connection) as filters:
        school_list_filter_choices(user=user)
    with CaptureQueriesContext(connection) as years:
        assert category_years_for_user(user=user) == [2025]
    assert [q["sql"] for q in years] == [q["sql"] for q in filters]


def test_list_filter_choices_are_the_years_and_municipalities_of_each_user(
    users, world, django_assert_max_num_queries
):
    """The list reads its years and its municipalities in one query (none for a user who may see
    neither): the same as the two
    selectors it stands for, in their order, for every user of the shared fixture."""
    from schools.selectors import (
        category_years_for_user,
        municipality_list_for_user,
        school_list_filter_choices,
    )
    from tests.factories import MunicipalityFactory

    from .factories import CategoryAssignmentFactory

    CategoryAssignmentFactory(organisation=world.school, year=2025)
    CategoryAssignmentFactory(organisation=world.school, year=2024, is_current=False)
    CategoryAssignmentFactory(organisation=world.other_school, year=2019)
    CategoryAssignmentFactory(organisation=world.other_school, year=2018, is_current=False)
    MunicipalityFactory(region=world.mun.region, name="Аа-округ")  # sorts first, no schools
    for name, user in vars(users).items():
        scope_for(user)
        with django_assert_max_num_queries(1):
            choices = school_list_filter_choices(user=user)
        assert choices.years == category_years_for_user(user=user), name
        assert choices.municipalities == [
            (str(pk), title)
            for pk, title in municipality_list_for_user(user=user).values_list("pk", "name")
        ], name
    assert school_list_filter_choices(user=users.coordinator).years == [2025, 2019]
    assert len(school_list_filter_choices(user=users.coordinator).municipalities) >= 3


def test_list_offers_no_year_that_only_another_municipality_has(users, world, client_for):
    from django.urls import reverse

    from .factories import CategoryAssignmentFactory

    CategoryAssignmentFactory(organisation=world.other_school, year=2019)
    response = client_for(users.methodologist).get(reverse("schools:list"))
    assert 2019 not in response.context["years"]


def test_list_filter_choices_are_read_anew_under_a_kept_query(users, world):
    """The choices' SQL is built once per scope and kept (issue 17, item 5); what it reads is
    not: a municipality or a year added since the last page shows on the next one, and a user
    of another scope gets the choices of hers."""
    from schools.selectors import school_list_filter_choices
    from tests.factories import MunicipalityFactory

    from .factories import CategoryAssignmentFactory

    before = school_list_filter_choices(user=users.coordinator)
    added = MunicipalityFactory(region=world.region, name="Новый округ")
    CategoryAssignmentFactory(organisation=world.other_school, year=2031)
    after = school_list_filter_choices(user=users.coordinator)
    assert (str(added.pk), "Новый округ") in after.municipalities
    assert (str(added.pk), "Новый округ") not in before.municipalities
    assert after.years[0] == 2031
    mine = school_list_filter_choices(user=users.methodologist)
    assert mine.municipalities == [(str(world.mun.pk), world.mun.name)]
    assert school_list_filter_choices(user=users.nobody).municipalities == []


def test_the_lists_count_reads_the_same_organisations_as_the_policy(users, world):
    """The school list counts ``organisation_count_list_for_user`` (the scope's municipalities
    as read for its filter, and the organisations assigned directly) instead of
    ``organisation_q``'s join: the same rows for every user of the shared fixture."""
    from schools.selectors import (
        organisation_count_list_for_user,
        organisation_list_for_user,
        school_list_filter_choices,
    )
    from tests.factories import (
        MunicipalityFactory,
        OrganisationFactory,
        RegionFactory,
        RoleAssignmentFactory,
        UserFactory,
    )

    far = MunicipalityFactory(region=RegionFactory(name="Другая область"), name="Дальний округ")
    OrganisationFactory(municipality=far, short_name="МОБУ «СОШ № 1»")
    mixed = UserFactory(email="mixed@example.test")  # a territory and a school of another
    RoleAssignmentFactory(user=mixed, role=Role.METHODOLOGIST, municipality=world.other_mun)
    RoleAssignmentFactory(user=mixed, role=Role.DIRECTOR, organisation=world.school)
    curator = UserFactory(email="curator2@example.test")  # schools of two municipalities
    for school in (world.school, world.other_school):
        RoleAssignmentFactory(user=curator, role=Role.CURATOR, organisation=school)
    everyone = {**vars(users), "mixed": mixed, "curator of two": curator}
    for name, user in everyone.items():
        ids = [int(pk) for pk, _name in school_list_filter_choices(user=user).municipalities]
        counted = organisation_count_list_for_user(user=user, municipality_ids=ids)
        expected = set(organisation_list_for_user(user=user).values_list("pk", flat=True))
        assert set(counted.values_list("pk", flat=True)) == expected, name
