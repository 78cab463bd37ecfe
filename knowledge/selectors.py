"""Reads of the knowledge base: scoped lists of practices, mentors and mentorships, and the
practices that answer a school's high-risk factors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet

from network_portal.access.policy import (
    TERRITORY_ROLES,
    Scope,
    municipality_allows,
    municipality_q,
    organisation_allows,
    organisation_q,
    scope_for,
)
from network_portal.accounts.models import Role
from schools.models import Municipality, Organisation

from . import search as fts
from .models import (
    TAKING_PLACE,
    Mentor,
    Mentorship,
    MentorshipMeeting,
    Practice,
    PracticeStatus,
)

#: Roles that propose practices and volunteer as mentors.
PROPOSER_ROLES = (
    Role.COORDINATOR,
    Role.METHODOLOGIST,
    Role.DIRECTOR,
    Role.TEACHER,
    Role.PARTNER,
    Role.CURATOR,
)
SECTION_LIMIT = 5
LIST_DEFERRED = (
    "results_snapshot",
    "search_text",
    "search_stems",
    "search_vector",
    "actions",
    "results",
    "measure",
)


# --- Practices ---------------------------------------------------------------------------------


def _authored_q(scope: Scope) -> Q:
    own = scope.organisation_ids(Role.DIRECTOR, Role.TEACHER, Role.PARTNER)
    if not own:
        return Q(pk__in=[])
    through = Practice.author_organisations.through
    return Q(Exists(through.objects.filter(practice_id=OuterRef("pk"), organisation_id__in=own)))


def practice_list_for_user(*, user: Any) -> QuerySet[Practice]:
    """Published practices for everyone with a role; drafts, reviews and the archive for the
    territory (methodologist: municipality, coordinator: region), the authors' organisations
    (directors, teachers, partners who co-authored) and whoever created them."""
    scope = scope_for(user)
    if scope.is_anonymous:
        return Practice.objects.none()
    if scope.is_admin:
        return Practice.objects.all()
    q = municipality_q(scope, "municipality") | _authored_q(scope) | Q(created_by_id=user.pk)
    if scope.roles:
        q |= Q(status=PracticeStatus.PUBLISHED)
    return Practice.objects.filter(q)


def practice_detail_for_user(*, user: Any, pk: int) -> Practice:
    from network_portal.access.policy import get_for_user_or_404

    return get_for_user_or_404(
        practice_list_for_user(user=user)
        .select_related(
            "municipality__region", "partnership", "network", "event", "created_by", "reviewed_by"
        )
        .prefetch_related("risk_factors", "forms", "author_organisations", "materials"),
        pk=pk,
    )


def practice_filter(
    queryset: QuerySet[Practice],
    *,
    q: str = "",
    factor: Any = None,
    subject: str = "",
    grade: int | None = None,
    form: Any = None,
    municipality: Any = None,
    effect: str = "",
    status: str = "",
) -> QuerySet[Practice]:
    """The bank's filters, then the full-text query (which orders by rank)."""
    if factor is not None:
        queryset = queryset.filter(
            Exists(
                Practice.risk_factors.through.objects.filter(
                    practice_id=OuterRef("pk"), riskfactor_id=getattr(factor, "pk", factor)
                )
            )
        )
    if form is not None:
        queryset = queryset.filter(
            Exists(
                Practice.forms.through.objects.filter(
                    practice_id=OuterRef("pk"),
                    formofinteraction_id=getattr(form, "pk", form),
                )
            )
        )
    if subject:
        queryset = queryset.filter(subjects__contains=f",{subject},")
    if grade:
        queryset = queryset.filter(grades__contains=f",{int(grade)},")
    if municipality is not None:
        queryset = queryset.filter(municipality_id=getattr(municipality, "pk", municipality))
    if effect == "yes":
        queryset = queryset.filter(proved_effect=True)
    elif effect == "no":
        queryset = queryset.filter(proved_effect=False)
    if status:
        queryset = queryset.filter(status=status)
    return fts.search(queryset, q)


def practice_rows(queryset: QuerySet[Practice]) -> QuerySet[Practice]:
    """What a list shows, in a constant number of queries (the long texts, the results and the
    search columns are not read)."""
    return (
        queryset.select_related("municipality")
        .prefetch_related("risk_factors", "forms")
        .defer(*LIST_DEFERRED)
    )


def practice_source_visible(*, user: Any, practice: Practice) -> bool:
    """Whether the user may open the practice's source partnership (a link, or its title only)."""
    from partnerships.selectors import partnership_list_for_user

    return (
        practice.partnership_id is not None
        and partnership_list_for_user(user=user).filter(pk=practice.partnership_id).exists()
    )


