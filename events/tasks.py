"""Thin Celery wrappers: they take ids and call one function; transient SMTP errors retry.

Whatever Celery's own retries could not send is sent by ``retry_emails`` (beat): the rows of
``network_portal.notifications`` remember every letter still owed (``events.emails``).
"""

from smtplib import SMTPException

from celery import shared_task

from . import emails

RETRYABLE = (SMTPException, OSError, emails.EmailsNotSent)


@shared_task(
    name="events.notify_registration_promoted",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
)
def notify_registration_promoted(registration_id: int) -> None:
    emails.send_promoted(registration_id=registration_id)


@shared_task(
    name="events.notify_event_cancelled",
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    max_retries=5,
)
def notify_event_cancelled(event_id: int) -> None:
    emails.send_cancelled(event_id=event_id)


@shared_task(name="events.retry_emails", acks_late=True)
def retry_emails() -> int:
    """Beat runs this: event e-mails left pending, failed or stuck in sending go out now."""
    return emails.emails_retry()
