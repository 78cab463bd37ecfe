from typing import Any

from django.db.models import QuerySet

from .models import Job
from .registry import get_kind


def job_list_for_user(*, user: Any) -> QuerySet[Job]:
    """The jobs a user asked for (the "Мои документы" page)."""
    return Job.objects.filter(requested_by=user).order_by("-created_at")


def job_can_view(*, user: Any, job: Job) -> bool:
    if user.is_superuser or job.requested_by_id == user.pk:
        return True
    try:
        return get_kind(job.kind).can_view(user, job)
    except LookupError:
        return False
