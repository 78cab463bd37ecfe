"""Requesting, building, retrying and recovering document jobs.

A job is claimed with a conditional ``update()``, so a duplicate delivery of the task does
nothing. The file is written whole before the job is marked ready and is never visible
half-written (:func:`~.storage.store_complete`).

A worker can die in the middle of a build (killed, out of memory, the server restarted). With
``CELERY_TASK_REJECT_ON_WORKER_LOST`` the broker redelivers the task at once, but the job is
still *running* under the dead worker's claim, so the redelivery does nothing. The beat task
``documents.recover_jobs`` (:func:`jobs_recover`) finds such jobs — running longer than
``STALE_AFTER``, which is more than the task's time limit, or queued that long without a worker
taking them (a lost message) — and puts them back in the queue; a job whose builds were cut
short ``MAX_ATTEMPTS`` times fails with a retry button instead of looping. Asking again for the
same document (:func:`job_request`) recovers a stale job at once rather than returning it.

A failure is shown to the requester as a translated reason (:func:`failure_reason`); the
exception itself goes to the log and, for administrators, to ``Job.error_detail``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext
from kombu.exceptions import OperationalError as KombuOperationalError

from .models import Job, JobStatus
from .registry import DocumentBuildError, DocumentKind, get_kind
from .storage import partial_files_sweep, store_complete

logger = logging.getLogger(__name__)

#: A job running longer than this has lost its worker: the task's hard time limit is shorter.
STALE_AFTER = timedelta(minutes=15)
#: The task's own limits (``tasks.build_document``), safely inside ``STALE_AFTER``.
SOFT_TIME_LIMIT = int(STALE_AFTER.total_seconds() * 2 / 3)
TIME_LIMIT = int(STALE_AFTER.total_seconds() * 4 / 5)
#: Builds cut short this many times (the worker died each time) make the job fail.
MAX_ATTEMPTS = 3


def job_request(*, kind: str, params: dict[str, Any], title: str, user: Any) -> Job:
    """Queue a document, or return the one built (or being built) from the same data version.

    A matching job that is ready, or queued or running and alive, is returned as it is; a
    stale one (its worker died, its message was lost) is put back in the queue first.
    """
    document_kind = get_kind(kind)
    version = document_kind.data_version(params) if document_kind.data_version else ""
    if version:
        existing = (
            Job.objects.filter(kind=kind, params=params, data_version=version)
            .exclude(status=JobStatus.FAILED)
            .order_by("-created_at")
            .first()
        )
        if existing is not None and _is_stale(existing, timezone.now()):
            existing = job_recover(job=existing)
        if existing is not None and existing.status != JobStatus.FAILED:
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
        status=JobStatus.QUEUED,
        error="",
        error_detail="",
        progress=0,
        finished_at=None,
        queued_at=timezone.now(),
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
            logger.warning("Document job %s not queued: %s", job.pk, exc.__class__.__name__)
            Job.objects.filter(pk=job.pk, status=JobStatus.QUEUED).update(
                status=JobStatus.FAILED,
                error=_queue_unavailable(),
                error_detail=_detail(exc),
                finished_at=timezone.now(),
            )

    transaction.on_commit(send)


def job_claim(*, job_id: int) -> bool:
    """Atomically move a queued job to running; False if it is not queued (someone has it,
    it is finished, or it waits for :func:`jobs_recover`)."""
    return bool(
        Job.objects.filter(pk=job_id, status=JobStatus.QUEUED).update(
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
            attempts=F("attempts") + 1,
            progress=0,
        )
    )


def job_set_progress(*, job: Job, progress: int) -> None:
    Job.objects.filter(pk=job.pk).update(progress=max(0, min(100, progress)))


def job_run(*, job_id: int) -> None:
    """Build the file of a job: claim, build, store, mark ready — or failed with the reason.

    Nothing is downloadable until the complete file is stored and the job marked ready; a
    failed build (or an empty result) stores no file at all. A kind that stores no file
    (``DocumentKind.stores_file``) has written its result itself and is just marked ready. Only the claim that is still the
    job's current one (same ``attempts``) may finish it: a build that outlived its claim (the
    job was recovered meanwhile) drops its file.
    """
    if not job_claim(job_id=job_id):
        return
    job = Job.objects.get(pk=job_id)
    mine = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts)
    stored, name, kind = "", "", None
    try:
        kind = get_kind(job.kind)
        built = kind.build(job)
        if kind.stores_file:
            if built is None or not built.content:
                with _portal_language():
                    raise DocumentBuildError(gettext("The document came out empty."))
            stored = store_complete(
                job.file.storage, job.file.field.generate_filename(job, built.name), built.content
            )
            name = built.name
    except Exception as exc:
        logger.exception("Document job %s (%s) failed", job.pk, job.kind)
        mine.update(
            status=JobStatus.FAILED,
            error=failure_reason(exc, kind=kind),
            error_detail=_detail(exc),
            finished_at=timezone.now(),
        )
        return
    marked = 0
    try:
        marked = mine.update(
            status=JobStatus.READY,
            file=stored,
            file_name=name,
            progress=100,
            error="",
            error_detail="",
            finished_at=timezone.now(),
        )
    finally:
        if not marked and stored:  # recovered and claimed again meanwhile (or the database
            job.file.storage.delete(stored)  # went away)


# --- Failure reasons --------------------------------------------------------------------------


def _portal_language():
    """The portal's language, also in a worker where no language is active."""
    return translation.override(settings.LANGUAGE_CODE)


