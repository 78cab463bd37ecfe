from celery import shared_task

from .password_reset import password_reset_send


@shared_task(
    name="accounts.send_password_reset", autoretry_for=(OSError,), retry_backoff=60, max_retries=5
)
def send_password_reset(email: str) -> None:
    """Send the password-reset e-mail (nothing for an unknown address); the result is not
    returned, so no worker log says whether the address has an account."""
    password_reset_send(email=email)
