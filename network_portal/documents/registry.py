"""Kinds of documents. Domain apps register theirs in ``AppConfig.ready()``.

The platform never imports a domain app: it calls what was registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Job


class DocumentBuildError(Exception):
    """A build failure whose message is meant for the requester: translated, no internals.

    A kind's ``build`` raises it for a failure it can explain («the participant has not
    attended»); any other exception is logged and shown as a generic reason.
    """


@dataclass(frozen=True)
class BuiltFile:
    name: str
    content: bytes


@dataclass(frozen=True)
class DocumentKind:
    key: str
    #: Builds the file of a job (may call ``job_set_progress``); raises on failure
    #: (:class:`DocumentBuildError` with a message for the requester, when it can say why).
    build: Callable[[Job], BuiltFile | None]
    #: Whether a user may see and download a job of this kind (besides its requester).
    can_view: Callable[[Any, Job], bool]
    #: A digest of the data the document depends on; an unchanged one is not rebuilt.
    data_version: Callable[[dict], str] | None = None
    #: Where the document comes from (the agreement, the report's page), for a link back.
    source_url: Callable[[Job], str | None] | None = None
    #: False for a job whose result is written to the database, not to a file (a pairing
    #: plan): its ``build`` returns ``None`` and the job is ready with nothing to download.
    stores_file: bool = True
    #: The reason shown for a failed build in the kind's own words («the plan could not be
    #: built…»), or ``None`` for the documents' generic reasons.
    failure_reason: Callable[[BaseException], str | None] | None = None


_KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> DocumentKind:
    _KINDS[kind.key] = kind
    return kind


def source_url(job: Job) -> str | None:
    """The page the job's document belongs to, if its kind says so (never raises)."""
    try:
        kind = get_kind(job.kind)
    except LookupError:
        return None
    if kind.source_url is None:
        return None
    try:
        return kind.source_url(job)
    except Exception:  # a deleted object must not break the jobs page
        return None


def get_kind(key: str) -> DocumentKind:
    try:
        return _KINDS[key]
    except KeyError as exc:
        raise LookupError(f"Unknown document kind {key!r}") from exc
