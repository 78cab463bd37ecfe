"""Kinds of documents. Domain apps register theirs in ``AppConfig.ready()``.

The platform never imports a domain app: it calls what was registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Job


@dataclass(frozen=True)
class BuiltFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class DocumentKind:
    key: str
    #: Builds the file of a job (may call ``job_set_progress``); raises on failure.
    build: Callable[[Job], BuiltFile]
    #: Whether a user may see and download a job of this kind (besides its requester).
    can_view: Callable[[Any, Job], bool]
    #: A digest of the data the document depends on; an unchanged one is not rebuilt.
    data_version: Callable[[dict], str] | None = None


_KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> DocumentKind:
    _KINDS[kind.key] = kind
    return kind


def get_kind(key: str) -> DocumentKind:
    try:
        return _KINDS[key]
    except KeyError as exc:
        raise LookupError(f"Unknown document kind {key!r}") from exc
