"""The heatmap's XLSX export of a big municipality as a document job (issue 17).

A municipality of thousands of schools takes a minute or more to write (72 s for 3,403 schools
on a loaded machine, issue 17): longer than a web worker may take. Above
``INLINE_MAX_SCHOOLS`` rows the export is a job of ``network_portal.documents`` (kind
``diagnostics.heatmap_xlsx``, built by the generic ``documents.build_document`` Celery task):
the heatmap page shows its status while it is built, its failure reason with a retry button,
and the download link once it is ready; it is also listed in «Мои документы». The rows come
from the same selector as the page (``selectors.heatmap_data``) and the workbook from
``exports.heatmap_workbook``, as in the request. Asking again for the same
data (nothing changed since: see :func:`_version`) returns the same job instead of a new one.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.conf import settings
from django.db.models import Count, Max
from django.utils import translation
from django.utils.translation import gettext as _

from network_portal.access.policy import municipality_q, scope_for
from network_portal.accounts.models import Role
from network_portal.documents.registry import BuiltFile, DocumentKind, register
from network_portal.documents.services import job_request, job_set_progress
from schools.models import CategoryAssignment, Municipality, Organisation

from . import exports, selectors
from .models import Cycle, RiskFactor, RiskProfile

KIND = "diagnostics.heatmap_xlsx"
#: Up to this many schools the XLSX is written in the request (≈ 1 s); more go to a job.
INLINE_MAX_SCHOOLS = 500
FILE_NAME = "risk-heatmap.xlsx"


# --- The background job -----------------------------------------------------------------------


def in_background(*, municipality: Municipality, category: str = "", **_filters) -> bool:
    """Whether the export of these filters is too big to write in the request."""
    return (
        selectors.heatmap_school_count(municipality=municipality, category=category)
        > INLINE_MAX_SCHOOLS
    )


def _params(*, municipality: Municipality, cycle: Cycle | None, category: str) -> dict[str, Any]:
    return {
        "municipality": municipality.pk,
        "cycle": cycle.pk if cycle else None,
        "category": category or "",
    }


def export_request(
    *, user, municipality: Municipality, cycle: Cycle | None = None, category: str = ""
):
    """Queue the XLSX of these filters (or return the job already built or being built from
    the same data)."""
    return job_request(
        kind=KIND,
        params=_params(municipality=municipality, cycle=cycle, category=category),
        title=_("Risk heatmap (XLSX): %(m)s") % {"m": municipality},
        user=user,
    )


def _filters(params: dict[str, Any]) -> dict[str, Any]:
    municipality = Municipality.objects.get(pk=params["municipality"])
    cycle = Cycle.objects.get(pk=params["cycle"]) if params.get("cycle") else None
    return {"municipality": municipality, "cycle": cycle, "category": params.get("category", "")}


def _build(job) -> BuiltFile:
    with translation.override(settings.LANGUAGE_CODE):
        heatmap = selectors.heatmap_data(**_filters(job.params))
        job_set_progress(job=job, progress=50)
        content = exports.heatmap_workbook(heatmap)
    return BuiltFile(name=FILE_NAME, content=content)


def _can_view(user, job) -> bool:
    """The heatmap's own access: a coordinator or methodologist whose territory holds the
    municipality."""
    scope = scope_for(user)
    if not scope.has_role(Role.COORDINATOR, Role.METHODOLOGIST):
        return False
    return (
        Municipality.objects.filter(municipality_q(scope))
        .filter(pk=job.params.get("municipality"))
        .exists()
    )


def _version(params: dict[str, Any]) -> str:
    """A digest of what the export prints, in four aggregate queries: the municipality's schools
    (count, last change), their profiles (count, newest), their current categories and the
    factors' names. Profiles are recomputed as new rows, so a new level is a new newest pk."""
    mun = params["municipality"]
    schools = Organisation.objects.filter(municipality_id=mun).aggregate(
        n=Count("pk"), changed=Max("updated_at")
    )
    profiles = RiskProfile.objects.filter(organisation__municipality_id=mun).aggregate(
        n=Count("pk"), newest=Max("pk"), at=Max("computed_at")
    )
    categories = CategoryAssignment.objects.filter(
        organisation__municipality_id=mun, is_current=True
    ).aggregate(n=Count("pk"), newest=Max("pk"))
    factors = list(RiskFactor.objects.order_by("code").values_list("code", "short_name"))
    names = Municipality.objects.filter(pk=mun).values_list("name", flat=True)
    digest = json.dumps(
        [params, schools, profiles, categories, factors, list(names)],
        default=str,
        sort_keys=True,
    )
    return hashlib.sha256(digest.encode()).hexdigest()


def export_page_url(job) -> str:
    """The heatmap of the job's filters, showing the job's status (and the download)."""
    from urllib.parse import urlencode

    from django.urls import reverse

    query = {k: v for k, v in job.params.items() if v} | {"export": job.pk}
    return f"{reverse('diagnostics:heatmap')}?{urlencode(query)}"


def export_job_for(user, pk: Any):
    """The export job named in the heatmap's query, if it is one this user may see."""
    from network_portal.documents.models import Job
    from network_portal.documents.selectors import job_can_view

    if not str(pk or "").isdigit():
        return None
    job = Job.objects.filter(pk=int(pk), kind=KIND).first()
    return job if job is not None and job_can_view(user=user, job=job) else None


def register_kinds() -> None:
    register(DocumentKind(KIND, _build, _can_view, _version, export_page_url))
