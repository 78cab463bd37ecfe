from celery import shared_task

from .services import job_run


@shared_task(name="documents.build_document", acks_late=True)
def build_document(job_id: int) -> None:
    job_run(job_id=job_id)
