import pytest


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """The shared ``users`` fixture hashes eleven passwords; MD5 keeps these tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
