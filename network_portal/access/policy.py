"""The one access policy of the portal.

A user's role assignments give a :class:`Scope`, computed once per request. Domain apps build
their ``<thing>_list_for_user`` selectors from :func:`organisation_q` (rows that belong to an
organisation) or :func:`municipality_q` (rows that belong to a municipality), and views fetch
single objects through :func:`get_for_user_or_404`, so no page can forget a filter.

This module knows organisations, municipalities and regions only by their ids and by lookup
paths handed in by the caller: the platform does not import the domain apps.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404

from network_portal.accounts.models import Role

if TYPE_CHECKING:
    from network_portal.accounts.models import User

#: Roles that read (and manage) everything in a territory.
TERRITORY_ROLES = (Role.COORDINATOR, Role.METHODOLOGIST)


@dataclass(frozen=True)
class Scope:
    """What one user may read, by role. ``is_admin`` (staff superuser) sees everything."""

    user_id: int | None
    is_admin: bool = False
    roles: frozenset[str] = frozenset()
    region_ids: frozenset[int] = frozenset()
    municipality_ids: frozenset[int] = frozenset()
    # role -> organisation ids (curator: assigned schools; director/teacher/partner: own one)
    organisations_by_role: dict[str, frozenset[int]] = field(default_factory=dict)
    # organisation id -> its municipality id, for the organisations above (read with them)
    organisation_municipalities: dict[int, int] = field(default_factory=dict)

    @property
    def is_anonymous(self) -> bool:
        return self.user_id is None

    def has_role(self, *roles: str) -> bool:
        return self.is_admin or bool(self.roles.intersection(roles))

    def organisation_ids(self, *roles: str) -> frozenset[int]:
        """Organisations assigned to the user directly, in the given roles (all if none)."""
        wanted = roles or tuple(self.organisations_by_role)
        ids: set[int] = set()
        for role in wanted:
            ids |= self.organisations_by_role.get(role, frozenset())
        return frozenset(ids)

    def organisation_municipality_ids(self, *roles: str) -> frozenset[int]:
        """The municipalities of :meth:`organisation_ids` (no query: read with the scope)."""
        found = (self.organisation_municipalities.get(pk) for pk in self.organisation_ids(*roles))
        return frozenset(pk for pk in found if pk is not None)

    def rows_key(self) -> tuple:
        """What :func:`organisation_q` and :func:`municipality_q` (without ``roles``) read of the
        scope: two scopes with the same key filter the same rows, so SQL built for one serves
        the other (``network_portal.ui.paging.built_once``). Sorted: the same text in every
        process, for keys of a shared cache too."""
        return (
            self.is_admin,
            tuple(sorted(self.region_ids)),
            tuple(sorted(self.municipality_ids)),
            tuple(sorted(self.organisation_ids())),
        )

    @property
    def own_organisation_id(self) -> int | None:
        """The organisation of a director, teacher or partner (the first, if several)."""
        ids = self.organisation_ids(Role.DIRECTOR, Role.TEACHER, Role.PARTNER)
        return min(ids) if ids else None


ANONYMOUS_SCOPE = Scope(user_id=None)


def scope_for(user: User | Any) -> Scope:
    """The scope of a user, cached on the user object for the rest of the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return ANONYMOUS_SCOPE
    cached = getattr(user, "_portal_scope", None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    regions: set[int] = set()
    municipalities: set[int] = set()
    by_role: dict[str, set[int]] = {}
    organisation_municipalities: dict[int, int] = {}
    for (
        role,
        region_id,
        municipality_id,
        organisation_id,
        organisation_municipality_id,
    ) in user.role_assignments.values_list(
        "role", "region_id", "municipality_id", "organisation_id", "organisation__municipality_id"
    ):
        roles.add(role)
        if role == Role.COORDINATOR and region_id:
            regions.add(region_id)
        elif role == Role.METHODOLOGIST and municipality_id:
            municipalities.add(municipality_id)
        elif organisation_id:
            by_role.setdefault(role, set()).add(organisation_id)
            organisation_municipalities[organisation_id] = organisation_municipality_id
    scope = Scope(
        user_id=user.pk,
        is_admin=bool(user.is_superuser),
        roles=frozenset(roles),
        region_ids=frozenset(regions),
        municipality_ids=frozenset(municipalities),
        organisations_by_role={k: frozenset(v) for k, v in by_role.items()},
        organisation_municipalities=organisation_municipalities,
    )
    user._portal_scope = scope
    return scope


def _join(prefix: str, path: str) -> str:
    return f"{prefix}__{path}" if prefix else path


def organisation_q(
    scope: Scope, organisation: str = "", *, roles: Iterable[str] | None = None
) -> Q:
    """A filter for rows belonging to an organisation the scope may read.

    ``organisation`` is the lookup path from the queried model to ``schools.Organisation``
    ("" when querying organisations themselves, "organisation" for a related row).
    ``roles`` narrows the grant to some roles (e.g. only territory roles may edit).
    """
    if scope.is_admin:
        return Q()
    allowed = set(roles) if roles is not None else None
    pk = _join(organisation, "pk")
    q = Q(**{f"{pk}__in": []})  # matches nothing
    if scope.region_ids and (allowed is None or Role.COORDINATOR in allowed):
        q |= Q(**{f"{_join(organisation, 'municipality__region_id')}__in": scope.region_ids})
    if scope.municipality_ids and (allowed is None or Role.METHODOLOGIST in allowed):
        q |= Q(**{f"{_join(organisation, 'municipality_id')}__in": scope.municipality_ids})
    direct = scope.organisation_ids(*(allowed or ()))
    if direct:
        q |= Q(**{f"{pk}__in": direct})
    return q


def municipality_q(
    scope: Scope, municipality: str = "", *, roles: Iterable[str] | None = None
) -> Q:
    """A filter for rows belonging to a municipality as a whole (cycles, plans, overviews).

    Only territory roles (coordinator, methodologist) and admins see municipality-wide rows;
    users assigned to organisations reach their data through :func:`organisation_q`.
    """
    if scope.is_admin:
        return Q()
    allowed = set(roles) if roles is not None else None
    pk = _join(municipality, "pk")
    q = Q(**{f"{pk}__in": []})
    if scope.region_ids and (allowed is None or Role.COORDINATOR in allowed):
        q |= Q(**{f"{_join(municipality, 'region_id')}__in": scope.region_ids})
    if scope.municipality_ids and (allowed is None or Role.METHODOLOGIST in allowed):
        q |= Q(**{f"{pk}__in": scope.municipality_ids})
    return q


def _territory_allows(
    scope: Scope, roles: Iterable[str] | None, municipality_id: int, region_id: Callable[[], int]
) -> bool:
    """The territory roles' grant over one municipality; ``region_id()`` is read only for a
    coordinator (it may cost the caller a related object)."""
    allowed = set(roles) if roles is not None else None
    if (
        scope.municipality_ids
        and (allowed is None or Role.METHODOLOGIST in allowed)
        and municipality_id in scope.municipality_ids
    ):
        return True
    return bool(
        scope.region_ids
        and (allowed is None or Role.COORDINATOR in allowed)
        and region_id() in scope.region_ids
    )


def municipality_allows(
    scope: Scope, municipality: Any, *, roles: Iterable[str] | None = None
) -> bool:
    """:func:`municipality_q` asked of one municipality already in memory, without a query.

    ``municipality`` is anything with ``pk`` and ``region_id``. Kept in step with
    :func:`municipality_q` by ``tests/platform/test_access_policy.py``.
    """
    return scope.is_admin or _territory_allows(
        scope, roles, municipality.pk, lambda: municipality.region_id
    )


def organisation_allows(
    scope: Scope, organisation: Any, *, roles: Iterable[str] | None = None
) -> bool:
    """:func:`organisation_q` asked of one organisation already in memory, without a query.

    ``organisation`` is anything with ``pk``, ``municipality_id`` and ``municipality``
    (whose ``region_id`` is read only for a coordinator: load it with the organisation).
    Kept in step with :func:`organisation_q` by ``tests/schools/test_selectors.py``.
    """
    if scope.is_admin or _territory_allows(
        scope, roles, organisation.municipality_id, lambda: organisation.municipality.region_id
    ):
        return True
    return organisation.pk in scope.organisation_ids(*(roles or ()))


def get_for_user_or_404(queryset: QuerySet, **lookup: Any) -> Model:
    """Fetch one object from an already scoped queryset; 404 when it is outside the scope."""
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def require(condition: bool) -> None:
    """Raise 403 unless the condition holds (for write checks on an already visible object)."""
    if not condition:
        raise PermissionDenied


def role_required(*roles: str) -> Callable:
    """View decorator: 403 unless the user holds one of the roles (admins always pass)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not scope_for(request.user).has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
