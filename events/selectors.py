"""Reads of network events. Every query starts from the access policy's scope.

Who sees what (issue 8): the events of a municipality are visible to everyone working there
(methodologists, curators, directors, teachers, partners) and to the region's coordinator;
drafts only to the organiser's side — the municipality's methodologists and the directors of
the organiser — who are also the only ones who edit. Public pages see published events only.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Count,
    IntegerField,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import Coalesce
from django.utils import timezone

from diagnostics.selectors import teacher_needs_for_municipality
from network_portal.access.policy import Scope, scope_for
from network_portal.accounts.models import Role, RoleAssignment, User
from partnerships.models import Partnership
from partnerships.selectors import partnership_list_for_user
from roadmaps.models import RoadmapItem
from roadmaps.selectors import roadmap_items_for_user
from schools.models import Organisation

from . import rules
from .models import (
    AUDIENCE_FIELDS,
    CalendarToken,
    Event,
    EventStatus,
    Registration,
    RegistrationStatus,
)

ACTIVE = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED)
PUBLIC_STATUSES = (EventStatus.PUBLISHED, EventStatus.HELD)
#: How far back the public calendar feed reaches.
FEED_PAST = timedelta(days=365)


def _visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = Q(pk__in=[])
    if scope.region_ids:
        q |= Q(municipality__region_id__in=scope.region_ids)
    if scope.municipality_ids:
        q |= Q(municipality_id__in=scope.municipality_ids)
    organisation_ids = scope.organisation_ids()
    if organisation_ids:
        q |= Q(
            municipality_id__in=Organisation.objects.filter(pk__in=organisation_ids).values(
                "municipality_id"
            )
        )
    return q


def _editable_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = Q(pk__in=[])
    if scope.municipality_ids:
        q |= Q(municipality_id__in=scope.municipality_ids)
    directed = scope.organisation_ids(Role.DIRECTOR)
    if directed:
        q |= Q(organiser_id__in=directed)
    return q


def _count_of(status: str) -> Subquery:
    return Subquery(
        Registration.objects.filter(event_id=OuterRef("pk"), status=status)
        .order_by()
        .values("event_id")
        .annotate(n=Count("pk"))
        .values("n"),
        output_field=IntegerField(),
    )


def with_counts(queryset: QuerySet[Event]) -> QuerySet[Event]:
    """Places taken and waiting, as correlated subqueries: computed only for the rows shown
    (a page of 20), not grouped over every event of the municipality."""
    return queryset.annotate(
        registered_count=Coalesce(_count_of(RegistrationStatus.REGISTERED), 0),
        waiting_count=Coalesce(_count_of(RegistrationStatus.WAITLISTED), 0),
    )


def event_list_for_user(*, user: Any) -> QuerySet[Event]:
    """Events the user may open: their territory's, drafts only on the organiser's side."""
    scope = scope_for(user)
    return Event.objects.filter(_visible_q(scope)).filter(
        ~Q(status=EventStatus.DRAFT) | _editable_q(scope)
    )


def event_edit_list_for_user(*, user: Any) -> QuerySet[Event]:
    """Events the user edits: the organiser's side (the municipality's methodologists, the
    organiser's directors)."""
    return Event.objects.filter(_editable_q(scope_for(user)))


@dataclass(frozen=True)
class EventPermissions:
    """What a user may do with one visible event (the module docstring has the rules)."""

    can_edit: bool = False  # the organiser's side: edit, publish, registrations, report
    can_register_group: bool = False  # the territory's methodologist, a director there


def _editable_allows(scope: Scope, event: Event) -> bool:
    """:func:`_editable_q` asked of one event already in memory, without a query (kept in
    step with it by ``tests/events/test_permissions.py``)."""
    return (
        scope.is_admin
        or event.municipality_id in scope.municipality_ids
        or event.organiser_id in scope.organisation_ids(Role.DIRECTOR)
    )


