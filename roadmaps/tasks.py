"""Thin Celery wrappers: they take ids and call one function; transient SMTP errors retry."""

from smtplib import SMTPException

from celery import shared_task

from . import emails


@shared_task(
    name="roadmaps.notify_review_step",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notify_review_step(comment_id: int) -> None:
    emails.send_review_step(comment_id=comment_id)
