import pytest

from network_portal.accounts.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory


@pytest.fixture
def make_teacher(world):
    """``make_teacher(email=None, organisation=None)`` — a teacher of a school of ``world.mun``."""

    def make(email: str | None = None, organisation=None):
        user = UserFactory(**({"email": email} if email else {}))
        RoleAssignmentFactory(
            user=user, role=Role.TEACHER, organisation=organisation or world.school
        )
        return user

    return make
