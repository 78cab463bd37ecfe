import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """A dozen users per test: the real hasher would spend most of the run hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
