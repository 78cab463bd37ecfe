"""Reminder selectors (DOMAIN.md «Reminders»): who is reminded of what, and when.

Each selector returns :class:`Reminder` tuples (recipient, object key, due date, context) in a
fixed number of queries whatever the size of the region — values() rows joined in Python, no
query per item. ``network_portal.notifications.services.reminders_send`` sends them once.

Escalation of an overdue roadmap item: the responsible person is reminded when it becomes
overdue; after ``ESCALATE_TO_CURATOR_DAYS`` its school's curators, after
``ESCALATE_TO_METHODOLOGIST_DAYS`` the municipality's methodologists.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import connection
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from diagnostics.models import Cycle, CycleStatus, RiskProfile
from events.models import Event, EventStatus, Registration, RegistrationStatus
from network_portal.accounts.models import Role, RoleAssignment
from network_portal.notifications.models import Notification, NotificationStatus
from network_portal.notifications.registry import Reminder, ReminderKind, register_reminder
from network_portal.notifications.services import MAX_ATTEMPTS, notification_finished
from network_portal.notifications.watermark import reminders_since
from partnerships.models import Agreement, AgreementStatus, PartnershipMember
from roadmaps.models import CLOSED_ITEM_STATUSES, ItemStatus, Roadmap, RoadmapItem

DUE_SOON_DAYS = getattr(settings, "REMINDER_DUE_SOON_DAYS", 7)
ESCALATE_TO_CURATOR_DAYS = getattr(settings, "REMINDER_ESCALATE_TO_CURATOR_DAYS", 14)
ESCALATE_TO_METHODOLOGIST_DAYS = getattr(settings, "REMINDER_ESCALATE_TO_METHODOLOGIST_DAYS", 30)
AGREEMENT_DAYS = 30
CYCLE_DAYS = 7


#: What a reminder prints about an item: {alias: path from the item}.
_ITEM = {
    "item_id": "id",
    "item_task": "task",
    "item_due": "due_date",
    "roadmap_pk": "roadmap_id",
    "roadmap_title": "roadmap__title",
    "school_id": "roadmap__organisation_id",
    "school_name": "roadmap__organisation__short_name",
    "mun_id": "roadmap__organisation__municipality_id",
}
_OPEN = [s for s in ItemStatus.values if s not in CLOSED_ITEM_STATUSES]


def _item_rows(*conditions, **filters) -> list[dict]:
    """Open items (the digest's), their fields under the ``_ITEM`` aliases, unordered."""
    return list(
        RoadmapItem.objects.filter(*conditions, status__in=_OPEN, **filters)
        .order_by()
        .values(**{alias: F(path) for alias, path in _ITEM.items()})
    )


def _item_key(pk) -> Concat:
    """``item:<pk>`` in SQL, the object key of an item's reminders."""
    return Concat(Value("item:"), Cast(pk, output_field=CharField()))


_CHANGED_SQL = """
SELECT id FROM {item} WHERE updated_at >= %s
UNION
SELECT CASE WHEN object_key LIKE 'item:%%' AND LENGTH(object_key) > 5
    AND LTRIM(SUBSTR(object_key, 6), '0123456789') = ''
    THEN CAST(SUBSTR(object_key, 6) AS INTEGER) END
FROM {notification}
WHERE kind = %s AND status IN (%s, %s, %s) AND attempts < %s
"""  # a key other than «item:<digits>» (none is written) gives NULL, never a failed cast
_BAND_SQL = """
UNION
SELECT id FROM {item} WHERE status IN ({statuses}) AND due_date >= %s AND due_date < %s
"""


def _changed(kind: str, today: date, *window_ends: int) -> tuple[str, list] | None:
    """The ids of the items that may have a new pair for ``kind`` since its last run (SQL and
    params; ``None`` for a full sweep): items created or saved since, items whose reminder is
    not finished (to retry), and — on a new day — the items that entered the kind's window
    (``due_date < today + end`` for each of ``window_ends``) since the last run's day. See
    ``notifications/watermark.py``."""
    since = reminders_since(kind, today)
    if since is None:
        return None
    table = RoadmapItem._meta.db_table
    sql = _CHANGED_SQL.format(item=table, notification=Notification._meta.db_table)
    statuses = [NotificationStatus.PENDING, NotificationStatus.SENDING, NotificationStatus.FAILED]
    params = [since.moment, kind, *statuses, MAX_ATTEMPTS]
    if since.day < today:
        for end in window_ends:
            sql += _BAND_SQL.format(item=table, statuses=", ".join(["%s"] * len(_OPEN)))
            params += [*_OPEN, since.day + timedelta(days=end), today + timedelta(days=end)]
    return sql, params


def _named_rows(kind: str, changed=None, **filters) -> list[dict]:
    """Open items with a responsible person (active) who has not had this reminder of them:
    the rows with ``recipient``. One query; the ``NOT EXISTS`` is a top-level anti-join."""
    items = RoadmapItem.objects.all()
    if changed is not None:
        items = items.filter(pk__in=RawSQL(*changed))  # noqa: S611 (table names, params)
    return list(
        items.filter(status__in=_OPEN, responsible_user__is_active=True, **filters)
        .filter(
            ~notification_finished(
                kind=kind,
                recipient=OuterRef("responsible_user_id"),
                object_key=_item_key(OuterRef("pk")),
                due_date=OuterRef("due_date"),
            )
        )
        .order_by()
        .values(recipient=F("responsible_user_id"), **{a: F(p) for a, p in _ITEM.items()})
    )


_ROLE_PAIRS_SQL = """
SELECT ra.user_id, i.id, i.task, i.due_date, r.id, r.title, o.id, o.short_name, o.municipality_id
FROM {role_assignment} ra
JOIN {user} u ON u.id = ra.user_id
JOIN {organisation} o ON {scope}
JOIN {roadmap} r ON r.organisation_id = o.id
JOIN {item} i ON i.roadmap_id = r.id
WHERE ra.role = %s AND u.is_active AND i.status IN ({statuses}) AND {where}
  AND NOT EXISTS (
    SELECT 1 FROM {notification} n
    WHERE n.kind = %s AND n.recipient_id = ra.user_id AND n.due_date = i.due_date
      AND n.object_key = 'item:' || CAST(i.id AS VARCHAR(20))
      AND (n.status = %s OR n.attempts >= %s))
"""


def _role_rows(
    kind: str, role: str, *, municipality: bool = False, where: str, params, changed=None
) -> list:
    """(open item, active person of ``role`` in its school — or municipality) pairs this
    reminder has not yet been sent for, flat in one query: the pairs already reminded are
    dropped by a top-level anti-join over the notifications' unique key, never read.

    Plain SQL because the ORM cannot join the role assignments to the items *and* correlate the
    ``NOT EXISTS`` with that same join (an ``OuterRef`` across a multi-valued relation opens a
    second join). ``where`` is a condition on the item ``i`` (``%s`` placeholders); ``changed``
    the ids of the items to read (``_changed``), or ``None`` for all of them."""
    if changed is not None:
        where, params = f"{where} AND i.id IN ({changed[0]})", [*params, *changed[1]]
    sql = _ROLE_PAIRS_SQL.format(
        role_assignment=RoleAssignment._meta.db_table,
        user=RoleAssignment._meta.get_field("user").related_model._meta.db_table,
        organisation=RoleAssignment._meta.get_field("organisation").related_model._meta.db_table,
        roadmap=Roadmap._meta.db_table,
        item=RoadmapItem._meta.db_table,
        notification=Notification._meta.db_table,
        scope="o.municipality_id = ra.municipality_id"
        if municipality
        else "o.id = ra.organisation_id",
        statuses=", ".join(["%s"] * len(_OPEN)),
        where=where,
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [role, *_OPEN, *params, kind, NotificationStatus.SENT, MAX_ATTEMPTS],
        )
        return [dict(zip(_ROW, row, strict=True)) for row in cursor.fetchall()]


_ROW = ("recipient", *_ITEM)


def _people(role: str, field: str = "organisation_id", **filters) -> dict[int, list[int]]:
    """{organisation (or municipality) id: [user ids]} of a role, in one query."""
    people = defaultdict(list)
    for user_id, key in RoleAssignment.objects.filter(
        role=role, user__is_active=True, **filters
    ).values_list("user_id", field):
        if key is not None:
            people[key].append(user_id)
    return people


def _roadmap_path() -> str:
    """The roadmap page's address as a format string: ``reverse`` once per run instead of once
    per item (~30 µs each, 125,000 items at 20,000 schools)."""
    marker = 2_147_483_647
    return reverse("roadmaps:detail", args=[marker]).replace(str(marker), "{}")


def _item_context(row: dict, today: date, roadmap_path: str) -> dict:
    return {
        "task": row["item_task"],
        "school": row["school_name"],
        "roadmap": row["roadmap_title"],
        "path": roadmap_path.format(row["roadmap_pk"]),
        "days_overdue": max(0, (today - row["item_due"]).days),
        "days_left": max(0, (row["item_due"] - today).days),
    }


def _reminders(kind: str, rows: Iterable[dict], today: date) -> list[Reminder]:
    roadmap_path = _roadmap_path()
    return [
        Reminder(
            kind,
            row["recipient"],
            f"item:{row['item_id']}",
            row["item_due"],
            _item_context(row, today, roadmap_path),
        )
        for row in rows
    ]


def _responsible_rows(
    kind: str, today: date, window_end: int, *, where: str, params: list, **filters
) -> list[dict]:
    """The responsible person, or the school's directors when nobody is named: two queries
    (``filters`` and ``where`` + ``params`` say the same of the item, in the ORM and in SQL)."""
    changed = _changed(kind, today, window_end)
    return _named_rows(kind, changed, **filters) + _role_rows(
        kind,
        Role.DIRECTOR,
        where=f"i.responsible_user_id IS NULL AND {where}",
        params=params,
        changed=changed,
    )


def roadmap_due_soon(today: date) -> list[Reminder]:
    kind = "roadmap_due_soon"
    end = today + timedelta(days=DUE_SOON_DAYS)
    rows = _responsible_rows(
        kind,
        today,
        DUE_SOON_DAYS + 1,  # due_date <= today + 7
        due_date__gte=today,
        due_date__lte=end,
        where="i.due_date >= %s AND i.due_date <= %s",
        params=[today, end],
    )
    return _reminders(kind, rows, today)


def roadmap_overdue(today: date) -> list[Reminder]:
    kind = "roadmap_overdue"
    rows = _responsible_rows(
        kind, today, 0, due_date__lt=today, where="i.due_date < %s", params=[today]
    )
    return _reminders(kind, rows, today)


def roadmap_escalation(today: date) -> list[Reminder]:
    """The school's curators after two weeks overdue, also the municipality's methodologists
    after a month: two queries of the pairs still due."""
    kind = "roadmap_escalation"
    curators = today - timedelta(days=ESCALATE_TO_CURATOR_DAYS)
    methodologists = today - timedelta(days=ESCALATE_TO_METHODOLOGIST_DAYS)
    changed = _changed(
        kind, today, 1 - ESCALATE_TO_CURATOR_DAYS, 1 - ESCALATE_TO_METHODOLOGIST_DAYS
    )
    rows = _role_rows(
        kind, Role.CURATOR, where="i.due_date <= %s", params=[curators], changed=changed
    ) + _role_rows(
        kind,
        Role.METHODOLOGIST,
        municipality=True,
        where="i.due_date <= %s",
        params=[methodologists],
        changed=changed,
    )
    # a person who is both the school's curator and its methodologist: one reminder
    unique = {(r["recipient"], r["item_id"]): r for r in rows}
    return _reminders(kind, unique.values(), today)


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
    sent; the key is the Monday, so it goes out once a week.

    Four queries whatever the size of the region: the people whose digest of this week is
    still due (none: nothing else is read), the open items of their schools counted per school
    in the database, the items due this week with their names, the week's events. Each
    person's digest is then added up from their schools' rows only (a curator's few schools, a
    methodologist's municipality), never by scanning the region's items for each person.
    """
    kind = "weekly_digest"
    monday = today - timedelta(days=today.weekday())
    week_end = today + timedelta(days=7)
    pending = RoleAssignment.objects.filter(
        Q(role=Role.CURATOR, organisation__isnull=False)
        | Q(role=Role.METHODOLOGIST, municipality__isnull=False),
        ~notification_finished(
            kind=kind, recipient=OuterRef("user_id"), object_key="digest", due_date=monday
        ),
        user__is_active=True,
    ).values_list("user_id", "organisation_id", "organisation__municipality_id", "municipality_id")
    schools: dict[int, set[int]] = defaultdict(set)  # user → schools (curators)
    muns: dict[int, set[int]] = defaultdict(set)  # user → municipalities (methodologists)
    event_muns: dict[int, set[int]] = defaultdict(set)
    for user_id, org_id, org_mun_id, mun_id in pending:
        if org_id is not None:
            schools[user_id].add(org_id)
            event_muns[user_id].add(org_mun_id)
        else:
            muns[user_id].add(mun_id)
            event_muns[user_id].add(mun_id)
    if not event_muns:
        return []
    all_schools = set().union(*schools.values())
    all_muns = set().union(*muns.values())
    in_scope = Q(roadmap__organisation_id__in=all_schools) | Q(
        roadmap__organisation__municipality_id__in=all_muns
    )
    open_items = RoadmapItem.objects.filter(in_scope, status__in=_OPEN)
    # per school: overdue and due-this-week counts, grouped in the database
    per_school = (
        open_items.filter(due_date__lte=week_end)
        .order_by()
        .values(
            "roadmap__organisation_id",
            "roadmap__organisation__short_name",
            "roadmap__organisation__municipality_id",
        )
        .annotate(
            overdue=Count("pk", filter=Q(due_date__lt=today)),
            due=Count("pk", filter=Q(due_date__gte=today)),
        )
    )
    counts: dict[int, tuple[str, int, int]] = {}
    schools_of_mun: dict[int, list[int]] = defaultdict(list)
    for row in per_school:
        org_id = row["roadmap__organisation_id"]
        counts[org_id] = (row["roadmap__organisation__short_name"], row["overdue"], row["due"])
        schools_of_mun[row["roadmap__organisation__municipality_id"]].append(org_id)
    # the items due this week, ten per school at most are ever printed
    due_of_school: dict[int, list[dict]] = defaultdict(list)
    for row in _item_rows(in_scope, due_date__gte=today, due_date__lte=week_end):
        due_of_school[row["school_id"]].append(row)
    start, _ = _local_day_bounds(today)
    events_of_mun: dict[int, list[dict]] = defaultdict(list)
    for event in (
        Event.objects.filter(
            status=EventStatus.PUBLISHED,
            municipality_id__in=set().union(*event_muns.values()),
            starts_at__gte=start,
            starts_at__lt=start + timedelta(days=8),
        )
        .order_by("starts_at", "pk")
        .values("id", "title", "starts_at", "municipality_id")
    ):
        events_of_mun[event["municipality_id"]].append(event)
    reminders = []
    roadmap_path = _roadmap_path()
    for user_id, user_muns in event_muns.items():
        orgs = set(schools.get(user_id, ())).union(
            *(schools_of_mun.get(m, ()) for m in muns.get(user_id, ()))
        )
        mine = [counts[o] for o in orgs if o in counts]
        overdue_count = sum(n for _, n, _ in mine)
        due_count = sum(n for _, _, n in mine)
        upcoming = sorted(
            (e for m in user_muns for e in events_of_mun.get(m, ())),
            key=lambda e: (e["starts_at"], e["id"]),
        )
        if not (overdue_count or due_count or upcoming):
            continue
        due = heapq.nsmallest(
            10,
            (i for o in orgs for i in due_of_school.get(o, ())),
            key=lambda i: (i["item_due"], i["item_id"]),
        )
        reminders.append(
            Reminder(
                kind,
                user_id,
                "digest",
                monday,
                {
                    "overdue_count": overdue_count,
                    "overdue_by_school": sorted(
                        ((name, n) for name, n, _ in mine if n), key=lambda kv: (-kv[1], kv[0])
                    )[:10],
                    "due": [
                        _item_context(i, today, roadmap_path) | {"due_date": i["item_due"]}
                        for i in due
                    ],
                    "due_count": due_count,
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
            "responsible_organisation_id",
            "co_responsible_organisation_id",
            **{alias: F(path) for alias, path in _ITEM.items()},
        )
    )
    orgs = {
        org
        for row in rows
        for org in (row["responsible_organisation_id"], row["co_responsible_organisation_id"])
        if org is not None and org != row["school_id"]
    }
    people = defaultdict(list)
    for user_id, org_id in RoleAssignment.objects.filter(
        role__in=(Role.PARTNER, Role.DIRECTOR), organisation_id__in=orgs, user__is_active=True
    ).values_list("user_id", "organisation_id"):
        people[org_id].append(user_id)
    reminders = []
    roadmap_path = _roadmap_path()
    for row in rows:
        context = _item_context(row, today, roadmap_path) | {
            "overdue": row["item_due"] < today,
            "path": roadmap_path.format(row["roadmap_pk"])
            + f"?item={row['item_id']}#item-{row['item_id']}",
        }
        recipients = [
            user_id
            for org in (row["responsible_organisation_id"], row["co_responsible_organisation_id"])
            if org is not None and org != row["school_id"]
            for user_id in people.get(org, [])
        ]
        # due soon and overdue are two reminders of the same item
        key = f"item:{row['item_id']}" + (":overdue" if context["overdue"] else "")
        for user_id in dict.fromkeys(recipients):
            reminders.append(Reminder("partner_commitment", user_id, key, row["item_due"], context))
    return reminders


def _display_items(items: list[dict]) -> None:
    """``ReminderKind.display`` of the item kinds: the due date as printed and the link, once per
    item for the text and the HTML part."""
    site_url = settings.SITE_URL
    for item in items:
        item["due_text"] = f"{item['due_date']:%d.%m.%Y}"  # the ``date`` filter's d.m.Y
        item["url"] = site_url + item["path"]


def _display_days(items: list[dict], days: str, phrase: Callable[[int], str]) -> None:
    """:func:`_display_items` and each item's number of ``days`` as a phrase (one ``ngettext``
    per number of days in the letter, not a ``{% blocktranslate count %}`` per item)."""
    _display_items(items)
    phrases: dict[int, str] = {}
    for item in items:
        d = item[days]
        if d not in phrases:
            phrases[d] = phrase(d)
        item["days_text"] = phrases[d]


def _display_overdue(items: list[dict]) -> None:
    """How long each item is overdue."""
    _display_days(
        items,
        "days_overdue",
        lambda d: ngettext("%(d)s day overdue", "%(d)s days overdue", d) % {"d": d},
    )


def _display_left(items: list[dict]) -> None:
    """How many days each item has left."""
    _display_days(
        items, "days_left", lambda d: ngettext("%(d)s day left", "%(d)s days left", d) % {"d": d}
    )


KINDS = (
    ReminderKind(
        "roadmap_due_soon",
        _("Roadmap items due soon"),
        _("Items you are responsible for, due within a week."),
        roadmap_due_soon,
        "reminder_roadmap_due_soon",
        10,
        _display_left,
    ),
    ReminderKind(
        "roadmap_overdue",
        _("Overdue roadmap items"),
        _("Items you are responsible for that are past their due date."),
        roadmap_overdue,
        "reminder_roadmap_overdue",
        20,
        _display_overdue,
    ),
    ReminderKind(
        "roadmap_escalation",
        _("Long-overdue items of my schools"),
        _("For curators after two weeks, for methodologists after a month."),
        roadmap_escalation,
        "reminder_roadmap_escalation",
        30,
        _display_overdue,
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
        _display_items,
    ),
)


def register_reminders() -> None:
    for kind in KINDS:
        register_reminder(kind)
