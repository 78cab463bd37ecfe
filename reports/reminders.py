"""Reminder selectors (DOMAIN.md «Reminders»): who is reminded of what, and when.

Each selector returns :class:`Reminder` tuples (recipient, object key, due date, context) in a
fixed number of queries whatever the size of the region — values() rows joined in Python, no
query per item. ``network_portal.notifications.services.reminders_send`` sends them once.

Escalation of an overdue roadmap item: the responsible person is reminded when it becomes
overdue; after ``ESCALATE_TO_CURATOR_DAYS`` its school's curators, after
``ESCALATE_TO_METHODOLOGIST_DAYS`` the municipality's methodologists.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from diagnostics.models import Cycle, CycleStatus, RiskProfile
from events.models import Event, EventStatus, Registration, RegistrationStatus
from network_portal.accounts.models import Role, RoleAssignment
from network_portal.notifications.registry import Reminder, ReminderKind, register_reminder
from partnerships.models import Agreement, AgreementStatus, PartnershipMember
from roadmaps.models import CLOSED_ITEM_STATUSES, RoadmapItem

DUE_SOON_DAYS = getattr(settings, "REMINDER_DUE_SOON_DAYS", 7)
ESCALATE_TO_CURATOR_DAYS = getattr(settings, "REMINDER_ESCALATE_TO_CURATOR_DAYS", 14)
ESCALATE_TO_METHODOLOGIST_DAYS = getattr(settings, "REMINDER_ESCALATE_TO_METHODOLOGIST_DAYS", 30)
AGREEMENT_DAYS = 30
CYCLE_DAYS = 7


def _item_rows(**filters) -> list[dict]:
    return list(
        RoadmapItem.objects.filter(**filters)
        .exclude(status__in=CLOSED_ITEM_STATUSES)
        .values(
            "id",
            "task",
            "due_date",
            "responsible_user_id",
            "roadmap_id",
            "roadmap__title",
            "roadmap__organisation_id",
            "roadmap__organisation__short_name",
            "roadmap__organisation__municipality_id",
        )
    )


def _people(role: str, field: str = "organisation_id", **filters) -> dict[int, list[int]]:
    """{organisation (or municipality) id: [user ids]} of a role, in one query."""
    people = defaultdict(list)
    for user_id, key in RoleAssignment.objects.filter(
        role=role, user__is_active=True, **filters
    ).values_list("user_id", field):
        if key is not None:
            people[key].append(user_id)
    return people


def _item_context(row: dict, today: date) -> dict:
    return {
        "task": row["task"],
        "school": row["roadmap__organisation__short_name"],
        "roadmap": row["roadmap__title"],
        "path": reverse("roadmaps:detail", args=[row["roadmap_id"]]),
        "days_overdue": max(0, (today - row["due_date"]).days),
        "days_left": max(0, (row["due_date"] - today).days),
    }


def _responsible(rows: list[dict]) -> Iterable[tuple[dict, int]]:
    """The responsible user, or the school's directors when nobody is named."""
    directors = _people(Role.DIRECTOR, organisation__roadmaps__isnull=False)
    for row in rows:
        if row["responsible_user_id"]:
            yield row, row["responsible_user_id"]
        else:
            for user_id in directors.get(row["roadmap__organisation_id"], []):
                yield row, user_id


def roadmap_due_soon(today: date) -> list[Reminder]:
    rows = _item_rows(due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS))
    return [
        Reminder(
            "roadmap_due_soon",
            user_id,
            f"item:{row['id']}",
            row["due_date"],
            _item_context(row, today),
        )
        for row, user_id in _responsible(rows)
    ]


def roadmap_overdue(today: date) -> list[Reminder]:
    rows = _item_rows(due_date__lt=today)
    return [
        Reminder(
            "roadmap_overdue",
            user_id,
            f"item:{row['id']}",
            row["due_date"],
            _item_context(row, today),
        )
        for row, user_id in _responsible(rows)
    ]


