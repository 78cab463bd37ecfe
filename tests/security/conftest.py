"""Real objects of every kind in ``world.mun`` for the access matrix (see objects.py)."""

from types import SimpleNamespace

import pytest

from .objects import build_objects


@pytest.fixture
def objects(world, users) -> SimpleNamespace:
    return build_objects(world, users)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """A dozen users per test: the real hasher would spend most of the run hashing."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
