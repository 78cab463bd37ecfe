"""Reads of the partnerships app: scoped lists, matching data, strengths and loads."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import (
    Case,
    Count,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils.translation import gettext

from diagnostics.models import FactorLevel, Level, RiskFactor, RiskProfile
from diagnostics.selectors import latest_profiles
from network_portal.access.policy import (
    TERRITORY_ROLES,
    municipality_q,
    organisation_q,
    scope_for,
)
from network_portal.accounts.models import Role
from schools.models import (
    SCHOOL_KINDS,
    SUPPORTED_CATEGORIES,
    AssessmentResult,
    Category,
    CategoryAssignment,
    Municipality,
    Organisation,
    Region,
)

from . import matching, transitions
from .models import (
    Agreement,
    DeclaredStrength,
    MatchingSettings,
    MemberRole,
    Network,
    PairingPlan,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    ProviderProfile,
)

#: Partnerships that occupy a provider's capacity.
OPEN_STATUSES = (PartnershipStatus.PROPOSED, PartnershipStatus.AGREED, PartnershipStatus.ACTIVE)
PROVIDER_ROLES = (MemberRole.LEADER, MemberRole.PARTNER)
MEMBER_ROLES = (Role.CURATOR, Role.DIRECTOR, Role.TEACHER, Role.PARTNER)
#: supported schools first, then leaders, then partners
_ROLE_ORDER = Case(
    When(role=MemberRole.SUPPORTED, then=Value(0)),
    When(role=MemberRole.LEADER, then=Value(1)),
    default=Value(2),
)


# --- Access ----------------------------------------------------------------------------------


def partnership_list_for_user(*, user: Any) -> QuerySet[Partnership]:
    """Partnerships of the user's territory, or those their organisations are members of.

    The territory's are those kept by its municipalities and those in which one of its
    organisations takes part (a leader school of the municipality supporting a school of a
    neighbouring one): its methodologist sees what its school's director sees."""
    scope = scope_for(user)
    q = municipality_q(scope, "municipality")
    if scope.region_ids or scope.municipality_ids:
        q |= Q(
            pk__in=PartnershipMember.objects.filter(
                organisation_q(scope, "organisation", roles=TERRITORY_ROLES)
            ).values("partnership_id")
        )
    member_orgs = scope.organisation_ids(*MEMBER_ROLES)
    if member_orgs:
        q |= Q(
            pk__in=PartnershipMember.objects.filter(organisation_id__in=member_orgs).values(
                "partnership_id"
            )
        )
    return Partnership.objects.filter(q)


def partnership_list_page(
    *, user: Any, status: str = "", search: str = "", municipality: Municipality | None = None
) -> QuerySet:
    """The list page's queryset: members and municipality in a fixed number of queries."""
    qs = partnership_list_for_user(user=user).select_related("municipality", "network")
    if municipality is not None:
        qs = qs.filter(municipality=municipality)
    if status:
        qs = qs.filter(status=status)
    if search:
        qs = qs.filter(
            Q(title__icontains=search)
            | Q(
                pk__in=PartnershipMember.objects.filter(
                    organisation__short_name__icontains=search
                ).values("partnership_id")
            )
        )
    return qs.prefetch_related(
        Prefetch("members", queryset=PartnershipMember.objects.select_related("organisation")),
        "risk_factors",
    ).order_by("-created_at", "-pk")


def partnership_detail_for_user(*, user: Any, pk: int) -> Partnership:
    from network_portal.access.policy import get_for_user_or_404

    return get_for_user_or_404(
        partnership_list_for_user(user=user)
        .select_related("municipality__region", "network", "created_by")
        .prefetch_related(
            Prefetch(
                "members",
                queryset=PartnershipMember.objects.select_related(
                    "organisation", "agreed_by"
                ).order_by(_ROLE_ORDER, "organisation__short_name"),
            ),
            "risk_factors",
            "forms",
            "directions",
            "resources",
        ),
        pk=pk,
    )