def roadmap_escalation(today: date) -> list[Reminder]:
    rows = _item_rows(due_date__lte=today - timedelta(days=ESCALATE_TO_CURATOR_DAYS))
    curators = _people(Role.CURATOR, organisation__roadmaps__isnull=False)
    methodologists = _people(Role.METHODOLOGIST, "municipality_id", municipality__isnull=False)
    reminders = []
    for row in rows:
        context = _item_context(row, today)
        recipients = list(curators.get(row["roadmap__organisation_id"], []))
        if context["days_overdue"] >= ESCALATE_TO_METHODOLOGIST_DAYS:
            recipients += methodologists.get(row["roadmap__organisation__municipality_id"], [])
        for user_id in dict.fromkeys(recipients):
            reminders.append(
                Reminder(
                    "roadmap_escalation", user_id, f"item:{row['id']}", row["due_date"], context
                )
            )
    return reminders


def _local_day_bounds(day: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(day, time.min), tz)
    return start, start + timedelta(days=1)


def events_tomorrow(today: date) -> list[Reminder]:
    start, end = _local_day_bounds(today + timedelta(days=1))
    rows = Registration.objects.filter(
        status=RegistrationStatus.REGISTERED,
        event__status=EventStatus.PUBLISHED,
        event__starts_at__gte=start,
        event__starts_at__lt=end,
    ).values(
        "user_id",
        "event_id",
        "event__title",
        "event__starts_at",
        "event__place",
        "event__online_url",
    )
    return [
        Reminder(
            "event_tomorrow",
            r["user_id"],
            f"event:{r['event_id']}",
            timezone.localtime(r["event__starts_at"]).date(),
            {
                "title": r["event__title"],
                "starts_at": timezone.localtime(r["event__starts_at"]),
                "place": r["event__place"],
                "online_url": r["event__online_url"],
                "path": reverse("events:detail", args=[r["event_id"]]),
            },
        )
        for r in rows
    ]


def agreements_expiring(today: date) -> list[Reminder]:
    rows = list(
        Agreement.objects.filter(
            status=AgreementStatus.SIGNED,
            valid_until__gte=today,
            valid_until__lte=today + timedelta(days=AGREEMENT_DAYS),
        ).values(
            "id", "number", "valid_until", "partnership_id", "partnership__title", "municipality_id"
        )
    )
    members = defaultdict(set)
    for partnership_id, org_id in PartnershipMember.objects.filter(
        partnership__agreements__in=[r["id"] for r in rows]
    ).values_list("partnership_id", "organisation_id"):
        members[partnership_id].add(org_id)
    directors = _people(Role.DIRECTOR, organisation__partnership_memberships__isnull=False)
    methodologists = _people(Role.METHODOLOGIST, "municipality_id", municipality__isnull=False)
    reminders = []
    for row in rows:
        recipients = [u for org in members[row["partnership_id"]] for u in directors.get(org, [])]
        recipients += methodologists.get(row["municipality_id"], [])
        context = {
            "number": row["number"],
            "partnership": row["partnership__title"],
            "days_left": (row["valid_until"] - today).days,
            "path": reverse("partnerships:detail", args=[row["partnership_id"]]),
        }
        for user_id in dict.fromkeys(recipients):
            reminders.append(
                Reminder(
                    "agreement_expiring",
                    user_id,
                    f"agreement:{row['id']}",
                    row["valid_until"],
                    context,
                )
            )
    return reminders


