import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from network_portal.access.policy import (
    ANONYMOUS_SCOPE,
    get_for_user_or_404,
    municipality_allows,
    municipality_q,
    organisation_q,
    require,
    role_required,
    scope_for,
)
from network_portal.accounts.models import Role, RoleAssignment
from schools.models import Municipality, Organisation
from tests.factories import RoleAssignmentFactory


def visible(user):
    return set(Organisation.objects.filter(organisation_q(scope_for(user))))


def test_methodologist_sees_only_own_municipality(users, world):
    assert visible(users.methodologist) == {world.school, world.leader, world.partner_org}


def test_coordinator_sees_whole_region(users, world):
    assert world.other_school in visible(users.coordinator)
    assert world.school in visible(users.coordinator)


def test_director_sees_only_own_school(users, world):
    assert visible(users.director) == {world.school}


def test_curator_sees_assigned_schools(users, world):
    assert visible(users.curator) == {world.school}


def test_user_without_role_sees_nothing(users):
    assert visible(users.nobody) == set()


def test_admin_sees_everything(users):
    assert len(visible(users.admin)) == Organisation.objects.count()


def test_roles_narrow_the_grant(users, world):
    scope = scope_for(users.director)
    editable = Organisation.objects.filter(
        organisation_q(scope, roles=(Role.COORDINATOR, Role.METHODOLOGIST))
    )
    assert not editable.exists()


def test_scope_is_computed_once_per_user_object(users, django_assert_num_queries):
    user = users.methodologist
    with django_assert_num_queries(1):
        scope_for(user)
        scope_for(user)


# --- municipality_q -----------------------------------------------------------------------


def visible_municipalities(user, **kwargs):
    return set(Municipality.objects.filter(municipality_q(scope_for(user), **kwargs)))


def test_methodologist_sees_own_municipality_only(users, world):
    assert visible_municipalities(users.methodologist) == {world.mun}


def test_coordinator_sees_every_municipality_of_the_region(users, world):
    assert visible_municipalities(users.coordinator) == {world.mun, world.other_mun}


@pytest.mark.parametrize("who", ["director", "curator", "teacher", "partner", "nobody"])
def test_organisation_roles_see_no_municipality_wide_rows(users, who):
    assert visible_municipalities(getattr(users, who)) == set()


def test_admin_sees_every_municipality(users, world):
    assert visible_municipalities(users.admin) == set(Municipality.objects.all())


def test_municipality_q_roles_narrow_the_grant(users, world):
    assert visible_municipalities(users.coordinator, roles=(Role.METHODOLOGIST,)) == set()
    assert visible_municipalities(users.methodologist, roles=(Role.METHODOLOGIST,)) == {world.mun}


def test_municipality_q_follows_a_lookup_path(users, world):
    """Rows related to a municipality (here: organisations) filtered by their municipality."""
    q = municipality_q(scope_for(users.methodologist), "municipality")
    assert set(Organisation.objects.filter(q)) == {world.school, world.leader, world.partner_org}


@pytest.mark.parametrize(
    "roles", [None, (Role.METHODOLOGIST,), (Role.COORDINATOR,), (Role.DIRECTOR,)]
)
def test_municipality_allows_agrees_with_municipality_q(users, world, roles):
    """Permissions decide on one municipality in Python; they must say what the read scope
    says, for every user of the shared fixture."""
    for name, user in vars(users).items():
        allowed = visible_municipalities(user, roles=roles)
        for municipality in Municipality.objects.all():
            assert municipality_allows(scope_for(user), municipality, roles=roles) == (
                municipality in allowed
            ), (name, municipality, roles)


# --- organisation_q on related rows, several roles ----------------------------------------


def test_organisation_q_follows_a_lookup_path(users, world):
    """Role assignments belong to organisations: the same filter through ``organisation``."""
    q = organisation_q(scope_for(users.director), "organisation")
    rows = RoleAssignment.objects.filter(q)
    assert rows.exists()
    assert {r.organisation_id for r in rows} == {world.school.pk}


def test_user_with_several_roles_gets_the_union(users, world):
    RoleAssignmentFactory(user=users.director, role=Role.CURATOR, organisation=world.leader)
    users.director.refresh_from_db()  # drop the cached scope
    assert visible(users.director) == {world.school, world.leader}
    scope = scope_for(users.director)
    assert scope.organisation_ids(Role.DIRECTOR) == {world.school.pk}
    assert scope.organisation_ids(Role.CURATOR) == {world.leader.pk}
    assert scope.own_organisation_id == world.school.pk


def test_outsider_sees_only_the_other_municipality(users, world):
    assert visible(users.outsider) == {world.other_school}
    assert visible(users.outsider_director) == {world.other_school}


def test_inactive_user_gets_the_anonymous_scope(users):
    users.methodologist.is_active = False
    assert scope_for(users.methodologist) is ANONYMOUS_SCOPE
    assert visible(users.methodologist) == set()


def test_anonymous_scope_sees_nothing(world):
    assert not Organisation.objects.filter(organisation_q(ANONYMOUS_SCOPE)).exists()
    assert not Municipality.objects.filter(municipality_q(ANONYMOUS_SCOPE)).exists()


# --- helpers for views --------------------------------------------------------------------


def test_get_for_user_or_404_hides_other_municipalities(users, world):
    scoped = Organisation.objects.filter(organisation_q(scope_for(users.methodologist)))
    assert get_for_user_or_404(scoped, pk=world.school.pk) == world.school
    with pytest.raises(Http404):
        get_for_user_or_404(scoped, pk=world.other_school.pk)
    with pytest.raises(Http404):
        get_for_user_or_404(scoped, pk="not-a-number")


def test_require_raises_403():
    require(True)
    with pytest.raises(PermissionDenied):
        require(False)


def test_role_required_lets_only_the_roles_through(users, rf):
    @role_required(Role.METHODOLOGIST, Role.COORDINATOR)
    def view(request):
        return "ok"

    for user in (users.methodologist, users.coordinator, users.admin):
        request = rf.get("/")
        request.user = user
        assert view(request) == "ok"
    for user in (users.director, users.teacher, users.nobody):
        request = rf.get("/")
        request.user = user
        with pytest.raises(PermissionDenied):
            view(request)
