"""Celery tasks of the schools registry: thin wrappers that take ids and call a service."""

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.utils import timezone
from django.utils.translation import gettext as _

from .importing.reader import ImportFileError
from .models import ImportRun, ImportStatus
from .recovery import SOFT_TIME_LIMIT, TIME_LIMIT, import_runs_recover


# The hard limit is below recovery.STALE_AFTER: a run silent for longer has no worker.
@shared_task(
    name="schools.run_import",
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def run_import(run_id: int) -> None:
    from .services import import_run_apply

    # Claim the run: a duplicate delivery finds it no longer queued and does nothing.
    if not ImportRun.objects.filter(pk=run_id, status=ImportStatus.QUEUED).update(
        status=ImportStatus.RUNNING, heartbeat_at=timezone.now()
    ):
        return
    run = ImportRun.objects.get(pk=run_id)
    try:
        import_run_apply(run=run)
    except ImportFileError as exc:
        ImportRun.objects.filter(pk=run_id).update(status=ImportStatus.FAILED, error=str(exc))
    except SoftTimeLimitExceeded:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportStatus.FAILED,
            error=_("The import took too long and was stopped; nothing was written."),
        )
    except Exception:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportStatus.FAILED,
            error=_("Internal error during the import; please tell the administrator."),
        )
        raise


@shared_task(
    name="schools.check_import",
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def check_import(run_id: int) -> None:
    """Check a large file's rows once (the preview), with progress."""
    from .services import import_run_check_in_background

    run = ImportRun.objects.filter(pk=run_id, status=ImportStatus.CHECKING).first()
    if run is None:  # a duplicate delivery, or the columns were changed meanwhile
        return
    try:
        import_run_check_in_background(run=run)
    except Exception:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportStatus.FAILED,
            error=_("Internal error during the check; please tell the administrator."),
        )
        raise


@shared_task(name="schools.recompute_categories", acks_late=True)
def recompute_categories(organisation_ids=None, region_id=None) -> dict:
    from .services import categories_recompute

    return categories_recompute(organisation_ids=organisation_ids, region_id=region_id)


@shared_task(name="schools.recover_imports")
def recover_imports() -> dict[str, int]:
    """Beat runs this: imports whose worker died are marked interrupted (nothing was written,
    they can be started again); interrupted checks go back to the columns step."""
    return vars(import_runs_recover())


@shared_task(
    name="schools.read_import",
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def read_import(run_id: int) -> None:
    """Read an uploaded XLSX file (within limits) for the columns step."""
    from .services import import_run_read

    run = ImportRun.objects.filter(pk=run_id, status=ImportStatus.READING).first()
    if run is None:  # a duplicate delivery
        return
    try:
        import_run_read(run=run)
    except SoftTimeLimitExceeded:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportStatus.FAILED,
            error=_("Reading the file took too long. Save the table as CSV and upload it again."),
        )
    except Exception:
        ImportRun.objects.filter(pk=run_id).update(
            status=ImportStatus.FAILED,
            error=_("Internal error while reading the file; please tell the administrator."),
        )
        raise
