"""Uploaded files and generated PDFs are never reachable under a public path.

They live in ``STORAGES["private"]`` (``PRIVATE_MEDIA_ROOT``), outside the static and media
roots, and only permission-checked views (``documents:download`` and the apps' own
download views, covered by the access matrix) hand them out.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import models
from django.views.static import serve

import network_portal.settings as configured
from network_portal.documents.models import Job
from network_portal.documents.storage import PrivateStorage

from .routes import iter_urls


def _inside(child: Path, parent: Path) -> bool:
    child, parent = Path(child).resolve(), Path(parent).resolve()
    return child == parent or parent in child.parents


def _public_roots() -> list[Path]:
    roots = [configured.STATIC_ROOT, configured.MEDIA_ROOT]
    for entry in configured.STATICFILES_DIRS:
        roots.append(entry[1] if isinstance(entry, tuple) else entry)
    whitenoise_root = getattr(configured, "WHITENOISE_ROOT", None)
    if whitenoise_root:
        roots.append(whitenoise_root)
    return [Path(r) for r in roots]


def test_private_root_is_outside_every_public_root():
    private = Path(configured.PRIVATE_MEDIA_ROOT)
    for root in _public_roots():
        assert not _inside(private, root), f"{private} is inside the public {root}"
        assert not _inside(root, private), f"the public {root} is inside {private}"


def _file_fields() -> list[tuple[str, models.FileField]]:
    return [
        (f"{model._meta.label}.{field.name}", field)
        for model in apps.get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]


def test_every_file_field_stores_into_private_storage():
    """Evidence, scans, certificates, documents: none may land in the public MEDIA_ROOT.

    Each field's storage must be the :class:`PrivateStorage` proxy, which looks up
    ``STORAGES["private"]`` on every use: a storage object resolved when the model class was
    built would keep its first location (tests would then write into the project folder).
    """
    fields = _file_fields()
    assert any(label == "documents.Job.file" for label, _ in fields)
    wrong = {}
    for label, field in fields:
        storage = field.storage
        if not isinstance(storage, PrivateStorage):
            wrong[label] = repr(storage)
            continue
        location = Path(storage._target().location)
        if not _inside(location, storages["private"].location):
            wrong[label] = str(location)
    assert not wrong, f"File fields not on the private storage proxy: {wrong}"


def test_no_url_pattern_serves_files_from_disk():
    serving = [u.pattern for u in iter_urls() if u.callback is serve]
    assert not serving, f"django.views.static.serve is mounted at {serving}"


@pytest.mark.parametrize("who", ["anonymous", "admin"])
def test_a_stored_document_is_not_served_under_any_public_prefix(client, users, who):
    if who == "admin":
        client.force_login(users.admin)
    job = Job.objects.create(kind="x", title="Секретный документ")
    job.file.save("secret-agreement.pdf", ContentFile(b"%PDF-1.4 secret"), save=True)
    name = job.file.name
    try:
        for prefix in (
            settings.MEDIA_URL,
            settings.STATIC_URL,
            "private_media/",
            "private/",
            "documents/files/",
            "",
        ):
            url = "/" + f"{prefix.strip('/')}/{name}".lstrip("/")
            response = client.get(url)
            # Anonymous visitors may be sent to the login page; nobody gets the file.
            allowed = (302, 404) if who == "anonymous" else (404,)
            assert response.status_code in allowed, f"{url} answered {response.status_code}"
            assert not getattr(response, "streaming", False), f"{url} streams a file"
            assert b"secret" not in response.content
    finally:
        job.file.delete(save=False)
