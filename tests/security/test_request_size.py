"""Issue 16, item 10: request bodies are bounded per view, before anything reads them.

An anonymous 315 MB multipart POST to the login page was written to disk before the answer.
Now a body larger than the view allows gets 413 with a Russian page, and nothing reads it: the
tests count the bytes read from the body stream and the temporary files Django creates for
uploads.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import Client
from django.urls import reverse

from network_portal.ui.request_size import body_allowance
from tests.security.matrix_late import item as roadmap_item
from tests.security.routes import iter_urls

pytestmark = pytest.mark.django_db

ROOT = Path(settings.BASE_DIR)
HUGE = 315 * 1024 * 1024
BOUNDARY = "BoUnDaRy"


class CountingStream(io.RawIOBase):
    """A body of ``size`` bytes of a multipart file part, that counts what is read of it."""

    def __init__(self, size: int):
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="big.bin"\r\nContent-Type: application/octet-stream\r\n\r\n'
        ).encode()
        self.head = head
        self.size = size
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        remaining = self.size - self.read_bytes
        n = min(len(buffer), remaining)
        if n <= 0:
            return 0
        chunk = (self.head + b"x" * n)[self.read_bytes : self.read_bytes + n]
        chunk = chunk.ljust(n, b"x")
        buffer[:n] = chunk
        self.read_bytes += n
        return n


def _post(client: Client, url: str, size: int) -> tuple[int, str, CountingStream]:
    stream = CountingStream(size)
    response = client.generic(
        "POST",
        url,
        data=b"",
        # generic() sets the type only with data: given here with the body stream.
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(size),
        **{"wsgi.input": stream},
    )
    return response.status_code, response.content.decode("utf-8", "replace"), stream


@pytest.fixture
def temp_files(monkeypatch):
    """Every temporary upload file Django starts to write."""
    created: list[str] = []
    original = TemporaryFileUploadHandler.new_file

    def new_file(self, *args, **kwargs):
        created.append(args[0] if args else kwargs.get("field_name", "?"))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", new_file)
    return created


def test_anonymous_315_mb_post_to_login_is_refused_unread(temp_files):
    client = Client(enforce_csrf_checks=True)
    status, body, stream = _post(client, reverse("accounts:login"), HUGE)
    assert status == 413
    assert stream.read_bytes == 0
    assert temp_files == []
    assert "Слишком большой запрос" in body
    assert "не более 2,0\xa0МБ" in body


def test_logged_in_post_to_a_page_without_files_gets_the_small_limit(users, temp_files):
    client = Client()
    client.force_login(users.methodologist)
    status, _, stream = _post(client, reverse("accounts:profile"), 5 * 1024 * 1024)
    assert status == 413
    assert stream.read_bytes == 0 and temp_files == []


def test_upload_page_takes_its_forms_limit_from_a_logged_in_user(users, objects):
    """The evidence form takes files up to UPLOAD_MAX_SIZE: a body within it reaches the view
    (which answers as it does), one above it is refused unread."""
    client = Client()
    client.force_login(users.director)
    url = reverse("roadmaps:evidence_add", args=[roadmap_item(objects)])
    allowed = settings.UPLOAD_MAX_SIZE + settings.REQUEST_BODY_MAX_SIZE
    status, _, stream = _post(client, url, allowed + 1)
    assert status == 413 and stream.read_bytes == 0
    status, body, stream = _post(client, url, 3 * 1024 * 1024)
    assert status not in (403, 404, 413), (status, body[:300])
    assert stream.read_bytes > 0


def test_anonymous_gets_the_small_limit_even_on_an_upload_page(objects, temp_files):
    url = reverse("roadmaps:evidence_add", args=[roadmap_item(objects)])
    status, _, stream = _post(Client(), url, 3 * 1024 * 1024)
    assert status == 413 and stream.read_bytes == 0 and temp_files == []


def test_admin_uploads_are_for_staff_only(users):
    url = reverse("admin:schools_organisation_add")
    for user, expected_413 in ((users.methodologist, True), (users.admin, False)):
        client = Client()
        client.force_login(user)
        status, _, _ = _post(client, url, 3 * 1024 * 1024)
        assert (status == 413) is expected_413, (user, status)


def test_every_view_with_a_file_form_is_marked_and_no_other():
    """A view that reads request.FILES is marked @accepts_upload; nothing else is."""
    marked = set()
    for info in iter_urls():
        if getattr(info.callback, "request_body_max", None) is not None:
            marked.add(info.name)
    assert marked == {
        "roadmaps:evidence_add",
        "partnerships:agreement_scan",
        "events:material_add",
        "schools:import_new",
        "schools:municipality_list",
        "diagnostics:stage_create",
        "knowledge:material_add",
    }
    readers = {
        p.relative_to(ROOT).as_posix()
        for p in ROOT.glob("*/views.py")
        if "request.FILES" in p.read_text()
    }
    assert readers == {
        "roadmaps/views.py",
        "partnerships/views.py",
        "events/views.py",
        "schools/views.py",
        "diagnostics/views.py",
        "knowledge/views.py",
    }


def test_allowance_rules(users):
    def view():
        return None

    small = settings.REQUEST_BODY_MAX_SIZE
    assert body_allowance(view=view, user=users.director) == small
    view.request_body_max = "upload"
    assert body_allowance(view=view, user=users.director) == settings.UPLOAD_MAX_SIZE + small
    view.request_body_max = 1000
    assert body_allowance(view=view, user=users.director) == 1000 + small

    class Anonymous:
        is_authenticated = False

    assert body_allowance(view=view, user=Anonymous()) == small
