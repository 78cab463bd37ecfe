"""The «Сетевые партнёрства» section of the school card (schools.card registry)."""

from typing import Any

from django.http import HttpRequest

from .selectors import (
    can_manage_municipality,
    organisation_strengths,
    partnerships_of_organisation,
)


def partnerships_section_context(request: HttpRequest, organisation: Any) -> dict[str, Any]:
    return {
        "organisation": organisation,
        "partnerships": partnerships_of_organisation(user=request.user, organisation=organisation),
        "strengths": organisation_strengths(organisation=organisation),
        "can_manage": can_manage_municipality(
            user=request.user, municipality_id=organisation.municipality_id
        ),
    }
