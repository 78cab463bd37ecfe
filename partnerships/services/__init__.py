"""Writes of the partnerships app, one module per aggregate. Each service validates, saves
atomically and logs.

``from partnerships import services; services.partnership_create(...)`` keeps working: the
public names of every module are re-exported here.
"""

from .agreements import (
    AGREEMENT_DOCUMENT_KIND,
    agreement_create,
    agreement_number,
    agreement_request_pdf,
    agreement_take_number,
    agreement_template_for,
    agreement_template_save,
    agreement_transition,
    agreement_upload_scan,
    agreements_expire,
)
from .networks import network_save
from .partnerships import (
    PartnershipData,
    partnership_create,
    partnership_problems,
    partnership_transition,
    partnership_update,
    providers_over_capacity,
)
from .plans import (
    PLAN_JOB_KIND,
    pairing_plan_approve,
    pairing_plan_build,
    pairing_plan_create,
    pairing_plan_fill,
    pairing_plan_request,
    pairing_plan_retry,
    pairing_row_update,
    suggestion_accept,
)
from .strengths import provider_profile_save, strength_delete, strength_save

__all__ = [
    "AGREEMENT_DOCUMENT_KIND",
    "PLAN_JOB_KIND",
    "PartnershipData",
    "agreement_create",
    "agreement_number",
    "agreement_request_pdf",
    "agreement_take_number",
    "agreement_template_for",
    "agreement_template_save",
    "agreement_transition",
    "agreement_upload_scan",
    "agreements_expire",
    "network_save",
    "pairing_plan_approve",
    "pairing_plan_build",
    "pairing_plan_create",
    "pairing_plan_fill",
    "pairing_plan_request",
    "pairing_plan_retry",
    "pairing_row_update",
    "partnership_create",
    "partnership_problems",
    "partnership_transition",
    "partnership_update",
    "provider_profile_save",
    "providers_over_capacity",
    "strength_delete",
    "strength_save",
    "suggestion_accept",
]
