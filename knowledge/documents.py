"""The practice passport: a ``documents`` job kind (PDF with WeasyPrint).

``passport_context`` reads everything the PDF shows; ``build_passport`` renders it. Texts are
autoescaped: HTML typed into a practice prints as text.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.utils import translation

from network_portal.documents.registry import BuiltFile, DocumentKind
from network_portal.documents.rendering import render_pdf

from .forms import SUBJECT_CHOICES
from .models import Practice
from .results import snapshot_events, snapshot_rows


def _load(practice_id: int) -> Practice:
    return (
        Practice.objects.select_related("municipality__region", "partnership", "event", "network")
        .prefetch_related("risk_factors", "forms", "author_organisations", "materials")
        .get(pk=practice_id)
    )


def passport_context(practice: Practice) -> dict[str, Any]:
    from diagnostics.models import RiskFactor

    subjects = dict(SUBJECT_CHOICES)
    names = {str(c): n for c, n in RiskFactor.objects.values_list("code", "name")}
    return {
        "practice": practice,
        "factors": [f.name for f in practice.risk_factors.all()],
        "forms": [f.name for f in practice.forms.all()],
        "subjects": [str(subjects.get(s, s)) for s in practice.subject_codes],
        "grades": practice.grade_list,
        "authors": [o.short_name for o in practice.author_organisations.all()],
        "snapshot": practice.results_snapshot,
        "snapshot_events": snapshot_events(practice.results_snapshot),
        "snapshot_rows": snapshot_rows(practice.results_snapshot, names),
        "materials": list(practice.materials.all()),
    }


def build_passport(job) -> BuiltFile:
    with translation.override("ru"):
        practice = _load(int(job.params["practice_id"]))
        content = render_pdf("knowledge/pdf/passport.html", passport_context(practice))
    return BuiltFile(name=f"practice-{practice.pk}.pdf", content=content)


def can_view_passport(user: Any, job) -> bool:
    from .selectors import practice_list_for_user

    return practice_list_for_user(user=user).filter(pk=job.params.get("practice_id")).exists()


def passport_data_version(params: dict) -> str:
    row = (
        Practice.objects.filter(pk=params.get("practice_id"))
        .values_list("updated_at", "results_taken_at", "status")
        .first()
    )
    if row is None:
        return ""
    from .models import PracticeMaterial

    materials = sorted(
        str(m)
        for m in PracticeMaterial.objects.filter(practice_id=params.get("practice_id")).values_list(
            "pk"
        )
    )
    return hashlib.sha256("|".join([*map(str, row), *materials, "v1"]).encode()).hexdigest()[:32]


def passport_url(job) -> str:
    from django.urls import reverse

    return reverse("knowledge:practice_detail", args=[job.params["practice_id"]])


PASSPORT = DocumentKind(
    key="knowledge.practice_passport",
    build=build_passport,
    can_view=can_view_passport,
    data_version=passport_data_version,
    source_url=passport_url,
)