def cycles_closing(today: date) -> list[Reminder]:
    """Directors of schools that have not submitted, and the methodologist with the list."""
    cycles = {
        c["id"]: c
        for c in Cycle.objects.filter(
            status=CycleStatus.OPEN,
            closes_on__gte=today,
            closes_on__lte=today + timedelta(days=CYCLE_DAYS),
        ).values("id", "title", "closes_on", "municipality_id")
    }
    submitted = RiskProfile.objects.filter(
        cycle_id=OuterRef("cycle_id"), organisation_id=OuterRef("organisation_id")
    )
    missing = defaultdict(list)
    for cycle_id, org_id, name in (
        Cycle.schools.through.objects.filter(cycle_id__in=list(cycles))
        .annotate(done=Exists(submitted))
        .filter(done=False)
        .values_list("cycle_id", "organisation_id", "organisation__short_name")
    ):
        missing[cycle_id].append((org_id, name))
    directors = _people(Role.DIRECTOR, organisation__diagnostics_cycles__in=list(cycles))
    methodologists = _people(Role.METHODOLOGIST, "municipality_id", municipality__isnull=False)
    reminders = []
    for cycle_id, schools in missing.items():
        cycle = cycles[cycle_id]
        base = {
            "title": cycle["title"],
            "days_left": (cycle["closes_on"] - today).days,
            "path": reverse("diagnostics:index"),
        }
        for org_id, name in schools:
            for user_id in directors.get(org_id, []):
                reminders.append(
                    Reminder(
                        "cycle_closing",
                        user_id,
                        f"cycle:{cycle_id}",
                        cycle["closes_on"],
                        {**base, "school": name},
                    )
                )
        names = sorted(name for _, name in schools)
        for user_id in methodologists.get(cycle["municipality_id"], []):
            reminders.append(
                Reminder(
                    "cycle_closing",
                    user_id,
                    f"cycle:{cycle_id}",
                    cycle["closes_on"],
                    {
                        **base,
                        "path": reverse("diagnostics:cycle_detail", args=[cycle_id]),
                        "missing": names,
                        "missing_count": len(names),
                    },
                )
            )
    return reminders


def weekly_digest(today: date) -> list[Reminder]:
    """Monday's summary for methodologists (their municipality) and curators (their schools):
    overdue items, items due this week, events in the next seven days. Empty digests are not
    sent; the key is the Monday, so it goes out once a week."""
    monday = today - timedelta(days=today.weekday())
    week_end = today + timedelta(days=7)
    items = _item_rows(due_date__lte=week_end)
    start, _ = _local_day_bounds(today)
    events = list(
        Event.objects.filter(
            status=EventStatus.PUBLISHED,
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=8),
        ).values("id", "title", "starts_at", "municipality_id")
    )
    curators = RoleAssignment.objects.filter(
        role=Role.CURATOR, organisation__isnull=False, user__is_active=True
    )
    methodologists = RoleAssignment.objects.filter(
        role=Role.METHODOLOGIST, municipality__isnull=False, user__is_active=True
    )
    scopes: dict[int, dict] = defaultdict(lambda: {"orgs": set(), "muns": set()})
    for user_id, org_id, mun_id in curators.values_list(
        "user_id", "organisation_id", "organisation__municipality_id"
    ):
        scopes[user_id]["orgs"].add(org_id)
        scopes[user_id]["event_muns"] = scopes[user_id].get("event_muns", set()) | {mun_id}
    for user_id, mun_id in methodologists.values_list("user_id", "municipality_id"):
        scopes[user_id]["muns"].add(mun_id)
        scopes[user_id]["event_muns"] = scopes[user_id].get("event_muns", set()) | {mun_id}
    reminders = []
    for user_id, scope in scopes.items():
        mine = [
            i
            for i in items
            if i["roadmap__organisation_id"] in scope["orgs"]
            or i["roadmap__organisation__municipality_id"] in scope["muns"]
        ]
        overdue = [i for i in mine if i["due_date"] < today]
        due = [i for i in mine if i["due_date"] >= today]
        upcoming = [e for e in events if e["municipality_id"] in scope.get("event_muns", set())]
        if not (overdue or due or upcoming):
            continue
        by_school = defaultdict(int)
        for i in overdue:
            by_school[i["roadmap__organisation__short_name"]] += 1
        reminders.append(
            Reminder(
                "weekly_digest",
                user_id,
                "digest",
                monday,
                {
                    "overdue_count": len(overdue),
                    "overdue_by_school": sorted(by_school.items(), key=lambda kv: (-kv[1], kv[0]))[
                        :10
                    ],
                    "due": [
                        _item_context(i, today) | {"due_date": i["due_date"]} for i in due[:10]
                    ],
                    "due_count": len(due),
                    "events": [
                        {
                            "title": e["title"],
                            "starts_at": timezone.localtime(e["starts_at"]),
                            "path": reverse("events:detail", args=[e["id"]]),
                        }
                        for e in upcoming[:10]
                    ],
                    "events_count": len(upcoming),
                },
            )
        )
    return reminders


