import pytest

from schools.models import Category

from .factories import category, pair, profile


@pytest.fixture
def needs(world):
    """world.school is a ШНОР with high risks in factors 9 and 6; world.leader is a leader
    school with a low risk in both."""
    category(world.school, Category.SHNOR)
    category(world.leader, Category.LEADER)
    profile(world.school, {9: "high", 6: "high", 10: "medium", 3: "low"})
    profile(world.leader, {9: "low", 6: "low", 10: "low", 3: "low"})
    return world


@pytest.fixture
def partnership(world):
    """An active pair of world.school with world.leader and world.partner_org as a partner."""
    from partnerships.models import MemberRole

    from .factories import MemberFactory

    p = pair(supported=world.school, provider=world.leader, status="active", title="Пара 5–9")
    MemberFactory(partnership=p, organisation=world.partner_org, role=MemberRole.PARTNER)
    return p


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The shared ``users`` fixture hashes eleven passwords; a fast hasher keeps setup quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
