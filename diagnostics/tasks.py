"""Thin Celery wrappers: they take ids and call one function; transient SMTP errors retry."""

from smtplib import SMTPException

from celery import shared_task

from . import emails


@shared_task(
    name="diagnostics.notify_cycle_opened",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notify_cycle_opened(cycle_id: int) -> None:
    emails.send_cycle_opened(cycle_id=cycle_id)


@shared_task(
    name="diagnostics.notify_questionnaire_returned",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notify_questionnaire_returned(questionnaire_id: int) -> None:
    emails.send_returned(questionnaire_id=questionnaire_id)
