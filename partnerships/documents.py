"""The printable agreement, and the pairing plan built in the background: ``documents`` job
kinds.

``agreement_document_context`` builds everything the PDF shows from the database (parties with
their details, the filled template text); ``build_agreement`` renders it with WeasyPrint.
"""

from __future__ import annotations

import hashlib
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import InterfaceError, OperationalError
from django.db.models import Q
from django.utils import translation
from django.utils.dateformat import format as date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from network_portal.documents.registry import BuiltFile, DocumentKind
from network_portal.documents.rendering import render_pdf

from . import agreement_text
from .matching import in_sentence
from .models import Agreement, MemberRole
from .services.plans import PLAN_JOB_KIND, pairing_plan_build

#: A party's role as the list of parties says it, inside a sentence: «(школа-лидер)».
ROLE_IN_SENTENCE = {
    MemberRole.SUPPORTED: pgettext_lazy("agreement party", "supported school"),
    MemberRole.LEADER: pgettext_lazy("agreement party", "leader school"),
    MemberRole.PARTNER: pgettext_lazy("agreement party", "partner"),
}
ROLE_ORDER = list(ROLE_IN_SENTENCE)


def _date(d) -> str:
    return date_format(d, "«j» E Y года") if d else "—"


def signature_name(full_name: str) -> str:
    """«Морозов Дмитрий Андреевич» → «Морозов Д. А.», as a signature line is written."""
    parts = full_name.split()
    if len(parts) < 2 or any(p.endswith(".") for p in parts[1:]):
        return full_name
    return " ".join([parts[0], *(f"{p[0]}." for p in parts[1:3])])


def _load(agreement_id: int) -> Agreement:
    return (
        Agreement.objects.select_related("partnership__municipality__region", "municipality")
        .prefetch_related(
            "partnership__members__organisation",
            "partnership__risk_factors",
            "partnership__forms",
            "partnership__directions",
            "partnership__resources",
        )
        .get(pk=agreement_id)
    )


def agreement_parties(agreement: Agreement) -> list[dict[str, Any]]:
    members = sorted(
        agreement.partnership.members.all(),
        key=lambda m: (ROLE_ORDER.index(m.role), m.organisation.short_name),
    )
    return [
        {
            "role": m.get_role_display(),
            "role_in_sentence": str(ROLE_IN_SENTENCE[m.role]),
            "short_name": m.organisation.short_name,
            "full_name": m.organisation.full_name,
            "inn": m.organisation.inn or "—",
            "ogrn": m.organisation.ogrn or "—",
            "address": m.organisation.address or "—",
            "director": m.organisation.director_name or "—",
            "signature": signature_name(m.organisation.director_name or ""),
            "phone": m.organisation.phone,
            "email": m.organisation.email,
        }
        for m in members
    ]


def agreement_values(agreement: Agreement, parties: list[dict[str, Any]]) -> dict[str, str]:
    p = agreement.partnership
    sides = "\n".join(
        _(
            # the head's name is not declined: «руководитель — …, действует …» reads right for
            # a woman and a man alike («в лице руководителя Ахмедова Лейла Рашидовна,
            # действующего» did not)
            "%(n)s. %(name)s (%(role)s); its head: %(director)s, acting on the basis of the "
            "charter;"
        )
        % {
            "n": i,
            "name": party["full_name"],
            "role": party["role_in_sentence"],
            "director": party["director"],
        }
        for i, party in enumerate(parties, start=1)
    )
    return {
        "номер": agreement.number,
        "дата": _date(agreement.date),
        "муниципалитет": str(agreement.municipality),
        "стороны": sides,
        "предмет": agreement.subject,
        "обязательства": agreement.obligations,
        "ресурсы": agreement.resources_text
        or ", ".join(in_sentence(r.name) for r in p.resources.all()),
        "формы": "; ".join(in_sentence(f.name) for f in p.forms.all()) or "—",
        "направления": "; ".join(in_sentence(d.name) for d in p.directions.all()) or "—",
        "факторы": "; ".join(in_sentence(f.name) for f in p.risk_factors.all()) or "—",
        "начало": _date(agreement.valid_from),
        "окончание": _date(agreement.valid_until),
    }