def event_permissions(*, user: Any, event: Event) -> EventPermissions:
    """The edit right is the draft-visibility rule (``_editable_q``) asked of one event; a
    group is registered by the event's municipality's methodologists and the directors of a
    school there. Read from the user's scope and the event's columns: no query."""
    scope = scope_for(user)
    if scope.is_admin:
        return EventPermissions(can_edit=True, can_register_group=True)
    return EventPermissions(
        can_edit=_editable_allows(scope, event),
        can_register_group=event.municipality_id in scope.municipality_ids
        or event.municipality_id in scope.organisation_municipality_ids(Role.DIRECTOR),
    )


def event_can_create(*, user: Any) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.municipality_ids or scope.organisation_ids(Role.DIRECTOR))


def organiser_choices_for_user(*, user: Any) -> QuerySet[Organisation]:
    """Methodologists organise for any organisation of their municipality, directors for their
    own school only."""
    scope = scope_for(user)
    if scope.is_admin:
        return Organisation.objects.all()
    return Organisation.objects.filter(
        Q(municipality_id__in=scope.municipality_ids)
        | Q(pk__in=scope.organisation_ids(Role.DIRECTOR))
    )


def event_form_choices(*, user: Any, event: Event | None = None) -> dict[str, QuerySet]:
    """What the event form offers: the organisers the user may name, and the partnerships and
    roadmap items the user may see (the partnerships' and roadmaps' own scoping: a director
    sees her school's, a methodologist her municipality's) within those organisers'
    municipalities. An edited event keeps the links it already has, so an edit by a director
    does not drop a partnership the methodologist chose."""
    organisers = organiser_choices_for_user(user=user)
    municipality_ids = organisers.values("municipality_id")
    partnership_q = Q(
        pk__in=partnership_list_for_user(user=user)
        .filter(municipality_id__in=municipality_ids)
        .values("pk")
    )
    item_q = Q(
        pk__in=roadmap_items_for_user(user=user)
        .filter(roadmap__organisation__municipality_id__in=municipality_ids)
        .values("pk")
    )
    if event is not None and event.pk:
        if event.partnership_id:
            partnership_q |= Q(pk=event.partnership_id)
        item_q |= Q(pk__in=event.roadmap_items.values("pk"))
    return {
        "organisers": organisers,
        "partnerships": Partnership.objects.filter(partnership_q),
        "roadmap_items": RoadmapItem.objects.filter(item_q),
    }


def event_overview_for_user(
    *, user: Any, event_type: str = "", audience: str = "", upcoming: bool = True
) -> QuerySet[Event]:
    """The «Мероприятия» list: upcoming (or past) events the user may see, with counts."""
    now = timezone.now()
    queryset = event_list_for_user(user=user)
    if upcoming:
        queryset = queryset.filter(ends_at__gte=now).order_by("starts_at", "pk")
    else:
        queryset = queryset.filter(ends_at__lt=now).order_by("-starts_at", "-pk")
    if event_type:
        queryset = queryset.filter(event_type__code=event_type)
    if audience in AUDIENCE_FIELDS:
        queryset = queryset.filter(**{AUDIENCE_FIELDS[audience]: True})
    return with_counts(queryset.select_related("event_type", "organiser", "municipality"))


def registrations_of_user(*, user: Any) -> QuerySet[Registration]:
    """«Мои записи»: upcoming registrations and waiting places, then attended past events."""
    now = timezone.now()
    return (
        Registration.objects.filter(user=user)
        .filter(
            Q(status__in=ACTIVE, event__ends_at__gte=now) | Q(attended=True, event__ends_at__lt=now)
        )
        .exclude(event__status=EventStatus.DRAFT)
        .select_related("event", "event__event_type", "event__organiser")
        .order_by("-event__starts_at")
    )


def registration_of(*, event: Event, user: Any) -> Registration | None:
    return Registration.objects.filter(event=event, user=user).first()


