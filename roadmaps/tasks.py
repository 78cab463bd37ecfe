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


@shared_task(name="roadmaps.keep_counts")
def keep_counts() -> None:
    """Every 10 minutes: the overview's counts brought up to today (the day's change, the weekly
    full count: ≈ 1 s and 4 s at 20,000 schools), ahead of the first request that would wait."""
    from .counts import counts_for_today

    counts_for_today()
