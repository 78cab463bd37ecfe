from celery import shared_task

from .aggregates import figures_refresh


@shared_task(name="reports.refresh_figures")
def refresh_figures() -> int:
    """Every five minutes: the impact page's and the coordinator panel's aggregates."""
    return figures_refresh()
