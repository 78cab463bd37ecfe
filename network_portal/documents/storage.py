"""The private file storage, looked up on every use.

``FileField(storage=callable)`` calls the callable once, when the model class is built, and
keeps that storage object for the life of the process. Returning :class:`PrivateStorage` —
which asks ``storages["private"]`` at each operation — keeps ``STORAGES["private"]`` the single
source of truth: a deployment can point it at S3, and each test can point it at a temporary
folder (``tests/conftest.py``), without the fields keeping a stale location.
"""

from __future__ import annotations

from typing import Any

from django.core.files.storage import Storage, storages
from django.utils.deconstruct import deconstructible


@deconstructible(path="network_portal.documents.storage.PrivateStorage")
class PrivateStorage(Storage):
    @staticmethod
    def _target() -> Storage:
        return storages["private"]

    def open(self, name: str, mode: str = "rb"):
        return self._target().open(name, mode)

    def save(self, name: str | None, content: Any, max_length: int | None = None) -> str:
        return self._target().save(name, content, max_length=max_length)

    def generate_filename(self, filename: str) -> str:
        return self._target().generate_filename(filename)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        return self._target().get_available_name(name, max_length=max_length)

    def delete(self, name: str) -> None:
        self._target().delete(name)

    def exists(self, name: str) -> bool:
        return self._target().exists(name)

    def size(self, name: str) -> int:
        return self._target().size(name)

    def path(self, name: str) -> str:
        return self._target().path(name)

    def url(self, name: str) -> str:
        return self._target().url(name)

    def listdir(self, path: str):
        return self._target().listdir(path)

    def __getattr__(self, name: str) -> Any:
        # location, base_url and anything backend-specific
        return getattr(self._target(), name)


def private_storage() -> Storage:
    """For ``FileField(storage=private_storage)``."""
    return PrivateStorage()
