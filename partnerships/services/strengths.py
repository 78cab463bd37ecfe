"""Writes of what an organisation offers: declared strengths and the provider profile."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from diagnostics.models import RiskFactor
from network_portal.audit.services import audit_log
from schools.models import Organisation

from ..models import DeclaredStrength, ProviderProfile, ResourceKind

# --- Strengths -------------------------------------------------------------------------------


def strength_save(
    *,
    organisation: Organisation,
    factor: RiskFactor,
    experience: str,
    evidence: str,
    evidence_url: str,
    actor: Any,
) -> DeclaredStrength:
    strength, _created = DeclaredStrength.objects.update_or_create(
        organisation=organisation,
        factor=factor,
        defaults={
            "experience": experience.strip(),
            "evidence": evidence.strip(),
            "evidence_url": evidence_url,
            "updated_by": actor,
        },
    )
    audit_log(actor=actor, action="strength.save", obj=strength, factor=factor.code)
    return strength


def strength_delete(*, strength: DeclaredStrength, actor: Any) -> None:
    audit_log(actor=actor, action="strength.delete", obj=strength, factor=strength.factor.code)
    strength.delete()


def provider_profile_save(
    *,
    organisation: Organisation,
    capacity: int,
    resources: Iterable[ResourceKind],
    note: str,
    actor: Any,
) -> ProviderProfile:
    profile, _created = ProviderProfile.objects.update_or_create(
        organisation=organisation, defaults={"capacity": capacity, "note": note.strip()}
    )
    profile.resources.set(resources)
    audit_log(actor=actor, action="provider_profile.save", obj=profile, capacity=capacity)
    return profile
