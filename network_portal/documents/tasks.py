from celery import shared_task

from .services import SOFT_TIME_LIMIT, TIME_LIMIT, job_run, jobs_recover


# The hard limit is below services.STALE_AFTER: a job running longer than that has no worker.
@shared_task(
    name="documents.build_document",
    acks_late=True,
    soft_time_limit=SOFT_TIME_LIMIT,
    time_limit=TIME_LIMIT,
)
def build_document(job_id: int) -> None:
    job_run(job_id=job_id)


@shared_task(name="documents.recover_jobs")
def recover_jobs() -> dict[str, int]:
    """Beat runs this: stale jobs (dead worker, lost message) go back in the queue."""
    return vars(jobs_recover())
