import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The shared ``users`` fixture creates a dozen users; a fast hasher keeps tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
