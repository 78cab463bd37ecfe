from celery import shared_task

from .services import agreements_expire


@shared_task(name="partnerships.expire_agreements")
def expire_agreements() -> int:
    """Nightly: signed agreements past their term become «истекло»."""
    return agreements_expire()
