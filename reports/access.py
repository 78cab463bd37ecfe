"""Who may print which progress report (the one access policy, applied to reports).

A curator prints for her assigned schools, a director for her own school, a methodologist for
any school, partnership and the municipality itself, a coordinator for the whole region.
Everything else is a 404: the object does not exist for that user.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from network_portal.access.policy import municipality_q, organisation_q, scope_for
from network_portal.accounts.models import Role
from partnerships.models import Partnership
from schools.models import Municipality, Organisation

#: Roles that print school reports within their scope.
REPORT_ROLES = (Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR, Role.DIRECTOR)


def report_schools_for_user(*, user: Any) -> QuerySet[Organisation]:
    scope = scope_for(user)
    return Organisation.objects.schools().filter(organisation_q(scope, roles=REPORT_ROLES))


def report_partnerships_for_user(*, user: Any) -> QuerySet[Partnership]:
    scope = scope_for(user)
    if scope.is_admin:
        return Partnership.objects.all()
    direct = scope.organisation_ids(Role.CURATOR, Role.DIRECTOR)
    return Partnership.objects.filter(
        municipality_q(scope, "municipality") | Q(members__organisation_id__in=direct)
    ).distinct()


def report_municipalities_for_user(*, user: Any) -> QuerySet[Municipality]:
    return Municipality.objects.filter(municipality_q(scope_for(user)))


def report_subject_visible(*, user: Any, subject: str, pk: int) -> bool:
    querysets = {
        "school": report_schools_for_user,
        "partnership": report_partnerships_for_user,
        "municipality": report_municipalities_for_user,
    }
    if subject == "bundle":
        return False
    return querysets[subject](user=user).filter(pk=pk).exists()