def waiting_position(*, registration: Registration) -> int | None:
    if registration.status != RegistrationStatus.WAITLISTED:
        return None
    return (
        Registration.objects.filter(
            event_id=registration.event_id,
            status=RegistrationStatus.WAITLISTED,
            queued_at__lt=registration.queued_at,
        ).count()
        + 1
    )


def event_registrations(*, event: Event) -> QuerySet[Registration]:
    """The organiser's list: registered first, then the waiting list in its order."""
    return (
        Registration.objects.filter(event=event, status__in=ACTIVE)
        .select_related("user")
        .order_by("-status", "queued_at", "pk")
    )


def attendees_with_organisations(*, event: Event, pk: int | None = None) -> list[Registration]:
    """Registered people with the name of their organisation, for the sign-in sheet and the
    check-in list (``pk``: the one row the check-in button swaps)."""
    queryset = Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED)
    if pk is not None:
        queryset = queryset.filter(pk=pk)
    registrations = list(
        queryset.select_related("user").order_by("user__last_name", "user__first_name", "pk")
    )
    names: dict[int, str] = {}
    for user_id, name in RoleAssignment.objects.filter(
        user_id__in=[r.user_id for r in registrations], organisation__isnull=False
    ).values_list("user_id", "organisation__short_name"):
        names.setdefault(user_id, name)
    for registration in registrations:
        registration.organisation_name = names.get(registration.user_id, "")
    return registrations


def teachers_for_group_registration(*, user: Any, event: Event) -> QuerySet[User]:
    """Teachers a director (of their school) or a methodologist (of the event's municipality)
    may register at once."""
    scope = scope_for(user)
    organisations = Organisation.objects.filter(municipality_id=event.municipality_id)
    if not scope.is_admin and event.municipality_id not in scope.municipality_ids:
        organisations = organisations.filter(pk__in=scope.organisation_ids(Role.DIRECTOR))
    return (
        User.objects.filter(
            is_active=True,
            role_assignments__role=Role.TEACHER,
            role_assignments__organisation__in=organisations,
        )
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )


# --- Public pages and feeds -------------------------------------------------------------


def public_event_list(
    *,
    municipality_id: int,
    event_type: str = "",
    audience: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[Event]:
    """Published events of a municipality for the announcements page (no personal data)."""
    queryset = Event.objects.filter(municipality_id=municipality_id, status=EventStatus.PUBLISHED)
    if event_type:
        queryset = queryset.filter(event_type__code=event_type)
    if audience in AUDIENCE_FIELDS:
        queryset = queryset.filter(**{AUDIENCE_FIELDS[audience]: True})
    if date_from:
        queryset = queryset.filter(ends_at__date__gte=date_from)
    if date_to:
        queryset = queryset.filter(starts_at__date__lte=date_to)
    return with_counts(queryset.select_related("event_type", "organiser")).order_by(
        "starts_at", "pk"
    )


def public_event(*, pk: int) -> Event | None:
    return (
        with_counts(Event.objects.filter(status__in=PUBLIC_STATUSES))
        .select_related("event_type", "organiser", "municipality")
        .filter(pk=pk)
        .first()
    )


def feed_since(*, today: date | None = None) -> datetime:
    """The start of the feeds' window: local midnight a year ago. Aligned to a day, so a feed
    changes only with its rows or at midnight, never between two requests by itself."""
    today = today or timezone.localdate()
    return timezone.make_aware(datetime.combine(today - FEED_PAST, datetime.min.time()))


def public_feed_events(*, municipality_id: int) -> QuerySet[Event]:
    return (
        Event.objects.filter(
            municipality_id=municipality_id,
            status__in=PUBLIC_STATUSES,
            ends_at__gte=feed_since(),
        )
        .select_related("event_type", "organiser")
        .order_by("starts_at", "pk")
    )


def personal_feed_registrations(*, user_id: int) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(
            user_id=user_id,
            status__in=ACTIVE,
            event__ends_at__gte=feed_since(),
        )
        .exclude(event__status=EventStatus.DRAFT)
        .select_related("event", "event__event_type", "event__organiser")
        .order_by("event__starts_at", "pk")
    )