def failure_reason(exc: BaseException, *, kind: DocumentKind | None = None) -> str:
    """What the requester reads about a failed build: specific for a known kind of failure,
    generic otherwise (in the job kind's own words when it has them). Never the exception's
    own (English, technical) text."""
    with _portal_language():
        own = kind.failure_reason(exc) if kind and kind.failure_reason else None
        return own or _failure_reason(exc)


def _failure_reason(exc: BaseException) -> str:
    if isinstance(exc, DocumentBuildError):
        return str(exc)
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    if isinstance(exc, SoftTimeLimitExceeded):
        return gettext(
            "Building the document took too long and was stopped. Choose a shorter period "
            "or fewer schools, or try again later."
        )
    if isinstance(exc, (OperationalError, InterfaceError)):  # the connection, not a bug
        return gettext(
            "The database was unavailable while the document was being built. "
            "Try again in a few minutes."
        )
    if isinstance(exc, ObjectDoesNotExist):
        return gettext("What the document is about no longer exists (it may have been deleted).")
    if isinstance(exc, OSError):
        return gettext(
            "The finished document could not be saved. Try again later; if it happens again, "
            "tell the portal administrator."
        )
    return gettext(
        "The document could not be built because of an internal error. Try again; if it "
        "happens again, tell the portal administrator."
    )


def _queue_unavailable() -> str:
    with _portal_language():
        return gettext("The task queue is unavailable. Try again in a few minutes.")


def _detail(exc: BaseException) -> str:
    return f"{exc.__class__.__module__}.{exc.__class__.__qualname__}: {exc}"[:2000]


# --- Recovering jobs whose worker died or whose message was lost ------------------------------


@dataclass
class RecoverResult:
    requeued: int = 0
    resent: int = 0
    failed: int = 0
    partial_files: int = 0


def _is_stale(job: Job, now: datetime) -> bool:
    cutoff = now - STALE_AFTER
    if job.status == JobStatus.RUNNING:
        return job.started_at is None or job.started_at < cutoff
    if job.status == JobStatus.QUEUED:
        return job.queued_at < cutoff
    return False


def _stale_q(now: datetime) -> Q:
    cutoff = now - STALE_AFTER
    running = Q(status=JobStatus.RUNNING) & (Q(started_at__lt=cutoff) | Q(started_at__isnull=True))
    return running | Q(status=JobStatus.QUEUED, queued_at__lt=cutoff)


def job_recover(*, job: Job) -> Job:
    """Put a stale job back to work and return it fresh from the database.

    *Running* under a dead worker: queued again, or *failed* (with a retry button) once its
    builds were cut short ``MAX_ATTEMPTS`` times. *Queued* with its message lost: the message
    is sent again (a duplicate is harmless: only one claim can win). Each step is a conditional
    ``UPDATE``, so two recoveries at once (the beat and a request) act once.
    """
    _recover(job)
    job.refresh_from_db()
    return job


def _recover(job: Job) -> str:
    """Recover one job; says what was done: "failed", "requeued", "resent" or ""."""
    now = timezone.now()
    stale = Job.objects.filter(_stale_q(now), pk=job.pk, status=job.status)
    if job.status == JobStatus.RUNNING and job.attempts >= MAX_ATTEMPTS:
        with _portal_language():
            reason = gettext(
                "The document could not be built: its build was interrupted %(n)s times. "
                "Try again; if it happens again, tell the portal administrator."
            ) % {"n": job.attempts}
        failed = stale.update(
            status=JobStatus.FAILED,
            error=reason,
            error_detail=f"the worker was lost {job.attempts} times (running > {STALE_AFTER})",
            finished_at=now,
        )
        if failed:
            logger.warning(
                "Document job %s failed: its worker was lost %s times", job.pk, job.attempts
            )
        return "failed" if failed else ""
    if not stale.update(status=JobStatus.QUEUED, queued_at=now, progress=0):
        return ""
    logger.warning("Document job %s was %s too long and is queued again", job.pk, job.status)
    _enqueue(job)
    return "requeued" if job.status == JobStatus.RUNNING else "resent"


def jobs_recover() -> RecoverResult:
    """The beat task's work: recover every stale job; sweep temporary files of killed builds."""
    result = RecoverResult()
    for job in Job.objects.filter(_stale_q(timezone.now())).order_by("pk"):
        done = _recover(job)
        if done:
            setattr(result, done, getattr(result, done) + 1)
    storage = Job._meta.get_field("file").storage
    result.partial_files = partial_files_sweep(storage, older_than=STALE_AFTER)
    return result
