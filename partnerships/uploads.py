"""Checking an uploaded signed scan by its content, not by its name (magic bytes)."""

from __future__ import annotations

from pathlib import PurePath

#: kind -> (extensions, leading bytes)
SIGNATURES: dict[str, tuple[tuple[str, ...], bytes]] = {
    "pdf": ((".pdf",), b"%PDF-"),
    "jpeg": ((".jpg", ".jpeg"), b"\xff\xd8\xff"),
    "png": ((".png",), b"\x89PNG\r\n\x1a\n"),
}
ALLOWED_EXTENSIONS = tuple(ext for exts, _ in SIGNATURES.values() for ext in exts)


def detect_kind(head: bytes) -> str | None:
    """The kind of file the first bytes belong to, or ``None``."""
    for kind, (_exts, magic) in SIGNATURES.items():
        if head.startswith(magic):
            return kind
    return None


def kind_for_name(name: str) -> str | None:
    suffix = PurePath(name).suffix.lower()
    for kind, (exts, _magic) in SIGNATURES.items():
        if suffix in exts:
            return kind
    return None


def scan_problem(*, name: str, head: bytes, size: int, max_size: int) -> str | None:
    """``None`` when the file is acceptable, else a code: "extension", "content", "size",
    "empty"."""
    if size == 0:
        return "empty"
    if size > max_size:
        return "size"
    by_name = kind_for_name(name)
    if by_name is None:
        return "extension"
    if detect_kind(head) != by_name:
        return "content"
    return None
