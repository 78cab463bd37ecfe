"""Thin Celery wrappers: they take ids and call one function; transient SMTP errors retry."""

from smtplib import SMTPException

from celery import shared_task

from . import emails


@shared_task(
    name="events.notify_registration_promoted",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notify_registration_promoted(registration_id: int) -> None:
    emails.send_promoted(registration_id=registration_id)


@shared_task(
    name="events.notify_event_cancelled",
    autoretry_for=(SMTPException, OSError),
    retry_backoff=True,
    max_retries=5,
)
def notify_event_cancelled(event_id: int) -> None:
    emails.send_cancelled(event_id=event_id)
