"""Checking an uploaded file by its content, not only by its name.

Every upload of the portal (signed scans, roadmap evidence, event materials, stage evidence)
goes through :func:`validate_upload`: not empty, within ``UPLOAD_MAX_SIZE``, an allowed
extension, and leading bytes that belong to that extension — a program renamed to
``отчёт.pdf`` is refused. Plain-text formats have no signature; they must hold no control
bytes (which every executable and binary format has).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

ZIP = (b"PK\x03\x04",)  # OOXML (docx, xlsx, pptx), ODF (odt, ods, odp) and zip archives
OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # legacy Office (doc, xls, ppt)
TEXT = ()  # no signature: checked for control bytes instead

#: extension -> the leading bytes its files start with
SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
    ".docx": ZIP,
    ".xlsx": ZIP,
    ".pptx": ZIP,
    ".odt": ZIP,
    ".ods": ZIP,
    ".odp": ZIP,
    ".zip": ZIP,
    ".doc": OLE,
    ".xls": OLE,
    ".ppt": OLE,
    ".rtf": (b"{\\rtf",),
    ".txt": TEXT,
    ".csv": TEXT,
}

SCANS = (".pdf", ".jpg", ".jpeg", ".png")
#: What people attach as evidence or materials: documents, tables, presentations, images.
DOCUMENTS = (
    ".pdf", ".doc", ".docx", ".odt", ".rtf", ".txt",
    ".xls", ".xlsx", ".ods", ".csv",
    ".ppt", ".pptx", ".odp",
    ".jpg", ".jpeg", ".png",
)  # fmt: skip

HEAD_SIZE = 2048
_CONTROL = set(range(0x09)) | {0x0B, 0x0E, 0x0F, *range(0x10, 0x1B), *range(0x1C, 0x20), 0x7F}


def content_matches(*, extension: str, head: bytes) -> bool:
    """Do the first bytes of a file belong to a file of this extension?"""
    signatures = SIGNATURES[extension]
    if signatures is TEXT:
        return not _CONTROL.intersection(head)
    return any(head.startswith(magic) for magic in signatures)


def upload_problem(
    *, name: str, head: bytes, size: int, extensions: Sequence[str], max_size: int
) -> str | None:
    """``None`` when acceptable, else the first problem: "empty", "size", "extension" or
    "content" (a pure function, for tests without files)."""
    if size == 0:
        return "empty"
    if size > max_size:
        return "size"
    extension = PurePath(name).suffix.lower()
    if extension not in extensions or extension not in SIGNATURES:
        return "extension"
    if not content_matches(extension=extension, head=head):
        return "content"
    return None


def validate_upload(upload: UploadedFile, *, extensions: Sequence[str] = DOCUMENTS) -> None:
    """Raise a Russian :class:`forms.ValidationError` naming the file when it is refused."""
    head = upload.read(HEAD_SIZE)
    upload.seek(0)
    max_size = settings.UPLOAD_MAX_SIZE
    problem = upload_problem(
        name=upload.name, head=head, size=upload.size, extensions=extensions, max_size=max_size
    )
    if problem is None:
        return
    extension = PurePath(upload.name).suffix.lower().lstrip(".")
    params = {
        "name": upload.name,
        "ext": extension or "?",
        "size": filesizeformat(upload.size),
        "limit": filesizeformat(max_size),
        "allowed": ", ".join(e.lstrip(".").upper() for e in extensions),
    }
    messages = {
        "empty": _("The file «%(name)s» is empty."),
        "size": _("The file «%(name)s» is too large: %(size)s, at most %(limit)s is allowed."),
        "extension": _("Files of type «%(ext)s» are not accepted. Allowed: %(allowed)s."),
        "content": _(
            "The file «%(name)s» is not what its extension says (%(ext)s): upload the "
            "document itself."
        ),
    }
    raise forms.ValidationError(messages[problem] % params, code=f"file_{problem}")
