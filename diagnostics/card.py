"""School card sections of the diagnostics app (registered in ``DiagnosticsConfig.ready``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Subquery
from django.http import HttpRequest

from network_portal.access.policy import Scope
from network_portal.accounts.models import Role
from schools.models import Organisation

from . import selectors
from .models import CycleStatus, FactorLevel, Level

_LEVEL_ORDER = {"high": 0, "medium": 1, "low": 2}


def current_levels(request: HttpRequest, organisation: Organisation) -> list[FactorLevel]:
    """The levels of the school's newest profile (each with ``factor`` and ``profile.cycle``),
    in one query, read once per request: the profile section and the partnerships section
    (derived strengths) both show them. Empty when the school has no profile."""
    memo = request.__dict__.setdefault("_diagnostics_levels", {})
    if organisation.pk not in memo:
        memo[organisation.pk] = list(
            FactorLevel.objects.filter(
                profile_id=Subquery(selectors.newest_profile(organisation.pk))
            )
            .select_related("factor", "profile__cycle")
            .defer("explanation")
            # one profile: the model's order (profile, then its organisation's name) would join
            # the organisation to sort rows that all share it (issue 17 item 5)
            .order_by("factor__code")
        )
    return memo[organisation.pk]


def profile_section(request: HttpRequest, organisation: Organisation) -> dict[str, Any] | None:
    """The current profile's levels, high risks first (one query)."""
    if not organisation.is_school:
        return None
    levels = sorted(
        current_levels(request, organisation),
        key=lambda lv: (_LEVEL_ORDER[lv.level], lv.factor.code),
    )
    # each level's label looked up here: ``get_level_display`` hashes every choice's
    # translated label on each call, twice a factor in the template (issue 17 item 5)
    labels = dict(Level.choices)
    for lv in levels:
        lv.level_label = labels.get(lv.level, lv.level)
    return {"profile": levels[0].profile if levels else None, "levels": levels}


def stages_section(request: HttpRequest, organisation: Organisation) -> dict[str, Any] | None:
    """The transformation timeline (seed 000); hidden when empty and the user cannot add to it."""
    if not organisation.is_school:
        return None
    records = selectors.stage_timeline(organisation=organisation)
    can_set = selectors.stage_permissions(user=request.user, school=organisation).can_record
    if not records and not can_set:
        return None
    return {"records": records, "school": organisation, "can_set_stage": can_set}


def home_panel(user, scope: Scope) -> dict[str, Any] | None:
    """What is waiting in diagnostics: questionnaires to fill in, surveys to answer, open
    cycles with their completion. ``None`` (no panel) when nothing is waiting."""
    to_fill = [
        q for q in selectors.questionnaires_to_fill_for(user=user) if selectors.takes_answers(q)
    ]
    surveys = []
    if scope.has_role(Role.TEACHER) and not scope.is_admin:
        surveys = selectors.surveys_to_answer_for(user=user)
    cycles = []
    if scope.has_role(Role.METHODOLOGIST, Role.COORDINATOR):
        cycles = list(
            selectors.with_completion(selectors.cycle_list_for_user(user=user))
            .filter(status=CycleStatus.OPEN)
            .order_by("closes_on")[:5]
        )
    if not (to_fill or surveys or cycles):
        return None
    return {"to_fill": to_fill, "surveys": surveys, "cycles": cycles}