def agreement_document_context(agreement: Agreement) -> dict[str, Any]:
    from .services import agreement_template_for

    template = agreement_template_for(agreement.kind, region_id=agreement.municipality.region_id)
    parties = agreement_parties(agreement)
    values = agreement_values(agreement, parties)
    return {
        "agreement": agreement,
        "title": template.title,
        "number": agreement.number,
        "date": values["дата"],
        "place": agreement.municipality.name,
        "parties": parties,
        "sides": values["стороны"],
        "body": agreement_text.render_body(template.body, values),
    }


def build_agreement(job) -> BuiltFile:
    with translation.override("ru"):
        agreement = _load(int(job.params["agreement_id"]))
        content = render_pdf(
            "partnerships/pdf/agreement.html", agreement_document_context(agreement)
        )
    return BuiltFile(name=f"agreement-{agreement.number.replace('/', '-')}.pdf", content=content)


def can_view_agreement(user: Any, job) -> bool:
    from .selectors import agreement_list_for_user

    return agreement_list_for_user(user=user).filter(pk=job.params.get("agreement_id")).exists()


def agreement_data_version(params: dict) -> str:
    """Changes whenever the agreement, its partnership, members or the template change."""
    from .models import AgreementTemplate

    agreement = (
        Agreement.objects.filter(pk=params.get("agreement_id"))
        .select_related("partnership", "municipality")
        .first()
    )
    if agreement is None:
        return ""
    stamps = [
        agreement.updated_at.isoformat(),
        agreement.partnership.updated_at.isoformat(),
        *sorted(
            str(v)
            for v in agreement.partnership.members.values_list(
                "organisation_id", "role", "organisation__updated_at"
            )
        ),
        *sorted(
            str(v)
            for v in AgreementTemplate.objects.filter(
                Q(region__isnull=True) | Q(region_id=agreement.municipality.region_id),
                kind=agreement.kind,
            ).values_list("pk", "updated_at")
        ),
        "v2",
    ]
    return hashlib.sha256("|".join(stamps).encode()).hexdigest()[:32]


def agreement_url(job) -> str:
    from django.urls import reverse

    return reverse("partnerships:agreement_detail", args=[job.params["agreement_id"]])


AGREEMENT_DOCUMENT = DocumentKind(
    key="partnerships.agreement",
    build=build_agreement,
    can_view=can_view_agreement,
    data_version=agreement_data_version,
    source_url=agreement_url,
)


# --- The pairing plan: a job that writes rows, not a file ------------------------------------


def can_view_pairing_plan(user, job) -> bool:
    from .selectors import pairing_plan_list_for_user

    return pairing_plan_list_for_user(user=user).filter(pk=job.params.get("plan_id")).exists()


def pairing_plan_url(job) -> str:
    from django.urls import reverse

    return reverse("partnerships:plan_detail", args=[job.params["plan_id"]])


def pairing_plan_failure(exc: BaseException) -> str | None:
    """Why a plan was not built, in the plan's words; ``None``: the documents' reason (a
    database that went away, a plan deleted meanwhile)."""
    if isinstance(exc, ValidationError):
        return " ".join(exc.messages)
    if isinstance(exc, SoftTimeLimitExceeded):
        return _(
            "Building the plan took too long and was stopped. Build a plan for one "
            "municipality, or try again later."
        )
    if isinstance(exc, (OperationalError, InterfaceError, ObjectDoesNotExist)):
        return None
    return _(
        "The plan could not be built because of an internal error. Try again; if it happens "
        "again, tell the portal administrator."
    )


PAIRING_PLAN_JOB = DocumentKind(
    key=PLAN_JOB_KIND,
    build=pairing_plan_build,
    can_view=can_view_pairing_plan,
    source_url=pairing_plan_url,
    stores_file=False,
    failure_reason=pairing_plan_failure,
)
