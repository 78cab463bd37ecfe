"""Writes of agreements: numbering, the document, the signed scan, status changes, texts."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from network_portal.audit.services import audit_log
from network_portal.documents.models import Job
from network_portal.documents.services import job_request
from schools.models import Municipality, Region

from .. import selectors, transitions
from ..models import (
    Agreement,
    AgreementCounter,
    AgreementKind,
    AgreementStatus,
    AgreementTemplate,
    Partnership,
    PartnershipStatus,
)
from .partnerships import _record

AGREEMENT_DOCUMENT_KIND = "partnerships.agreement"


# --- Agreements ------------------------------------------------------------------------------


def agreement_take_number(*, municipality: Municipality, year: int) -> int:
    """The next number of the municipality in the year, without gaps under concurrency.

    The counter row is locked with ``select_for_update``; it must be called inside the
    transaction that saves the agreement, so a rolled-back agreement also returns its number.
    """
    AgreementCounter.objects.get_or_create(municipality=municipality, year=year)
    counter = AgreementCounter.objects.select_for_update().get(municipality=municipality, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def agreement_number(*, municipality: Municipality, year: int, sequence: int) -> str:
    prefix = municipality.code or str(municipality.pk)
    return f"{prefix}/{year}-{sequence:03d}"


@transaction.atomic
def agreement_create(
    *,
    partnership: Partnership,
    kind: str,
    date: dt.date,
    valid_from: dt.date,
    valid_until: dt.date,
    subject: str,
    obligations: str,
    resources_text: str,
    actor: Any,
) -> Agreement:
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end of the term is before its start.")})
    if partnership.status in (PartnershipStatus.COMPLETED, PartnershipStatus.TERMINATED):
        raise ValidationError(_("A finished partnership cannot get a new agreement."))
    municipality = partnership.municipality
    sequence = agreement_take_number(municipality=municipality, year=date.year)
    agreement = Agreement.objects.create(
        partnership=partnership,
        kind=kind,
        municipality=municipality,
        year=date.year,
        sequence=sequence,
        number=agreement_number(municipality=municipality, year=date.year, sequence=sequence),
        date=date,
        valid_from=valid_from,
        valid_until=valid_until,
        subject=subject.strip(),
        obligations=obligations.strip(),
        resources_text=resources_text.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _record(actor=actor, action="create", old="", new=AgreementStatus.DRAFT, agreement=agreement)
    return agreement


def agreement_request_pdf(*, agreement: Agreement, user: Any) -> Job:
    """Queue (or reuse, when nothing changed) the printable PDF of the agreement."""
    job = job_request(
        kind=AGREEMENT_DOCUMENT_KIND,
        params={"agreement_id": agreement.pk},
        title=_("%(kind)s № %(number)s")
        % {"kind": agreement.get_kind_display(), "number": agreement.number},
        user=user,
    )
    Agreement.objects.filter(pk=agreement.pk).update(document_job=job)
    agreement.document_job = job
    return job


@transaction.atomic
def agreement_upload_scan(*, agreement: Agreement, upload: Any, actor: Any) -> Agreement:
    """Store the signed scan (already checked by the form) in private storage.

    While the agreement is a draft a wrong upload may be replaced; once it is signed the scan
    is the evidence of the signature and is never replaced or deleted."""
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status != AgreementStatus.DRAFT:
        raise ValidationError(
            {
                "scan": _(
                    "The agreement is «%(status)s»: its signed scan cannot be replaced. "
                    "If the document itself changes, terminate it and prepare a new one."
                )
                % {"status": locked.get_status_display().lower()}
            }
        )
    old = locked.scan.name if locked.scan else ""
    locked.scan.save(upload.name, upload, save=False)
    locked.scan_name = upload.name[:200]
    locked.scan_uploaded_at = timezone.now()
    locked.save(update_fields=["scan", "scan_name", "scan_uploaded_at", "updated_at"])
    if old and old != locked.scan.name:
        storage = locked.scan.storage
        transaction.on_commit(lambda: storage.delete(old))
    audit_log(
        actor=actor,
        action="agreement.upload_scan",
        obj=locked,
        file=locked.scan_name,
        replaced=bool(old),
    )
    return locked


@transaction.atomic
def agreement_transition(
    *, agreement: Agreement, action: str, actor: Any, reason: str = "", system: bool = False
) -> Agreement:
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    actors = (
        {transitions.SYSTEM}
        if system
        else selectors.agreement_permissions(user=actor, agreement=locked).actors
    )
    t = transitions.check(
        transitions.AGREEMENT_TRANSITIONS,
        action=action,
        status=locked.status,
        actors=actors,
        reason=reason,
    )
    if action == "sign" and not locked.scan:
        raise transitions.TransitionError(_("Upload the signed scan first."))
    old = locked.status
    locked.status = t.target
    locked.save(update_fields=["status", "updated_at"])
    _record(actor=actor, action=action, old=old, new=t.target, reason=reason, agreement=locked)
    return locked


def agreements_expire(*, today: dt.date | None = None) -> int:
    """Mark signed agreements whose term is over as expired (nightly task)."""
    today = today or timezone.localdate()
    count = 0
    for agreement in Agreement.objects.filter(status=AgreementStatus.SIGNED, valid_until__lt=today):
        agreement_transition(agreement=agreement, action="expire", actor=None, system=True)
        count += 1
    return count


def agreement_template_save(
    *, kind: str, title: str, body: str, actor: Any, region: Region | None
) -> AgreementTemplate:
    """Save the text of an agreement kind for one region (``None``: the portal's default,
    which only an administrator edits)."""
    template, _created = AgreementTemplate.objects.update_or_create(
        region=region,
        kind=kind,
        defaults={"title": title.strip(), "body": body, "updated_by": actor},
    )
    audit_log(
        actor=actor,
        action="agreement_template.save",
        obj=template,
        region=region.pk if region else None,
    )
    return template


def agreement_template_for(kind: str, *, region_id: int | None = None) -> AgreementTemplate:
    """The region's own text of the kind, else the portal's default, else a minimal one."""
    templates = AgreementTemplate.objects.filter(kind=kind).filter(
        Q(region__isnull=True) | Q(region_id=region_id)
    )
    template = min(templates, key=lambda t: t.region_id is None, default=None)
    if template is None:
        template = AgreementTemplate(
            kind=kind, region_id=region_id, title=AgreementKind(kind).label, body="{предмет}"
        )
    return template