def partnership_form_initial(*, partnership: Partnership) -> dict[str, Any]:
    """The edit form's initial values (members split by role)."""
    members = partnership.members.all()
    return {
        "title": partnership.title,
        "municipality": partnership.municipality,
        "network": partnership.network,
        "start_date": partnership.start_date,
        "end_date": partnership.end_date,
        "description": partnership.description,
        "risk_factors": partnership.risk_factors.all(),
        "interaction_forms": partnership.forms.all(),
        "directions": partnership.directions.all(),
        "resources": partnership.resources.all(),
        "supported": [m.organisation for m in members if m.role == MemberRole.SUPPORTED],
        "leaders": [m.organisation for m in members if m.role == MemberRole.LEADER],
        "partners": [m.organisation for m in members if m.role == MemberRole.PARTNER],
        "version": partnership.version,
    }


def can_manage_municipality(*, user: Any, municipality_id: int) -> bool:
    """Methodologist of the municipality, coordinator of its region, or an admin."""
    scope = scope_for(user)
    return Municipality.objects.filter(
        municipality_q(scope, roles=TERRITORY_ROLES), pk=municipality_id
    ).exists()


def managed_municipalities(*, user: Any) -> QuerySet[Municipality]:
    return Municipality.objects.filter(
        municipality_q(scope_for(user), roles=TERRITORY_ROLES)
    ).select_related("region")


def managed_regions(*, user: Any) -> QuerySet[Region]:
    scope = scope_for(user)
    if scope.is_admin:
        return Region.objects.all()
    return Region.objects.filter(pk__in=scope.region_ids)


def territory_regions(*, user: Any) -> QuerySet[Region]:
    """The regions of a coordinator, and those of a methodologist's municipalities."""
    scope = scope_for(user)
    return Region.objects.filter(
        Q(pk__in=scope.region_ids)
        | Q(pk__in=Municipality.objects.filter(pk__in=scope.municipality_ids).values("region"))
    ).order_by("pk")


def member_organisation_ids(*, user: Any, partnership: Partnership) -> set[int]:
    """The member organisations on whose behalf the user may agree (their director/partner)."""
    own = scope_for(user).organisation_ids(Role.DIRECTOR, Role.PARTNER)
    return {m.organisation_id for m in partnership.members.all() if m.organisation_id in own}


# --- Permissions: the write rules, each asked of one visible object --------------------------


@dataclass(frozen=True)
class PartnershipPermissions:
    """What a user may do with one visible partnership."""

    #: the territory that keeps it (methodologist, coordinator): edit, approve, agreements
    can_manage: bool = False
    #: the member organisations on whose behalf the user agrees (their director/partner)
    member_organisation_ids: frozenset[int] = frozenset()

    @property
    def actors(self) -> frozenset[str]:
        """Who the user acts as in :data:`transitions.PARTNERSHIP_TRANSITIONS`."""
        actors = set()
        if self.can_manage:
            actors.add(transitions.TERRITORY)
        if self.member_organisation_ids:
            actors.add(transitions.MEMBER)
        return frozenset(actors)


def partnership_permissions(*, user: Any, partnership: Partnership) -> PartnershipPermissions:
    return PartnershipPermissions(
        can_manage=can_manage_municipality(user=user, municipality_id=partnership.municipality_id),
        member_organisation_ids=frozenset(
            member_organisation_ids(user=user, partnership=partnership)
        ),
    )


@dataclass(frozen=True)
class NetworkPermissions:
    can_manage: bool = False  # the territory that keeps it: edit, members


def network_permissions(*, user: Any, network: Network) -> NetworkPermissions:
    return NetworkPermissions(
        can_manage=can_manage_municipality(user=user, municipality_id=network.municipality_id)
    )


@dataclass(frozen=True)
class AgreementPermissions:
    """What a user may do with one visible agreement."""

    can_manage: bool = False  # the territory: the document, the scan, the transitions
    can_download_scan: bool = False  # the territory and the heads of the parties

    @property
    def actors(self) -> frozenset[str]:
        """Who the user acts as in :data:`transitions.AGREEMENT_TRANSITIONS`."""
        return frozenset({transitions.TERRITORY}) if self.can_manage else frozenset()


def agreement_permissions(*, user: Any, agreement: Agreement) -> AgreementPermissions:
    return AgreementPermissions(
        can_manage=can_manage_municipality(user=user, municipality_id=agreement.municipality_id),
        can_download_scan=agreement_scan_visible(user=user, agreement=agreement),
    )