def feed_last_modified(
    *, changes: list[datetime | None], left_window: datetime | None
) -> datetime | None:
    """The last moment a feed changed: the newest change of a row that is or was in it, or
    the midnight at which the newest event that aged out of the window left it."""
    moments = [m for m in changes if m]
    if left_window is not None:
        day = timezone.localdate(left_window + FEED_PAST) + timedelta(days=1)
        moments.append(timezone.make_aware(datetime.combine(day, datetime.min.time())))
    return max(moments) if moments else None


def _fingerprint(count: int, last: datetime | None) -> tuple[str, datetime | None]:
    day = timezone.localdate().isoformat()  # also refreshes renamed organisers and types daily
    raw = f"{count}:{last.isoformat() if last else '-'}:{day}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32], last


def public_feed_fingerprint(*, municipality_id: int) -> tuple[str, datetime | None]:
    """ETag and Last-Modified of the municipality feed in one aggregate query.

    The rows counted are the feed's; the last change is taken over every event that is *or
    was* in it — a cancelled event leaves the feed, but its ``updated_at`` moved when it
    was cancelled, so a client asking with only If-Modified-Since gets the new feed, not a
    304 (drafts never were in it). An event that aged out of the window moves it too.
    """
    since = feed_since()
    stats = Event.objects.filter(municipality_id=municipality_id).aggregate(
        n=Count("pk", filter=Q(status__in=PUBLIC_STATUSES, ends_at__gte=since)),
        # not limited to the window: an edit that moves an event out of it changes the feed
        changed=Max("updated_at", filter=~Q(status=EventStatus.DRAFT)),
        left=Max("ends_at", filter=Q(status__in=PUBLIC_STATUSES, ends_at__lt=since)),
    )
    last = feed_last_modified(changes=[stats["changed"]], left_window=stats["left"])
    return _fingerprint(stats["n"], last)


def personal_feed_fingerprint(*, user_id: int) -> tuple[str, datetime | None]:
    """The same for a personal feed: a cancelled registration leaves the feed, but its
    ``updated_at`` moved, so every registration of the person counts for the last change,
    and only the active ones for the number of rows."""
    since = feed_since()
    published = ~Q(event__status=EventStatus.DRAFT)
    stats = Registration.objects.filter(user_id=user_id).aggregate(
        n=Count("pk", filter=published & Q(status__in=ACTIVE, event__ends_at__gte=since)),
        changed=Max("updated_at"),
        event_changed=Max("event__updated_at", filter=published),
        left=Max(
            "event__ends_at", filter=published & Q(status__in=ACTIVE, event__ends_at__lt=since)
        ),
    )
    last = feed_last_modified(
        changes=[stats["changed"], stats["event_changed"]], left_window=stats["left"]
    )
    return _fingerprint(stats["n"], last)


def calendar_token_user_id(*, key: str) -> int | None:
    return CalendarToken.objects.filter(key=key).values_list("user_id", flat=True).first()


# --- Planning ---------------------------------------------------------------------------


def month_events(*, user: Any, municipality_id: int, first: date, last: date) -> list[Event]:
    start = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    end = timezone.make_aware(datetime.combine(last + timedelta(days=1), datetime.min.time()))
    return list(
        event_list_for_user(user=user)
        .filter(municipality_id=municipality_id, starts_at__lt=end, ends_at__gte=start)
        .exclude(status=EventStatus.CANCELLED)
        .select_related("event_type", "organiser")
        .order_by("starts_at", "pk")
    )


