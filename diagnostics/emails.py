"""E-mails of the diagnostics app: a cycle opened for a school, a questionnaire returned."""

from __future__ import annotations

from django.urls import reverse

from network_portal.accounts.models import Role, RoleAssignment
from network_portal.notifications.email import email_send

from .models import Cycle, Questionnaire, TeamMember


def _fillers(organisation_id: int) -> list:
    """The director(s) of the school and the members of its self-diagnosis team."""
    users = {
        a.user
        for a in RoleAssignment.objects.filter(
            role=Role.DIRECTOR, organisation_id=organisation_id, user__is_active=True
        ).select_related("user")
    }
    users |= {
        m.user
        for m in TeamMember.objects.filter(
            organisation_id=organisation_id, user__is_active=True
        ).select_related("user")
    }
    return sorted((u for u in users if u.email), key=lambda u: u.email)


def send_cycle_opened(*, cycle_id: int) -> int:
    """Tell each school's director and team that a questionnaire waits for them."""
    cycle = Cycle.objects.get(pk=cycle_id)
    sent = 0
    for questionnaire in cycle.questionnaires.select_related("organisation"):
        path = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
        for user in _fillers(questionnaire.organisation_id):
            email_send(
                to=[user.email],
                template="diagnostics_cycle_opened",
                context={
                    "user": user,
                    "cycle": cycle,
                    "questionnaire": questionnaire,
                    "path": path,
                },
            )
            sent += 1
    return sent


def send_returned(*, questionnaire_id: int) -> int:
    """Tell the director and team that the questionnaire came back with a comment."""
    questionnaire = Questionnaire.objects.select_related("cycle", "organisation").get(
        pk=questionnaire_id
    )
    path = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    users = _fillers(questionnaire.organisation_id)
    for user in users:
        email_send(
            to=[user.email],
            template="diagnostics_returned",
            context={"user": user, "questionnaire": questionnaire, "path": path},
        )
    return len(users)
