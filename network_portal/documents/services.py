"""Requesting, building and retrying document jobs.

A job is claimed with a conditional ``update()``, so a duplicate delivery of the task does
nothing; a job left *running* by a crashed worker is claimable again after ``STALE_AFTER``.
The file is stored before the job is marked ready and is never visible half-written.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as KombuOperationalError

from .models import Job, JobStatus
from .registry import get_kind

logger = logging.getLogger(__name__)

STALE_AFTER = timedelta(minutes=15)


def job_request(*, kind: str, params: dict[str, Any], title: str, user: Any) -> Job:
    """Queue a document, or return the ready one built from the same data version."""
    document_kind = get_kind(kind)
    version = document_kind.data_version(params) if document_kind.data_version else ""
    if version:
        existing = (
            Job.objects.filter(kind=kind, params=params, data_version=version)
            .exclude(status=JobStatus.FAILED)
            .order_by("-created_at")
            .first()
        )
        if existing is not None:
            return existing
    job = Job.objects.create(
        kind=kind,
        params=params,
        title=title,
        data_version=version,
        requested_by=user if getattr(user, "is_authenticated", False) else None,
    )
    _enqueue(job)
    return job


def job_retry(*, job: Job) -> Job:
    """Put a failed job back in the queue."""
    updated = Job.objects.filter(pk=job.pk, status=JobStatus.FAILED).update(
        status=JobStatus.QUEUED, error="", progress=0, finished_at=None
    )
    job.refresh_from_db()
    if updated:
        _enqueue(job)
    return job


def _enqueue(job: Job) -> None:
    from .tasks import build_document

    def send() -> None:
        try:
            build_document.delay(job.pk)
        except (KombuOperationalError, ConnectionError, OSError) as exc:
            # the broker is unreachable: fail visibly, retry later. Anything else is a bug
            # and must not be disguised as "queue unavailable".
            logger.warning("Document job %s not queued: %r", job.pk, exc)
            Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
                status=JobStatus.FAILED,
                error=gettext("The task queue is unavailable. Try again in a few minutes."),
                finished_at=timezone.now(),
            )

    transaction.on_commit(send)


def job_claim(*, job_id: int) -> bool:
    """Atomically move a queued (or stale running) job to running; False if someone else has it."""
    now = timezone.now()
    return bool(
        Job.objects.filter(
            Q(status=JobStatus.QUEUED)
            | Q(status=JobStatus.RUNNING, started_at__lt=now - STALE_AFTER),
            pk=job_id,
        ).update(status=JobStatus.RUNNING, started_at=now, attempts=F("attempts") + 1, progress=0)
    )


def job_set_progress(*, job: Job, progress: int) -> None:
    Job.objects.filter(pk=job.pk).update(progress=max(0, min(100, progress)))


def job_run(*, job_id: int) -> None:
    """Build the file of a job: claim, build, store, mark ready — or failed with the reason.

    Nothing is downloadable until the complete file is stored and the job marked ready; a
    failed build (or an empty result) stores no file at all.
    """
    if not job_claim(job_id=job_id):
        return
    job = Job.objects.get(pk=job_id)
    try:
        built = get_kind(job.kind).build(job)
        if not built.content:
            raise ValueError(gettext("The document came out empty."))
    except Exception as exc:
        logger.exception("Document job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
            status=JobStatus.FAILED,
            error=str(exc)[:2000] or exc.__class__.__name__,
            finished_at=timezone.now(),
        )
        return
    storage = job.file.storage
    stored = storage.save(
        job.file.field.generate_filename(job, built.name), ContentFile(built.content)
    )
    marked = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING).update(
        status=JobStatus.READY,
        file=stored,
        file_name=built.name,
        progress=100,
        error="",
        finished_at=timezone.now(),
    )
    if not marked:  # someone else finished it meanwhile: keep theirs, drop ours
        storage.delete(stored)
