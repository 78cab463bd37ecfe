"""E-mails of the review: a roadmap submitted (to the school's curators), returned or approved
(to the school's directors)."""

from __future__ import annotations

from django.urls import reverse

from network_portal.accounts.models import Role, RoleAssignment
from network_portal.notifications.email import email_send

from .models import ReviewComment, RoadmapStatus

#: Who hears about each review step.
RECIPIENT_ROLES = {
    RoadmapStatus.SUBMITTED: Role.CURATOR,
    RoadmapStatus.RETURNED: Role.DIRECTOR,
    RoadmapStatus.APPROVED: Role.DIRECTOR,
}


def send_review_step(*, comment_id: int) -> int:
    """One e-mail per recipient about the review step recorded by ``comment_id``."""
    step = ReviewComment.objects.select_related("roadmap__organisation", "author").get(
        pk=comment_id
    )
    role = RECIPIENT_ROLES.get(step.kind)
    if role is None:
        return 0
    roadmap = step.roadmap
    users = sorted(
        {
            a.user
            for a in RoleAssignment.objects.filter(
                role=role, organisation_id=roadmap.organisation_id, user__is_active=True
            ).select_related("user")
            if a.user.email and a.user != step.author
        },
        key=lambda u: u.email,
    )
    path = reverse("roadmaps:detail", args=[roadmap.pk])
    for user in users:
        email_send(
            to=[user.email],
            template=f"roadmaps_{step.kind}",
            context={"user": user, "roadmap": roadmap, "step": step, "path": path},
        )
    return len(users)
