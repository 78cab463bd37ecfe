"""School card sections of the diagnostics app (registered in ``DiagnosticsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from schools.models import Organisation

from . import selectors
from .pages import can_set_stage


def profile_section(request: HttpRequest, organisation: Organisation) -> dict[str, Any] | None:
    """The current profile's levels, high risks first (two queries)."""
    if not organisation.is_school:
        return None
    profile = selectors.current_profile_for(organisation=organisation)
    order = {"high": 0, "medium": 1, "low": 2}
    levels = (
        sorted(profile.levels.all(), key=lambda lv: (order[lv.level], lv.factor.code))
        if profile
        else []
    )
    return {"profile": profile, "levels": levels}


def stages_section(request: HttpRequest, organisation: Organisation) -> dict[str, Any] | None:
    """The transformation timeline (seed 000); hidden when empty and the user cannot add to it."""
    if not organisation.is_school:
        return None
    records = selectors.stage_timeline(organisation=organisation)
    can_set = can_set_stage(request.user, organisation)
    if not records and not can_set:
        return None
    return {"records": records, "school": organisation, "can_set_stage": can_set}
