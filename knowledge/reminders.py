"""Reminders of the mentor bank, sent once each by the existing reminders
(``network_portal.notifications``): a mentorship meeting tomorrow, and a goal past its date.

Recipients are the mentor (when they have an account) and the mentee — the teacher, or the
school's directors when the mentee is the school team. Three queries whatever the number of
mentorships.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from network_portal.accounts.models import Role, RoleAssignment
from network_portal.notifications.registry import Reminder, ReminderKind

from .models import TAKING_PLACE, MentorshipGoal, MentorshipMeeting, MentorshipStatus


def _directors(org_ids: set[int]) -> dict[int, list[int]]:
    people: dict[int, list[int]] = defaultdict(list)
    if org_ids:
        for user_id, org_id in RoleAssignment.objects.filter(
            role=Role.DIRECTOR, organisation_id__in=org_ids, user__is_active=True
        ).values_list("user_id", "organisation_id"):
            people[org_id].append(user_id)
    return people


def _recipients(row: dict, directors: dict[int, list[int]]) -> list[int]:
    people = [row["mentorship__mentor__user_id"]]
    if row["mentorship__mentee_user_id"]:
        people.append(row["mentorship__mentee_user_id"])
    else:
        people += directors.get(row["mentorship__organisation_id"], [])
    return sorted({p for p in people if p})


FIELDS = (
    "mentorship_id",
    "mentorship__mentor__user_id",
    "mentorship__mentor__full_name",
    "mentorship__mentee",
    "mentorship__mentee_user_id",
    "mentorship__organisation_id",
    "mentorship__organisation__short_name",
)


def meetings_tomorrow(today: date) -> Iterable[Reminder]:
    tomorrow = today + timedelta(days=1)
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(tomorrow, time.min), tz)
    rows = list(
        MentorshipMeeting.objects.filter(
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=1),
            mentorship__status__in=TAKING_PLACE,
        ).values("pk", "starts_at", "topic", "place", *FIELDS)
    )
    directors = _directors(
        {r["mentorship__organisation_id"] for r in rows if not r["mentorship__mentee_user_id"]}
    )
    for row in rows:
        context = {
            "topic": row["topic"],
            "place": row["place"],
            "starts_at": timezone.localtime(row["starts_at"]),
            "mentor": row["mentorship__mentor__full_name"],
            "mentee": row["mentorship__mentee"],
            "school": row["mentorship__organisation__short_name"],
            "path": reverse("knowledge:mentorship_detail", args=[row["mentorship_id"]]),
        }
        for user_id in _recipients(row, directors):
            yield Reminder("mentorship_meeting", user_id, f"meeting:{row['pk']}", tomorrow, context)


def goals_overdue(today: date) -> Iterable[Reminder]:
    rows = list(
        MentorshipGoal.objects.filter(
            due_date__lt=today,
            done_on__isnull=True,
            mentorship__status=MentorshipStatus.ACTIVE,
        ).values("pk", "text", "due_date", *FIELDS)
    )
    directors = _directors(
        {r["mentorship__organisation_id"] for r in rows if not r["mentorship__mentee_user_id"]}
    )
    for row in rows:
        context = {
            "text": row["text"],
            "due_date": row["due_date"],
            "days_overdue": (today - row["due_date"]).days,
            "mentor": row["mentorship__mentor__full_name"],
            "mentee": row["mentorship__mentee"],
            "path": reverse("knowledge:mentorship_detail", args=[row["mentorship_id"]]),
        }
        for user_id in _recipients(row, directors):
            yield Reminder(
                "mentorship_goal_overdue", user_id, f"goal:{row['pk']}", row["due_date"], context
            )


KINDS = (
    ReminderKind(
        "mentorship_meeting",
        _("Mentorship meetings tomorrow"),
        _("A meeting of your mentorship (as the mentor or the mentee), the day before."),
        meetings_tomorrow,
        "reminder_mentorship_meeting",
        80,
    ),
    ReminderKind(
        "mentorship_goal_overdue",
        _("Overdue mentorship goals"),
        _("A goal of an active mentorship past its date and not reached."),
        goals_overdue,
        "reminder_mentorship_goal_overdue",
        90,
    ),
)
