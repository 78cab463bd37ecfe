from celery import shared_task

from .services import agreements_expire


@shared_task(name="partnerships.expire_agreements")
def expire_agreements() -> int:
    """Nightly: signed agreements past their term become «истекло»."""
    return agreements_expire()


@shared_task(name="partnerships.warm_candidates")
def warm_candidates() -> int:
    """Every two minutes: each region's candidate rows and strong cells for matching one school
    read again if their data changed (``partnerships/suggestions.py``), so that with a shared cache the first
    suggestion after a new profile or category does not pay the region-wide read."""
    from schools.models import Region

    from .suggestions import candidate_rows, strong_cells

    rows = 0
    for pk in Region.objects.values_list("pk", flat=True):
        rows += len(candidate_rows(region_id=pk))
        strong_cells(region_id=pk)  # read again only after an import or a rules change
    return rows