def planning_month(*, user: Any, municipality: Any, year: int, month: int) -> dict[str, Any]:
    """The month grid (weeks of (day, events)), neighbours, and the uncovered teachers' needs."""
    weeks = rules.month_weeks(year=year, month=month)
    events = month_events(
        user=user, municipality_id=municipality.pk, first=weeks[0][0], last=weeks[-1][-1]
    )
    survey = teacher_needs_survey(municipality=municipality)
    gaps = rules.needs_not_addressed(
        needs=survey, addressed=planned_needs(municipality_id=municipality.pk)
    )

    def on(event: Event, day: date) -> bool:
        return timezone.localdate(event.starts_at) <= day <= timezone.localdate(event.ends_at)

    return {
        "municipality": municipality,
        "month_start": date(year, month, 1),
        "weeks": [[(day, [e for e in events if on(e, day)]) for day in week] for week in weeks],
        "prev": rules.month_param(*rules.month_shift(year=year, month=month, delta=-1)),
        "next": rules.month_param(*rules.month_shift(year=year, month=month, delta=1)),
        "today": timezone.localdate(),
        "events": events,
        "survey": survey,
        "gaps": gaps,
    }


def planned_needs(*, municipality_id: int) -> set[str]:
    """Teachers' needs addressed by events still ahead (drafts count: they are planned)."""
    addressed: set[str] = set()
    for needs in Event.objects.filter(
        municipality_id=municipality_id,
        status__in=(EventStatus.DRAFT, EventStatus.PUBLISHED),
        ends_at__gte=timezone.now(),
    ).values_list("teacher_needs", flat=True):
        addressed.update(needs or [])
    return addressed


def teacher_needs_survey(*, municipality: Any) -> list[dict]:
    """The municipality's needs from the difficulties survey (seed 004)."""
    return list(teacher_needs_for_municipality(municipality=municipality))


def planning_municipalities_for_user(*, user: Any) -> QuerySet:
    from schools.models import Municipality

    scope = scope_for(user)
    if scope.is_admin:
        return Municipality.objects.all()
    organisation_ids = scope.organisation_ids(Role.DIRECTOR, Role.CURATOR)
    return Municipality.objects.filter(
        Q(region_id__in=scope.region_ids)
        | Q(pk__in=scope.municipality_ids)
        | Q(pk__in=Organisation.objects.filter(pk__in=organisation_ids).values("municipality_id"))
    ).order_by("name")


#: How many events the partnership and roadmap pages list (the newest first).
SERVED_LIMIT = 20


def present_count() -> CombinedExpression:
    """Everyone present at an event, as its report counts them: the registered who attended and
    the others the organiser counted (``EventReport.other_participants``)."""
    return _attended_count() + Coalesce("report__other_participants", 0)


def _attended_count() -> Coalesce:
    return Coalesce(
        Subquery(
            Registration.objects.filter(event_id=OuterRef("pk"), attended=True)
            .order_by()
            .values("event_id")
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def _served(queryset: QuerySet[Event]) -> QuerySet[Event]:
    return (
        queryset.exclude(status=EventStatus.CANCELLED)
        .select_related("event_type", "organiser", "report")
        .annotate(attended_count=present_count())
        .order_by("-starts_at", "-pk")
    )


def events_for_partnership(*, user: Any, partnership_id: int) -> list[Event]:
    """The events that served a partnership — held ones with their reports, and those
    planned — as far as the user may see them (drafts only on the organiser's side). Two
    queries whatever the number of events (issue 8, item 3: the report is attached to the
    partnership)."""
    queryset = event_list_for_user(user=user).filter(partnership_id=partnership_id)
    return list(_served(queryset)[:SERVED_LIMIT])


def events_for_roadmap(*, user: Any, roadmap_id: int) -> list[Event]:
    """The events that served items of a roadmap, each with the items it served
    (``served_items``), as far as the user may see them. Two queries."""
    items = RoadmapItem.objects.filter(roadmap_id=roadmap_id)
    queryset = event_list_for_user(user=user).filter(
        pk__in=Event.roadmap_items.through.objects.filter(
            roadmapitem__roadmap_id=roadmap_id
        ).values("event_id")
    )
    return list(
        _served(queryset).prefetch_related(
            Prefetch(
                "roadmap_items", queryset=items.order_by("position", "pk"), to_attr="served_items"
            )
        )[:SERVED_LIMIT]
    )
