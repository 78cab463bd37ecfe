"""Ordering progress reports: one job per report, or one ZIP of all of a curator's schools."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from network_portal.documents.models import Job
from network_portal.documents.services import job_request

from .documents import KIND_PREFIX
from .selectors import Period


def report_title(*, subject_name: str, period: Period) -> str:
    return _("Progress report: %(name)s, %(start)s–%(end)s") % {
        "name": subject_name,
        "start": f"{period.start:%d.%m.%Y}",
        "end": f"{period.end:%d.%m.%Y}",
    }


def report_request(*, user: Any, subject: str, pk: int, subject_name: str, period: Period) -> Job:
    """Queue a report, or return the one already built from the same data for this user.

    The requester is part of the parameters: the PDF names who printed it, and each user's
    "Мои отчёты" lists their own jobs.
    """
    params = {"subject": subject, "id": pk, **period.as_params(), "user": user.pk}
    return job_request(
        kind=f"{KIND_PREFIX}{subject}",
        params=params,
        title=report_title(subject_name=subject_name, period=period),
        user=user,
    )


def report_bundle_request(*, user: Any, school_ids: list[int], period: Period) -> Job:
    params = {"subject": "bundle", "ids": sorted(school_ids), **period.as_params(), "user": user.pk}
    title = _("Progress reports of my schools (%(n)s), %(start)s–%(end)s") % {
        "n": len(school_ids),
        "start": f"{period.start:%d.%m.%Y}",
        "end": f"{period.end:%d.%m.%Y}",
    }
    return job_request(kind=f"{KIND_PREFIX}bundle", params=params, title=title, user=user)


def watch_toggle(*, user: Any, organisation: Any) -> bool:
    """Put a school on the user's watch list («Мониторинг»), or take it off; True when it is
    watched now."""
    from .models import WatchedSchool

    deleted, _rows = WatchedSchool.objects.filter(user=user, organisation=organisation).delete()
    if deleted:
        return False
    WatchedSchool.objects.get_or_create(user=user, organisation=organisation)
    return True
