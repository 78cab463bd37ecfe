from network_portal.access.policy import organisation_q, scope_for
from network_portal.accounts.models import Role
from schools.models import Organisation


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
