"""Real objects of every kind in ``world.mun`` for the access matrix (see objects.py)."""

from types import SimpleNamespace

import pytest

from .objects import build_objects


@pytest.fixture
def objects(world, users) -> SimpleNamespace:
    return build_objects(world, users)