@dataclass(frozen=True)
class PracticePermissions:
    """What a user may do with one visible practice."""

    #: drafts: their creator, the authors' directors, teachers and partners, the territory;
    #: a practice under review: the territory only; later states: nobody
    can_edit: bool = False
    #: the territory (methodologist: municipality, coordinator: region) reviews and publishes
    can_review: bool = False
    #: who the user acts as in the practice's transitions and comments
    actors: frozenset[str] = frozenset()


def practice_permissions(*, user: Any, practice: Practice) -> PracticePermissions:
    """The territory is the read scope's (``municipality_q`` over the practice's
    municipality), asked of one practice; ``practice.municipality`` should be loaded."""
    scope = scope_for(user)
    territory = municipality_allows(scope, practice.municipality)
    if practice.status == PracticeStatus.REVIEW:
        can_edit = territory
    elif practice.status != PracticeStatus.DRAFT:
        can_edit = False
    else:
        own = scope.organisation_ids(Role.DIRECTOR, Role.TEACHER, Role.PARTNER)
        authors = {o.pk for o in practice.author_organisations.all()}
        can_edit = territory or practice.created_by_id == user.pk or bool(own & authors)
    if territory:
        actors = frozenset({"reviewer", "editor"})
    elif practice.status == PracticeStatus.DRAFT and can_edit:
        actors = frozenset({"editor"})
    else:
        actors = frozenset()
    return PracticePermissions(can_edit=can_edit, can_review=territory, actors=actors)


def practice_municipalities_for(*, user: Any) -> QuerySet[Municipality]:
    """Where the user may describe a practice: the territory they manage, or the
    municipalities of their organisations."""
    scope = scope_for(user)
    if scope.is_admin:  # an empty Q() would vanish from the OR below
        return Municipality.objects.all()
    own = scope.organisation_ids()
    return Municipality.objects.filter(
        municipality_q(scope, roles=TERRITORY_ROLES) | Q(organisations__pk__in=own)
    ).distinct()


def author_organisations_for(*, user: Any) -> QuerySet[Organisation]:
    """Organisations a user may name as authors: their own, or those of their territory."""
    return Organisation.objects.filter(organisation_q(scope_for(user))).select_related(
        "municipality"
    )


def practices_for_factors(
    *, factor_ids: list[int], exclude_organisation_id: int | None = None, limit: int = 5
) -> list[Practice]:
    """Published practices that address any of the factors, those covering most first, then
    those with a proved effect; two queries."""
    if not factor_ids:
        return []
    through = Practice.risk_factors.through
    qs = (
        Practice.objects.filter(status=PracticeStatus.PUBLISHED)
        .annotate(
            covered=Count("risk_factors", filter=Q(risk_factors__in=factor_ids), distinct=True)
        )
        .filter(
            Exists(through.objects.filter(practice_id=OuterRef("pk"), riskfactor_id__in=factor_ids))
        )
    )
    if exclude_organisation_id:
        qs = qs.exclude(
            Exists(
                Practice.author_organisations.through.objects.filter(
                    practice_id=OuterRef("pk"), organisation_id=exclude_organisation_id
                )
            )
        )
    return list(
        qs.select_related("municipality")
        .prefetch_related("risk_factors")
        .order_by("-covered", "-proved_effect", "-published_at", "-pk")[:limit]
    )


def high_factor_ids(levels) -> list[int]:
    return [fl.factor_id for fl in levels if fl.level == "high"]


def review_queue_count(*, user: Any) -> int:
    scope = scope_for(user)
    return Practice.objects.filter(
        municipality_q(scope, "municipality", roles=TERRITORY_ROLES),
        status=PracticeStatus.REVIEW,
    ).count()


# --- Mentors -----------------------------------------------------------------------------------


def user_region_ids(scope: Scope) -> frozenset[int]:
    """Regions of the user's roles (one query, none for a coordinator only)."""
    regions = set(scope.region_ids)
    own = scope.organisation_ids()
    if scope.municipality_ids or own:
        regions |= set(
            Municipality.objects.filter(
                Q(pk__in=scope.municipality_ids) | Q(organisations__pk__in=own)
            ).values_list("region_id", flat=True)
        )
    return frozenset(regions)


def user_municipality_ids(scope: Scope) -> frozenset[int]:
    """Municipalities where the user is «within the territory» (no query for a methodologist)."""
    ids = set(scope.municipality_ids)
    own = scope.organisation_ids()
    if own:
        ids |= set(
            Organisation.objects.filter(pk__in=own).values_list("municipality_id", flat=True)
        )
    return frozenset(ids)


