"""Reads of network events. Every query starts from the access policy's scope.

Who sees what (issue 8): the events of a municipality are visible to everyone working there
(methodologists, curators, directors, teachers, partners) and to the region's coordinator;
drafts only to the organiser's side — the municipality's methodologists and the directors of
the organiser — who are also the only ones who edit. Public pages see published events only.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, IntegerField, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from network_portal.access.policy import Scope, scope_for
from network_portal.accounts.models import Role, RoleAssignment, User
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


def event_can_edit(*, user: Any, event: Event) -> bool:
    scope = scope_for(user)
    return (
        scope.is_admin
        or event.municipality_id in scope.municipality_ids
        or event.organiser_id in scope.organisation_ids(Role.DIRECTOR)
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


def attendees_with_organisations(*, event: Event) -> list[Registration]:
    """Registered people with the name of their organisation, for the sign-in sheet."""
    registrations = list(
        Registration.objects.filter(event=event, status=RegistrationStatus.REGISTERED)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "pk")
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


def group_registration_allowed(*, user: Any, event: Event) -> bool:
    scope = scope_for(user)
    return (
        scope.is_admin
        or event.municipality_id in scope.municipality_ids
        or bool(
            Organisation.objects.filter(
                pk__in=scope.organisation_ids(Role.DIRECTOR), municipality_id=event.municipality_id
            ).exists()
        )
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


def public_feed_events(*, municipality_id: int) -> QuerySet[Event]:
    return (
        Event.objects.filter(
            municipality_id=municipality_id,
            status__in=PUBLIC_STATUSES,
            ends_at__gte=timezone.now() - FEED_PAST,
        )
        .select_related("event_type", "organiser")
        .order_by("starts_at", "pk")
    )


def personal_feed_registrations(*, user_id: int) -> QuerySet[Registration]:
    return (
        Registration.objects.filter(
            user_id=user_id,
            status__in=ACTIVE,
            event__ends_at__gte=timezone.now() - FEED_PAST,
        )
        .exclude(event__status=EventStatus.DRAFT)
        .select_related("event", "event__event_type", "event__organiser")
        .order_by("event__starts_at", "pk")
    )


def feed_fingerprint(queryset: QuerySet) -> tuple[str, datetime | None]:
    """ETag and Last-Modified of a feed in one aggregate query: rows, their last change.

    ``updated_at`` of events and registrations moves on every edit, so a changed, added or
    removed row changes the fingerprint.
    """
    model = queryset.model
    if model is Registration:
        stats = queryset.aggregate(
            n=Count("pk"), changed=Max("updated_at"), event_changed=Max("event__updated_at")
        )
        moments = [m for m in (stats["changed"], stats["event_changed"]) if m]
    else:
        stats = queryset.aggregate(n=Count("pk"), changed=Max("updated_at"))
        moments = [stats["changed"]] if stats["changed"] else []
    last = max(moments) if moments else None
    day = timezone.localdate().isoformat()  # past/future moves daily (the window slides)
    raw = f"{stats['n']}:{last.isoformat() if last else '-'}:{day}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32], last


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
    gaps = None
    if survey is not None:
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


def teacher_needs_survey(*, municipality: Any) -> list[dict] | None:
    """The municipality's needs from the difficulties survey (seed 004), or None while the
    diagnostics app does not provide them yet."""
    try:
        from diagnostics.selectors import teacher_needs_for_municipality
    except ImportError:
        return None
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


def event_reports_for_partnership(*, partnership_id: int) -> QuerySet[Event]:
    """Held events of a partnership with their reports (for the partnership page)."""
    return (
        Event.objects.filter(partnership_id=partnership_id, status=EventStatus.HELD)
        .select_related("report", "event_type")
        .annotate(attended_count=Count("registrations", filter=Q(registrations__attended=True)))
        .order_by("-starts_at")
    )
