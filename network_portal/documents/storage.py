"""The private file storage, looked up on every use.

``FileField(storage=callable)`` calls the callable once, when the model class is built, and
keeps that storage object for the life of the process. Returning :class:`PrivateStorage` —
which asks ``storages["private"]`` at each operation — keeps ``STORAGES["private"]`` the single
source of truth: a deployment can point it at S3, and each test can point it at a temporary
folder (``tests/conftest.py``), without the fields keeping a stale location.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.core.files.base import ContentFile
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


# --- Storing a generated file whole -----------------------------------------------------------

#: Where a file being written waits until it is complete (inside the storage, on the same disk).
PARTIAL_DIR = "documents/partial"
_NO_HARD_LINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOTSUP, errno.EXDEV}


def _write(handle, content: bytes) -> None:
    """One place for the write itself (a fault test interrupts it half-way)."""
    handle.write(content)


def store_complete(storage: Storage, name: str, content: bytes) -> str:
    """Save ``content`` under ``name`` (or a free variant of it) and return the stored name.

    On a local disk the bytes go to a temporary file in :data:`PARTIAL_DIR` first and are
    hard-linked into place only when complete, so the final name never holds a partial file.
    A worker stopped in the middle removes its temporary file (``finally``); one killed outright
    leaves it for :func:`partial_files_sweep`. Object storages (S3 …) publish an upload only
    once it is complete, so they get a plain ``save``.
    """
    try:
        partial_dir = Path(storage.path(PARTIAL_DIR))
    except NotImplementedError:
        return storage.save(name, ContentFile(content))
    partial_dir.mkdir(parents=True, exist_ok=True)
    fd, partial = tempfile.mkstemp(dir=partial_dir, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            _write(handle, content)
            handle.flush()
            os.fsync(handle.fileno())
        mode = getattr(storage, "file_permissions_mode", None)
        if mode is not None:
            os.chmod(partial, mode)
        while True:
            stored = storage.get_available_name(name)
            target = Path(storage.path(stored))
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(partial, target)  # atomic, and never replaces another job's file
            except FileExistsError:
                continue  # taken meanwhile: ask for another free name
            except OSError as exc:
                if exc.errno not in _NO_HARD_LINKS:
                    raise
                return storage.save(name, ContentFile(content))  # a disk without hard links
            return stored
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(partial)


def partial_files_sweep(storage: Storage, *, older_than: timedelta) -> int:
    """Delete temporary files left by killed workers; returns how many were removed.

    A file younger than ``older_than`` may still be being written and is kept.
    """
    try:
        partial_dir = Path(storage.path(PARTIAL_DIR))
    except NotImplementedError:
        return 0
    if not partial_dir.is_dir():
        return 0
    limit = time.time() - older_than.total_seconds()
    removed = 0
    for path in partial_dir.glob("*.part"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
    return removed
