from celery import shared_task

from .services import agreements_expire


@shared_task(name="partnerships.expire_agreements")
def expire_agreements() -> int:
    """Nightly: signed agreements past their term become «истекло»."""
    return agreements_expire()


@shared_task(name="partnerships.warm_candidates")
def warm_candidates() -> int:
    """Every two minutes: each region's candidate rows for matching one school read again if
    their data changed (``partnerships/suggestions.py``), so that with a shared cache the first
    suggestion after a new profile or category does not pay the region-wide read."""
    from schools.models import Region

    from .suggestions import candidate_rows

    return sum(
        len(candidate_rows(region_id=pk)) for pk in Region.objects.values_list("pk", flat=True)
    )
