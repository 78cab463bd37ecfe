"""Progress reports as document jobs: build = load → pure context → HTML → PDF.

Registered in :meth:`reports.apps.ReportsConfig.ready`; ``network_portal.documents`` claims the
job, calls :func:`build_report_file` and stores the file (``documents.services.job_run``).
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from network_portal.documents.registry import BuiltFile, DocumentKind, register
from network_portal.documents.rendering import render_pdf
from network_portal.documents.services import job_set_progress
from schools.models import Municipality

from .access import report_schools_for_user, report_subject_visible
from .context import (
    municipality_report_context,
    partnership_report_context,
    school_report_context,
)
from .selectors import (
    Period,
    partnership_header,
    report_data_load,
    report_data_version,
    school_ids_for_partnership,
    supported_school_ids_for_municipality,
)

TEMPLATE = "reports/pdf/progress_report.html"
SUBJECTS = ("school", "partnership", "municipality")
KIND_PREFIX = "reports."


def _printed_by(user_id: int | None) -> str:
    if not user_id:
        return ""
    user = get_user_model().objects.filter(pk=user_id).first()
    return user.get_full_name() or user.email if user else ""


def report_school_ids(*, subject: str, pk: int) -> list[int]:
    if subject == "school":
        return [pk]
    if subject == "partnership":
        return school_ids_for_partnership(partnership_id=pk)
    return supported_school_ids_for_municipality(municipality_id=pk)


def report_sources(*, subject: str, pk: int, period: Period) -> dict[str, Any]:
    """Everything the context of a report is built from, in a bounded number of queries.

    The one loader behind both the report (:func:`report_context`) and its data version
    (:func:`_version`), so the version cannot miss something the report prints.
    """
    with translation.override(settings.LANGUAGE_CODE):  # labels loaded with the rows
        sources: dict[str, Any] = {
            "data": report_data_load(
                organisation_ids=report_school_ids(subject=subject, pk=pk), period=period
            )
        }
        if subject == "partnership":
            sources["partnership"] = partnership_header(partnership_id=pk)
        elif subject == "municipality":
            sources["municipality"] = Municipality.objects.get(pk=pk).name
    return sources


def report_context(
    *,
    subject: str,
    pk: int,
    period: Period,
    printed_by: str,
    printed_at: datetime,
    sources: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Build the context of a report (pure) from its sources (loaded here unless given)."""
    sources = sources or report_sources(subject=subject, pk=pk, period=period)
    common = {
        "data": sources["data"],
        "period": period,
        "printed_by": printed_by,
        "printed_at": printed_at,
    }
    if subject == "school":
        return school_report_context(**common)
    if subject == "partnership":
        return partnership_report_context(partnership=sources["partnership"], **common)
    return municipality_report_context(municipality=sources["municipality"], **common)


def report_render(context: dict[str, Any]) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return render_pdf(TEMPLATE, context)


def report_file_name(subject_name: str, period: Period) -> str:
    slug = re.sub(r"[^\w]+", "_", subject_name).strip("_")[:80]
    return f"Отчёт_{slug}_{period.end:%Y-%m-%d}.pdf"


def report_pdf(*, subject: str, pk: int, period: Period, printed_by: str = "") -> tuple[str, bytes]:
    context = report_context(
        subject=subject,
        pk=pk,
        period=period,
        printed_by=printed_by,
        printed_at=timezone.localtime(),
    )
    return report_file_name(context["subject"], period), report_render(context)


def _build_single(job) -> BuiltFile:
    params = job.params
    name, content = report_pdf(
        subject=params["subject"],
        pk=params["id"],
        period=Period.from_params(params),
        printed_by=_printed_by(params.get("user")),
    )
    return BuiltFile(name=name, content=content)


def _build_bundle(job) -> BuiltFile:
    """All of a curator's schools, one PDF each, in one ZIP."""
    params = job.params
    period = Period.from_params(params)
    printed_by = _printed_by(params.get("user"))
    buffer = io.BytesIO()
    ids = params["ids"]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, pk in enumerate(ids):
            name, content = report_pdf(
                subject="school", pk=pk, period=period, printed_by=printed_by
            )
            archive.writestr(name, content)
            job_set_progress(job=job, progress=int(100 * (index + 1) / max(len(ids), 1)))
    return BuiltFile(name=f"Отчёты_{period.end:%Y-%m-%d}.zip", content=buffer.getvalue())


def _can_view(user, job) -> bool:
    params = job.params
    if params.get("subject") == "bundle":
        allowed = set(report_schools_for_user(user=user).values_list("pk", flat=True))
        return set(params["ids"]) <= allowed
    return report_subject_visible(user=user, subject=params["subject"], pk=params["id"])


def _version(params: dict[str, Any]) -> str:
    """The data version of a report: a digest of the same sources its context is built from,
    who prints it and the day overdue items are judged by (the period's end, or today)."""
    period = Period.from_params(params)
    subject = params["subject"]
    if subject == "bundle":
        # One load for all the schools holds every row of each school's own report.
        with translation.override(settings.LANGUAGE_CODE):
            sources = {"data": report_data_load(organisation_ids=params["ids"], period=period)}
    else:
        sources = report_sources(subject=subject, pk=params["id"], period=period)
    sources["subject"] = (subject, params.get("id"))
    sources["printed_by"] = _printed_by(params.get("user"))
    return report_data_version(
        sources=sources, period=period, judged_on=min(period.end, timezone.localdate())
    )


def _source_url(job) -> str | None:
    """A report links back to its school or partnership, else to «Мои отчёты»."""
    from django.urls import reverse

    subject, pk = job.params.get("subject"), job.params.get("id")
    if subject == "school":
        return reverse("schools:detail", args=[pk])
    if subject == "partnership":
        return reverse("partnerships:detail", args=[pk])
    return reverse("reports:list")


def register_kinds() -> None:
    for subject in SUBJECTS:
        register(
            DocumentKind(f"{KIND_PREFIX}{subject}", _build_single, _can_view, _version, _source_url)
        )
    register(DocumentKind(f"{KIND_PREFIX}bundle", _build_bundle, _can_view, _version, _source_url))