@dataclass(frozen=True)
class ProviderPermissions:
    """What a user may do with what an organisation offers (strengths, capacity) and with a
    school's matching."""

    #: its director or partner representative, the territory of its municipality
    can_edit_strengths: bool = False
    #: the territory of its municipality: suggestions and pairing for the school
    can_match: bool = False


def provider_permissions(*, user: Any, organisation: Organisation) -> ProviderPermissions:
    can_match = can_manage_municipality(user=user, municipality_id=organisation.municipality_id)
    own = scope_for(user).organisation_ids(Role.DIRECTOR, Role.PARTNER)
    return ProviderPermissions(
        can_edit_strengths=organisation.pk in own or can_match, can_match=can_match
    )


def member_organisations_for_user(*, user: Any) -> QuerySet[Organisation]:
    """Organisations the user may put into a partnership or a network: those of the territory
    they manage — a methodologist's municipality, a coordinator's region (all for an admin)."""
    return Organisation.objects.filter(organisation_q(scope_for(user), roles=TERRITORY_ROLES))


def organisation_list_for_user(*, user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(organisation_q(scope_for(user)))


def partner_organisation_list_for_user(*, user: Any) -> QuerySet[Organisation]:
    """Organisations whose card (contacts, director, address, strengths) the user may read:
    those of their scope, and every organisation that shares a partnership with one of their
    own (issue 15: both sides of a pair informed). Any other is a 404."""
    scope = scope_for(user)
    q = organisation_q(scope)
    own = scope.organisation_ids(*MEMBER_ROLES)
    if own:
        shared = PartnershipMember.objects.filter(
            partnership_id__in=PartnershipMember.objects.filter(organisation_id__in=own).values(
                "partnership_id"
            )
        ).values("organisation_id")
        q |= Q(pk__in=shared)
    return Organisation.objects.filter(q)


def agreement_subject_initial(*, partnership: Partnership) -> str:
    """The «Предмет» a new agreement starts from: the joint work on the risk factors the
    partnership addresses — never the matcher's explanation kept in the description."""
    factors = [f.name for f in partnership.risk_factors.order_by("code")]
    if not factors:
        return gettext(
            "Network cooperation of the parties to improve the quality of education of the "
            "supported school."
        )
    return gettext(
        "Network cooperation of the parties to improve the quality of education of the "
        "supported school by reducing the risks: %(factors)s."
    ) % {"factors": "; ".join(name[:1].lower() + name[1:] for name in factors)}


def shared_partnerships(*, user: Any, organisation: Organisation) -> QuerySet[Partnership]:
    """The user's visible partnerships in which ``organisation`` takes part, with its role."""
    return (
        partnership_list_for_user(user=user)
        .filter(
            pk__in=PartnershipMember.objects.filter(organisation=organisation).values(
                "partnership_id"
            )
        )
        .annotate(
            member_role=Subquery(
                PartnershipMember.objects.filter(
                    partnership_id=OuterRef("pk"), organisation=organisation
                ).values("role")[:1]
            )
        )
        .order_by("-created_at")
    )


def agreement_list_for_user(*, user: Any) -> QuerySet[Agreement]:
    return Agreement.objects.filter(
        partnership__in=partnership_list_for_user(user=user)
    ).select_related("partnership", "municipality", "document_job")


def agreement_scan_visible(*, user: Any, agreement: Agreement) -> bool:
    """Who may download the signed scan of a visible agreement (signatures, stamps): the
    territory (admin, coordinator, methodologist) and the heads of the parties — directors
    and partner representatives of member organisations; not teachers or curators, who see
    the agreement itself."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    q = municipality_q(scope, "partnership__municipality", roles=TERRITORY_ROLES) | Q(
        partnership__in=PartnershipMember.objects.filter(
            organisation_q(scope, "organisation", roles=TERRITORY_ROLES)
        ).values("partnership_id")
    )
    heads = scope.organisation_ids(Role.DIRECTOR, Role.PARTNER)
    if heads:
        q |= Q(partnership__members__organisation_id__in=heads)
    return agreement_list_for_user(user=user).filter(pk=agreement.pk).filter(q).exists()


def network_list_for_user(*, user: Any) -> QuerySet[Network]:
    scope = scope_for(user)
    q = municipality_q(scope, "municipality")
    own = scope.organisation_ids(*MEMBER_ROLES)
    if own:
        q |= Q(coordinator_id__in=own) | Q(
            pk__in=Network.members.through.objects.filter(organisation_id__in=own).values(
                "network_id"
            )
        )
    return Network.objects.filter(q)


def pairing_plan_list_for_user(*, user: Any) -> QuerySet[PairingPlan]:
    scope = scope_for(user)
    if scope.is_admin:
        return PairingPlan.objects.all()
    q = Q(pk__in=[])
    if scope.region_ids:
        q |= Q(region_id__in=scope.region_ids)
    if scope.municipality_ids:
        q |= Q(municipality_id__in=scope.municipality_ids)
    return PairingPlan.objects.filter(q)


# --- Risk profiles (through diagnostics.selectors) -------------------------------------------


def latest_levels(
    *, organisations: QuerySet | Iterable[int], only: Iterable[str] | None = None
) -> dict[int, dict[int, str]]:
    """Factor levels (code → level) of each organisation's latest risk profile.

    For a handful of schools this goes through ``diagnostics.selectors.latest_profiles``. For a
    whole region (matching against thousands of candidates) it reads the same newest profiles
    — same ordering — as plain values in one query, optionally ``only`` some levels (the
    candidates need their low and high factors, not the medium ones): building ~20,000 model
    instances would take most of the 300 ms budget (bench/bench_partnerships.py).
    """
    if not isinstance(organisations, QuerySet):
        ids = list(organisations)
        if len(ids) <= 50 and only is None:
            return {
                org_id: {fl.factor.code: fl.level for fl in profile.levels.all()}
                for org_id, profile in latest_profiles(organisations=ids).items()
            }
        organisations = Organisation.objects.filter(pk__in=ids)
    if connection.vendor == "postgresql":  # one sort instead of a subquery per profile
        profiles = (
            RiskProfile.objects.filter(organisation__in=organisations)
            .order_by("organisation_id", "-computed_at", "-pk")
            .distinct("organisation_id")
            .values("pk")
        )
    else:
        newest = RiskProfile.objects.filter(organisation_id=OuterRef("organisation_id")).order_by(
            "-computed_at", "-pk"
        )
        profiles = RiskProfile.objects.filter(
            organisation__in=organisations, pk=Subquery(newest.values("pk")[:1])
        ).values("pk")
    # no ordering: the model's default one joins the organisation and the factor and sorts
    rows = FactorLevel.objects.filter(profile__in=profiles).order_by()
    if only is not None:
        rows = rows.filter(level__in=list(only))
    codes = dict(RiskFactor.objects.values_list("pk", "code"))
    levels: dict[int, dict[int, str]] = defaultdict(dict)
    for org_id, factor_id, level in rows.values_list(
        "profile__organisation_id", "factor_id", "level"
    ):  # one fetch: a server-side cursor (WITH HOLD outside a transaction) costs more
        levels[org_id][codes[factor_id]] = level
    return levels


def current_categories(*, organisations: QuerySet | Iterable[int]) -> dict[int, str]:
    """The current category of each organisation (newest year), in one query."""
    result: dict[int, str] = {}
    for org_id, category in (
        CategoryAssignment.objects.filter(organisation__in=organisations, is_current=True)
        .order_by("organisation_id", "-year")
        .values_list("organisation_id", "category")
    ):
        result.setdefault(org_id, category)
    return result


def factor_names() -> dict[int, str]:
    return dict(RiskFactor.objects.values_list("code", "name"))


# --- Matching data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MatchingConfig:
    weights: matching.Weights
    min_fit: int
    default_capacity: int


def matching_config(*, region_id: int | None) -> MatchingConfig:
    row = MatchingSettings.objects.filter(region_id=region_id).first() if region_id else None
    if row is None:
        row = MatchingSettings()  # the defaults
    return MatchingConfig(
        weights=matching.Weights(
            high=float(row.weight_high),
            medium=float(row.weight_medium),
            derived_share=float(row.derived_share),
            results=float(row.weight_results),
            proximity=float(row.weight_proximity),
            load=float(row.weight_load),
            max_distance_km=float(row.max_distance_km or 1),
            distance_limit_km=_float(row.distance_limit_km),
        ),
        min_fit=row.min_fit,
        default_capacity=row.default_capacity,
    )


def _float(value) -> float | None:
    return float(value) if value is not None else None


def provider_loads(*, region_id: int | None = None) -> tuple[dict[int, int], dict[int, set[int]]]:
    """Open partnerships per provider, and the supported schools each provider works with —
    of the providers of one region when ``region_id`` is given (matching one school reads only
    its region), else of all."""
    providers = PartnershipMember.objects.filter(
        role__in=PROVIDER_ROLES, partnership__status__in=OPEN_STATUSES
    )
    if region_id is not None:
        providers = providers.filter(organisation__municipality__region_id=region_id)
    loads = dict(
        providers.values("organisation_id")
        .annotate(n=Count("partnership_id", distinct=True))
        .values_list("organisation_id", "n")
    )
    supported = PartnershipMember.objects.filter(
        role=MemberRole.SUPPORTED, partnership__status__in=OPEN_STATUSES
    )
    if region_id is not None:
        supported = supported.filter(partnership_id__in=providers.values("partnership_id"))
    supported_by_partnership: dict[int, set[int]] = defaultdict(set)
    for pid, org_id in supported.values_list("partnership_id", "organisation_id"):
        supported_by_partnership[pid].add(org_id)
    partners_of: dict[int, set[int]] = defaultdict(set)
    for org_id, pid in providers.values_list("organisation_id", "partnership_id"):
        partners_of[org_id] |= supported_by_partnership.get(pid, set())
    return loads, partners_of


def _results_level(category: str | None, is_school: bool, has_profile: bool) -> str | None:
    if category == Category.LEADER:
        return matching.HIGH
    if category in SUPPORTED_CATEGORIES:
        return matching.LOW
    if is_school and (category or has_profile):
        return matching.MEDIUM
    return None


def _coords(lat, lon, m_lat, m_lon) -> tuple[float | None, float | None, str]:
    """The school's own point, else its municipality's centroid (approximate), else none."""
    if lat is not None and lon is not None:
        return float(lat), float(lon), "school"
    if m_lat is not None and m_lon is not None:
        return float(m_lat), float(m_lon), "municipality"
    return None, None, ""


def result_cells(
    *, organisation_ids: Iterable[int], region_id: int, strong: bool = False
) -> dict[int, dict[str, str]]:
    """Weak (or, with ``strong``, strong) cells of each organisation's latest results under the
    region's category rules (3 queries): what a school without a self-diagnosis is matched on."""
    from schools.categorization import strong_cells, weak_cells
    from schools.selectors import result_facts, thresholds_for_regions

    ids = list(organisation_ids)
    if not ids:
        return {}
    t = thresholds_for_regions([region_id])[region_id]
    facts = result_facts(organisation_ids=ids, subjects=t.subjects, kinds=t.kinds)
    cells = strong_cells if strong else weak_cells
    return {org: found for org, rows in facts.items() if (found := cells(rows, t))}


def organisations_with_results(*, organisation_ids: Iterable[int]) -> set[int]:
    return set(
        AssessmentResult.objects.filter(organisation_id__in=list(organisation_ids))
        .order_by()
        .values_list("organisation_id", flat=True)
        .distinct()
    )


def matching_candidates(
    *,
    organisations: QuerySet[Organisation],
    default_capacity: int,
    cells_region_id: int | None = None,
) -> list[matching.Candidate]:
    """Every active organisation of ``organisations`` as a matching candidate (8 queries; 3
    more with ``cells_region_id``: strong cells from the results, for schools matched on
    their results).

    Derived strengths (low risk in the latest profile) count only for schools that are not
    themselves supported; a supported school offers what it *declares* (seed 001, СОШ № 3).
    """
    rows = list(
        organisations.filter(is_active=True)
        .order_by()  # the ranking orders them; the default order would sort 2,000 names
        .values_list(
            "id",
            "short_name",
            "kind",
            "latitude",
            "longitude",
            "municipality_id",
            "municipality__name",
            "municipality__latitude",
            "municipality__longitude",
        )
    )
    levels = latest_levels(organisations=organisations, only=(Level.LOW, Level.HIGH))
    categories = current_categories(organisations=organisations)
    strong: dict[int, dict[str, str]] = {}
    if cells_region_id is not None:
        able = [
            pk
            for pk, _n, kind, *_rest in rows
            if kind in SCHOOL_KINDS and categories.get(pk) not in SUPPORTED_CATEGORIES
        ]
        strong = result_cells(organisation_ids=able, region_id=cells_region_id, strong=True)
    declared: dict[int, dict[int, str]] = defaultdict(dict)
    for org_id, code, experience in (
        DeclaredStrength.objects.filter(organisation__in=organisations)
        .order_by()
        .values_list("organisation_id", "factor__code", "experience")
    ):
        declared[org_id][code] = experience
    capacities = dict(
        ProviderProfile.objects.filter(organisation__in=organisations).values_list(
            "organisation_id", "capacity"
        )
    )
    resources: dict[int, list[str]] = defaultdict(list)
    for org_id, name in (
        ProviderProfile.resources.through.objects.filter(
            providerprofile__organisation__in=organisations
        )
        .order_by("resourcekind__order")
        .values_list("providerprofile__organisation_id", "resourcekind__name")
    ):
        resources[org_id].append(name)
    loads, partners_of = provider_loads()
    candidates = []
    for pk, name, kind, lat, lon, municipality_id, municipality_name, m_lat, m_lon in rows:
        lat, lon, coords = _coords(lat, lon, m_lat, m_lon)
        category = categories.get(pk)
        own = levels.get(pk, {})
        supported = category in SUPPORTED_CATEGORIES
        candidates.append(
            matching.Candidate(
                id=pk,
                name=name,
                municipality_id=municipality_id,
                municipality_name=municipality_name,
                lat=lat,
                lon=lon,
                coords=coords,
                strong_cells=strong.get(pk, {}),
                low_factors=frozenset()
                if supported
                else frozenset(c for c, lv in own.items() if lv == Level.LOW),
                declared=declared.get(pk, {}),
                own_high=frozenset(c for c, lv in own.items() if lv == Level.HIGH),
                results=_results_level(category, kind in SCHOOL_KINDS, bool(own)),
                capacity=capacities.get(pk, default_capacity),
                load=loads.get(pk, 0),
                partners_of=frozenset(partners_of.get(pk, ())),
                resources=tuple(resources.get(pk, ())),
            )
        )
    return candidates


def plan_providers(
    *,
    organisations: QuerySet[Organisation],
    default_capacity: int,
    cells_region_id: int | None = None,
) -> list[matching.Candidate]:
    """Candidates of a region-wide pairing plan: leader schools and organisations that offered
    help — declared an experience or set their capacity (seed 000: the leader school «должна
    обладать высокими … ресурсами для обеспечения эффективного взаимодействия»)."""
    offered = set(
        ProviderProfile.objects.filter(organisation__in=organisations).values_list(
            "organisation_id", flat=True
        )
    )
    categories = current_categories(organisations=organisations)
    offered |= {pk for pk, category in categories.items() if category == Category.LEADER}
    offered |= set(
        DeclaredStrength.objects.filter(organisation__in=organisations).values_list(
            "organisation_id", flat=True
        )
    )
    return matching_candidates(
        organisations=organisations.filter(pk__in=offered),
        default_capacity=default_capacity,
        cells_region_id=cells_region_id,
    )


def pairing_plan_groups(*, rows: Iterable[Any]) -> list[dict[str, Any]]:
    """The groups a plan forms: one provider (or a pair of providers) with every supported
    school it takes — several schools with one leader, a second provider where the first
    covers too few high risks (seed 001: ООШ № 1 and О(С)ОШ № 14 with СОШ № 4 and СОШ № 16).
    Only groups of more than one school or more than one provider are listed."""
    groups: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        if row.provider_id is None or not row.include:
            continue
        providers = [p for p in (row.provider, row.second_provider) if p is not None]
        key = tuple(sorted(p.pk for p in providers))
        group = groups.setdefault(key, {"providers": providers, "schools": []})
        group["schools"].append(row.supported)
    return [
        g
        for _key, g in sorted(groups.items(), key=lambda i: str(i[1]["providers"][0]))
        if len(g["schools"]) > 1 or len(g["providers"]) > 1
    ]


def matching_school(*, organisation: Organisation) -> matching.School:
    return matching_schools(organisations=[organisation])[0]


def matching_schools(*, organisations: list[Organisation]) -> list[matching.School]:
    """Supported schools as the matcher sees them: factor levels of the latest risk profile,
    or — with no profile — the weak cells of their results (issue 14)."""
    ids = [o.pk for o in organisations]
    levels = latest_levels(organisations=ids) if ids else {}
    no_profile = [o for o in organisations if not levels.get(o.pk)]
    weak: dict[int, dict[str, str]] = {}
    has_results: set[int] = set()
    if no_profile:
        has_results = organisations_with_results(organisation_ids=[o.pk for o in no_profile])
        by_region: dict[int, list[int]] = defaultdict(list)
        for o in no_profile:
            if o.pk in has_results:
                by_region[o.municipality.region_id].append(o.pk)
        for region_id, wanted in by_region.items():
            weak.update(result_cells(organisation_ids=wanted, region_id=region_id))
    return [
        _school(o, levels.get(o.pk, {}), weak.get(o.pk, {}), o.pk in has_results)
        for o in organisations
    ]


def _school(
    org: Organisation,
    levels: dict[int, str],
    weak: dict[str, str] | None = None,
    has_results: bool = False,
) -> matching.School:
    lat, lon, coords = _coords(
        org.latitude, org.longitude, org.municipality.latitude, org.municipality.longitude
    )
    return matching.School(
        id=org.pk,
        name=org.short_name,
        municipality_id=org.municipality_id,
        levels={c: lv for c, lv in levels.items() if lv in (Level.HIGH, Level.MEDIUM)},
        lat=lat,
        lon=lon,
        coords=coords,
        weak_cells=weak or {},
        has_results=has_results or bool(levels),
    )


def partner_suggestions(
    *, organisation: Organisation, top: int | None = 10, candidate_ids: Iterable[int] | None = None
) -> tuple[matching.School, list[matching.Match]]:
    """Ranked candidates for one supported school among the organisations of its region (only
    ``candidate_ids``, if given)."""
    school, ranked, _covered = _suggestions(
        organisation=organisation, top=top, candidate_ids=candidate_ids
    )
    return school, ranked


def _suggestions(
    *, organisation: Organisation, top: int | None, candidate_ids: Iterable[int] | None = None
) -> tuple[matching.School, list[matching.Match], set[int]]:
    """The school, its ranked matches and the codes of its factors covered by any candidate
    within reach, on the region's precomputed rows (``partnerships/suggestions.py``)."""
    from . import suggestions

    region_id = organisation.municipality.region_id
    config = matching_config(region_id=region_id)
    school = matching_school(organisation=organisation)
    ranked, covered = suggestions.rank_for_school(
        school=school,
        region_id=region_id,
        weights=config.weights,
        default_capacity=config.default_capacity,
        factor_names=factor_names(),
        top=top,
        candidate_ids=candidate_ids,
    )
    return school, ranked, covered


def suggestion_page(
    *, organisation: Organisation, user: Any = None, top: int = 15
) -> dict[str, Any]:
    """The school's risk factors (high first), its best candidates, the high risks that no
    organisation of the region covers, and which candidates ``user`` may propose: those of
    the territory they manage (another municipality's are proposed by the coordinator)."""
    needs, shown, covered = _suggestions(organisation=organisation, top=top)
    proposable = set(
        member_organisations_for_user(user=user)
        .filter(pk__in=[m.candidate.id for m in shown])
        .values_list("pk", flat=True)
    )
    factors = {f.code: f for f in RiskFactor.objects.all()}
    levels = sorted(needs.levels.items(), key=lambda i: (i[1] != Level.HIGH, i[0]))
    from schools.categorization import cell_label

    weak = []
    for key, text in sorted(needs.weak_cells.items()):
        kind, grade, subject = key.split(":")
        weak.append((cell_label(kind, subject, int(grade) if grade else None), text))
    return {
        "matches": shown,
        "weak_cells": weak,
        "proposable": proposable,
        "needs": [(factors[c], level) for c, level in levels if c in factors],
        "uncovered": [
            factors[c] for c, level in levels if level == Level.HIGH and c not in covered
        ],
    }


def unpaired_supported_schools(*, organisations: QuerySet[Organisation]) -> list[matching.School]:
    """Supported schools (current category) that are not the supported member of an open
    partnership, with their latest factor levels."""
    categories = current_categories(organisations=organisations.filter(is_active=True))
    supported_ids = [pk for pk, cat in categories.items() if cat in SUPPORTED_CATEGORIES]
    paired = set(
        PartnershipMember.objects.filter(
            role=MemberRole.SUPPORTED,
            partnership__status__in=OPEN_STATUSES,
            organisation_id__in=supported_ids,
        ).values_list("organisation_id", flat=True)
    )
    wanted = [pk for pk in supported_ids if pk not in paired]
    orgs = list(
        Organisation.objects.filter(pk__in=wanted)
        .select_related("municipality")
        .order_by("short_name", "pk")
    )
    return matching_schools(organisations=orgs)


def organisation_strengths(*, organisation: Organisation) -> dict[str, Any]:
    """What an organisation can offer: derived, declared, capacity and current load."""
    region_id = organisation.municipality.region_id
    config = matching_config(region_id=region_id)
    levels = latest_levels(organisations=[organisation.pk]).get(organisation.pk, {})
    category = current_categories(organisations=[organisation.pk]).get(organisation.pk)
    names = dict(RiskFactor.objects.values_list("code", "name"))
    profile = (
        ProviderProfile.objects.filter(organisation=organisation)
        .prefetch_related("resources")
        .first()
    )
    loads, _ = provider_loads()
    return {
        "category": category,
        "category_label": Category(category).label if category else "",
        "derived": [
            {"code": c, "name": names.get(c, c)}
            for c, lv in sorted(levels.items())
            if lv == Level.LOW and category not in SUPPORTED_CATEGORIES
        ],
        "declared": list(
            DeclaredStrength.objects.filter(organisation=organisation).select_related("factor")
        ),
        "profile": profile,
        "profile_initial": {
            "capacity": profile.capacity if profile else config.default_capacity,
            "resources": list(profile.resources.all()) if profile else [],
            "note": profile.note if profile else "",
        },
        "capacity": profile.capacity if profile else config.default_capacity,
        "load": loads.get(organisation.pk, 0),
        "has_profile": bool(levels),
    }


# --- Home-page panel -------------------------------------------------------------------------


def panel_context(*, user: Any) -> dict[str, Any] | None:
    """Partnerships by status, supported schools still without a partner (territory roles),
    and partnerships waiting for the user's organisation to agree (directors, partners)."""
    scope = scope_for(user)
    visible = partnership_list_for_user(user=user)
    counts = dict(visible.values_list("status").annotate(n=Count("pk")).order_by())
    own = scope.organisation_ids(Role.DIRECTOR, Role.PARTNER)
    waiting = list(
        visible.filter(
            status=PartnershipStatus.PROPOSED,
            pk__in=PartnershipMember.objects.filter(
                organisation_id__in=own, agreed_at__isnull=True
            ).values("partnership_id"),
        ).order_by("-created_at")[:5]
    )
    unpaired = None
    if scope.has_role(*TERRITORY_ROLES):
        from schools.figures import supported_school_ids

        from .figures import partnered_school_ids

        schools = Organisation.objects.filter(
            organisation_q(scope, roles=TERRITORY_ROLES), is_active=True
        )
        supported = supported_school_ids(organisations=schools)
        paired = partnered_school_ids(organisations=schools)
        unpaired = Organisation.objects.filter(pk__in=supported).exclude(pk__in=paired).count()
    if not counts and not waiting and unpaired is None:
        return None
    return {
        "counts": [
            (status, label, counts.get(status, 0)) for status, label in PartnershipStatus.choices
        ],
        "waiting": waiting,
        "unpaired": unpaired,
    }
