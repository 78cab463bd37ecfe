"""Partnership figures, each defined once (issue 15); see ``network_portal.ui.figures``.

**A supported school has a partner** when it is the *supported* member of a partnership that
is agreed or active (``PARTNERED_STATUSES``). A proposal nobody has agreed to yet is not a
partner, and neither is a completed or terminated partnership: the home page, the impact
page, the control table and the reports all count the same schools.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from .models import MemberRole, PartnershipMember, PartnershipStatus

#: Statuses in which the supported member of a partnership «has a partner».
PARTNERED_STATUSES = (PartnershipStatus.AGREED, PartnershipStatus.ACTIVE)

HELP = {
    "partnerships.has_partner": _(
        "A supported school has a partner when it is the supported member of an agreed or "
        "active partnership; a proposal not yet agreed and a completed partnership do not count."
    ),
}


def partnered_school_ids(*, organisations: QuerySet | Iterable[int]) -> QuerySet:
    """The organisations among ``organisations`` that have a partner (see the module), as a
    subquery of organisation ids."""
    return (
        PartnershipMember.objects.filter(
            organisation_id__in=organisations,
            role=MemberRole.SUPPORTED,
            partnership__status__in=PARTNERED_STATUSES,
        )
        .order_by()
        .values("organisation_id")
        .distinct()
    )
