from celery import shared_task

from .services import reminders_send


@shared_task(name="notifications.send_reminders", acks_late=True)
def send_reminders() -> int:
    """Beat runs this; rows it could not send stay pending for the next run."""
    return reminders_send().emails