def mentor_list_for_user(*, user: Any) -> QuerySet[Mentor]:
    """The mentors of the user's region(s); a mentor sees their own card everywhere."""
    scope = scope_for(user)
    if scope.is_anonymous:
        return Mentor.objects.none()
    if scope.is_admin:
        return Mentor.objects.all()
    cached = getattr(user, "_knowledge_regions", None)
    if cached is None:
        cached = user._knowledge_regions = user_region_ids(scope)
    return Mentor.objects.filter(Q(municipality__region_id__in=cached) | Q(user_id=user.pk))


def mentor_rows(queryset: QuerySet[Mentor]) -> QuerySet[Mentor]:
    return (
        queryset.select_related("municipality", "organisation")
        .prefetch_related("risk_factors", "forms")
        .annotate(taken=Count("mentorships", filter=Q(mentorships__status__in=TAKING_PLACE)))
        .order_by("full_name", "pk")
    )


def contacts_visible(*, user: Any, mentor: Mentor) -> bool:
    """Contacts only within the territory: the mentor's municipality (its methodologist, its
    organisations' people), the coordinator of its region, and the mentor."""
    scope = scope_for(user)
    if scope.is_admin or mentor.user_id == user.pk:
        return True
    if mentor.municipality.region_id in scope.region_ids:
        return True
    cached = getattr(user, "_knowledge_municipalities", None)
    if cached is None:
        cached = user._knowledge_municipalities = user_municipality_ids(scope)
    return mentor.municipality_id in cached


@dataclass(frozen=True)
class MentorPermissions:
    """What a user may do with one visible mentor's card."""

    can_edit: bool = False  # the mentor, the territory of the mentor's municipality


def mentor_permissions(*, user: Any, mentor: Mentor) -> MentorPermissions:
    scope = scope_for(user)
    return MentorPermissions(
        can_edit=mentor.user_id == user.pk or municipality_allows(scope, mentor.municipality)
    )


def mentor_taken(*, mentor: Mentor) -> int:
    return mentor.mentorships.filter(status__in=TAKING_PLACE).count()


# --- Mentorships ---------------------------------------------------------------------------------


def mentorship_list_for_user(*, user: Any) -> QuerySet[Mentorship]:
    """The territory's and the school's mentorships, and those of the mentor and the mentee."""
    scope = scope_for(user)
    if scope.is_anonymous:
        return Mentorship.objects.none()
    if scope.is_admin:  # an empty Q() would vanish from the OR below
        return Mentorship.objects.all()
    return Mentorship.objects.filter(
        organisation_q(scope, "organisation") | Q(mentor__user_id=user.pk) | Q(mentee_user=user)
    )


def mentorship_detail_for_user(*, user: Any, pk: int) -> Mentorship:
    from network_portal.access.policy import get_for_user_or_404

    return get_for_user_or_404(
        mentorship_list_for_user(user=user)
        .select_related("mentor__municipality", "organisation__municipality", "mentee_user")
        .prefetch_related("goals", Prefetch("meetings", MentorshipMeeting.objects.all())),
        pk=pk,
    )


@dataclass(frozen=True)
class MentorshipPermissions:
    """What a user may do with one visible mentorship: ``roles`` (``mentor``, ``territory``,
    ``school`` — its director —, ``mentee``) name who acts in its transitions."""

    roles: frozenset[str] = frozenset()

    @property
    def can_plan(self) -> bool:
        """Goals, meetings and transitions: any of the roles."""
        return bool(self.roles)


def mentorship_permissions(*, user: Any, mentorship: Mentorship) -> MentorshipPermissions:
    scope = scope_for(user)
    roles = set()
    if mentorship.mentor.user_id == user.pk:
        roles.add("mentor")
    if mentorship.mentee_user_id == user.pk:
        roles.add("mentee")
    org = mentorship.organisation
    if municipality_allows(scope, org.municipality):
        roles.add("territory")
    if org.pk in scope.organisation_ids(Role.DIRECTOR):
        roles.add("school")
    return MentorshipPermissions(roles=frozenset(roles))


def booking_schools_for(*, user: Any) -> QuerySet[Organisation]:
    """Schools for which the user may propose a mentorship: the territory's, a director's own
    school, a teacher's own school (for themselves)."""
    scope = scope_for(user)
    return Organisation.objects.filter(
        organisation_q(scope, roles=(*TERRITORY_ROLES, Role.DIRECTOR, Role.TEACHER))
    ).select_related("municipality")


def books_for_self_only(*, user: Any, organisation: Organisation) -> bool:
    """A teacher of the school who is neither its director nor its territory proposes a
    mentorship for themselves (as its mentee)."""
    scope = scope_for(user)
    return organisation.pk in scope.organisation_ids(Role.TEACHER) and not organisation_allows(
        scope, organisation, roles=(*TERRITORY_ROLES, Role.DIRECTOR)
    )


def mentorship_rows(queryset: QuerySet[Mentorship]) -> QuerySet[Mentorship]:
    return queryset.select_related("mentor", "organisation")