def partner_commitments(today: date) -> list[Reminder]:
    """The representatives of a partner organisation (and the directors of a member school) of
    the items of *other* schools' roadmaps where their organisation is responsible or
    co-responsible: a week before the due date and once it is overdue (the due date is part of
    the once-only key, so a moved deadline is reminded again). Three queries."""
    rows = list(
        RoadmapItem.objects.filter(due_date__lte=today + timedelta(days=DUE_SOON_DAYS))
        .exclude(status__in=CLOSED_ITEM_STATUSES)
        .filter(
            Q(responsible_organisation__isnull=False) | Q(co_responsible_organisation__isnull=False)
        )
        .values(
            "id",
            "task",
            "due_date",
            "roadmap_id",
            "roadmap__title",
            "roadmap__organisation_id",
            "roadmap__organisation__short_name",
            "responsible_organisation_id",
            "co_responsible_organisation_id",
        )
    )
    orgs = {
        org
        for row in rows
        for org in (row["responsible_organisation_id"], row["co_responsible_organisation_id"])
        if org is not None and org != row["roadmap__organisation_id"]
    }
    people = defaultdict(list)
    for user_id, org_id in RoleAssignment.objects.filter(
        role__in=(Role.PARTNER, Role.DIRECTOR), organisation_id__in=orgs, user__is_active=True
    ).values_list("user_id", "organisation_id"):
        people[org_id].append(user_id)
    reminders = []
    for row in rows:
        context = _item_context(row, today) | {
            "overdue": row["due_date"] < today,
            "path": reverse("roadmaps:detail", args=[row["roadmap_id"]]) + f"#item-{row['id']}",
        }
        recipients = [
            user_id
            for org in (row["responsible_organisation_id"], row["co_responsible_organisation_id"])
            if org is not None and org != row["roadmap__organisation_id"]
            for user_id in people.get(org, [])
        ]
        # due soon and overdue are two reminders of the same item
        key = f"item:{row['id']}" + (":overdue" if context["overdue"] else "")
        for user_id in dict.fromkeys(recipients):
            reminders.append(Reminder("partner_commitment", user_id, key, row["due_date"], context))
    return reminders


KINDS = (
    ReminderKind(
        "roadmap_due_soon",
        _("Roadmap items due soon"),
        _("Items you are responsible for, due within a week."),
        roadmap_due_soon,
        "reminder_roadmap_due_soon",
        10,
    ),
    ReminderKind(
        "roadmap_overdue",
        _("Overdue roadmap items"),
        _("Items you are responsible for that are past their due date."),
        roadmap_overdue,
        "reminder_roadmap_overdue",
        20,
    ),
    ReminderKind(
        "roadmap_escalation",
        _("Long-overdue items of my schools"),
        _("For curators after two weeks, for methodologists after a month."),
        roadmap_escalation,
        "reminder_roadmap_escalation",
        30,
    ),
    ReminderKind(
        "event_tomorrow",
        _("Events tomorrow"),
        _("Network events you registered for, the day before."),
        events_tomorrow,
        "reminder_event_tomorrow",
        40,
    ),
    ReminderKind(
        "agreement_expiring",
        _("Agreements expiring"),
        _("Signed agreements of your partnerships that expire within 30 days."),
        agreements_expiring,
        "reminder_agreement_expiring",
        50,
    ),
    ReminderKind(
        "cycle_closing",
        _("Diagnostics closing"),
        _("A diagnostics cycle closes within a week and the self-diagnosis is not submitted."),
        cycles_closing,
        "reminder_cycle_closing",
        60,
    ),
    ReminderKind(
        "weekly_digest",
        _("Weekly digest"),
        _("For methodologists and curators: overdue items, deadlines and events of the week."),
        weekly_digest,
        "reminder_weekly_digest",
        70,
    ),
    ReminderKind(
        "partner_commitment",
        _("Commitments in partner schools' roadmaps"),
        _(
            "Items of other schools' roadmaps where your organisation is responsible or "
            "co-responsible: a week before the due date and when it is overdue."
        ),
        partner_commitments,
        "reminder_partner_commitment",
        15,
    ),
)


def register_reminders() -> None:
    for kind in KINDS:
        register_reminder(kind)
