import pytest
from django.core.files.storage import storages

from diagnostics.models import StageRecord


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """The shared ``users`` fixture creates a dozen users; a fast hasher keeps tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _evidence_in_test_private_storage(_private_media, monkeypatch):
    """The file field resolved its storage at import; point it at this test's private folder."""
    monkeypatch.setattr(
        StageRecord._meta.get_field("evidence_file"), "storage", storages["private"]
    )
