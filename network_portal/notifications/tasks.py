import dataclasses

from celery import shared_task
from celery.result import EagerResult

from .services import SendResult, reminders_send, reminders_send_chunk


@shared_task(name="notifications.send_reminders", acks_late=True)
def send_reminders() -> int:
    """Beat runs this: it reads what is due and hands the letters on in chunks, each a task of
    its own, so that the workers compose and send them in parallel (in this process when tasks
    run eagerly). Rows it could not send stay pending for the next run. Returns the letters
    sent here or queued."""
    result = reminders_send(send_chunk=queue_reminder_chunk)
    return result.emails + result.queued


@shared_task(name="notifications.send_reminder_chunk", acks_late=True)
def send_reminder_chunk(letters: list[list]) -> dict:
    """One chunk of letters (``services.reminders_send_chunk``; plain values, encoded once by the
    task's serialiser): it claims its own rows, so a chunk delivered twice, or two chunks over
    the same reminders, send each reminder once."""
    return dataclasses.asdict(reminders_send_chunk(letters))


def queue_reminder_chunk(letters: list[list]) -> SendResult | None:
    """``reminders_send``'s ``send_chunk``: queue the chunk; ``None`` once it is queued, its
    outcome when it ran eagerly (tests, demo)."""
    queued = send_reminder_chunk.delay(letters)
    return SendResult(**queued.get()) if isinstance(queued, EagerResult) else None
