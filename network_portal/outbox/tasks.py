from celery import shared_task

from .services import outbox_send_pending


@shared_task(name="outbox.send_pending")
def send_pending() -> dict[str, int]:
    """Beat runs this: tasks that could not be queued when their change was saved."""
    return vars(outbox_send_pending())
