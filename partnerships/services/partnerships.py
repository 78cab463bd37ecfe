"""Writes of partnerships: propose, edit, change status (validated, atomic, logged)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnostics.models import RiskFactor
from network_portal.audit.services import audit_log
from network_portal.editing import claim
from schools import card_cache
from schools.models import Category, Municipality, Organisation

from .. import selectors, transitions
from ..history import history_off, snapshot
from ..models import (
    Agreement,
    Direction,
    FormOfInteraction,
    MemberRole,
    Network,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    ProviderProfile,
    ResourceKind,
    StatusChange,
)

# --- Partnerships ----------------------------------------------------------------------------


@dataclass
class PartnershipData:
    title: str
    municipality: Municipality
    supported: Sequence[Organisation]
    leaders: Sequence[Organisation] = ()
    partners: Sequence[Organisation] = ()
    risk_factors: Iterable[RiskFactor] = ()
    forms: Iterable[FormOfInteraction] = ()
    directions: Iterable[Direction] = ()
    resources: Iterable[ResourceKind] = ()
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    description: str = ""
    network: Network | None = None
    over_capacity_reason: str = ""

    @property
    def providers(self) -> list[Organisation]:
        return [*self.leaders, *self.partners]

    @property
    def members(self) -> set[tuple[int, str]]:
        """(organisation id, role) of every member."""
        return (
            {(o.pk, MemberRole.SUPPORTED) for o in self.supported}
            | {(o.pk, MemberRole.LEADER) for o in self.leaders}
            | {(o.pk, MemberRole.PARTNER) for o in self.partners}
        )


def partnership_problems(
    *,
    supported_ids: Sequence[int],
    provider_ids: Sequence[int],
    start_date: dt.date | None,
    end_date: dt.date | None,
    over_capacity: Sequence[str],
    over_capacity_reason: str,
    supported_elsewhere: Sequence[str] = (),
    municipality_name: str = "",
    outside_scope: Mapping[str, Sequence[str]] | None = None,
    shnor_leaders: Sequence[str] = (),
) -> dict[str, str]:
    """The rule checks of a partnership as field → message (pure; the form shows them).

    ``supported_elsewhere``: supported schools of another municipality than the partnership's
    (a partnership is kept by the municipality of its supported schools, so that their own
    methodologist sees and manages it). ``outside_scope``: field → members the person may not
    commit, being outside the territory they manage.
    """
    problems: dict[str, str] = {}
    if not supported_ids:
        problems["supported"] = _("A partnership needs at least one supported school.")
    elif supported_elsewhere:
        problems["supported"] = _(
            "%(names)s belongs to another municipality than the partnership (%(municipality)s). "
            "A partnership is kept by the municipality of its supported schools: choose it in "
            "the «Municipality» field, or propose a separate partnership there."
        ) % {"names": ", ".join(supported_elsewhere), "municipality": municipality_name}
    if not provider_ids:
        problems["leaders"] = _("Choose at least one leader school or partner.")
    both = set(supported_ids) & set(provider_ids)
    if both or len(set(provider_ids)) != len(provider_ids):
        problems["leaders"] = _(
            "An organisation cannot be paired with itself: each member takes one role."
        )
    if shnor_leaders and "leaders" not in problems:
        problems["leaders"] = _(
            "%(names)s is a school with low results (ШНОР): it is supported, it cannot lead. "
            "Choose a leader school, or add it as a supported school."
        ) % {"names": ", ".join(shnor_leaders)}
    for name, names in (outside_scope or {}).items():
        if names and name not in problems:
            problems[name] = _(
                "%(names)s is outside the territory you manage. A pair with an organisation "
                "of another municipality is proposed by the regional coordinator."
            ) % {"names": ", ".join(names)}
    if start_date and end_date and end_date < start_date:
        problems["end_date"] = _("The end date is before the start date.")
    if over_capacity and not over_capacity_reason.strip():
        problems["over_capacity_reason"] = _(
            "%(names)s cannot take another school (capacity reached). Give the reason to "
            "exceed it, or choose another partner."
        ) % {"names": ", ".join(over_capacity)}
    return problems


def _scope_facts(
    *, actor: Any, data: PartnershipData, keep: frozenset[int] = frozenset()
) -> dict[str, Any]:
    """The arguments of :func:`partnership_problems` that depend on who proposes.

    ``actor`` ``None`` is the system (demo data, benchmarks): no territory to respect. A
    member already in the partnership (``keep``) may stay even when the editor could not
    have added it (a coordinator's cross-municipality pair edited by a methodologist).
    """
    elsewhere = [str(o) for o in data.supported if o.municipality_id != data.municipality.pk]
    categories = selectors.current_categories(organisations=[o.pk for o in data.leaders])
    facts: dict[str, Any] = {
        "supported_elsewhere": elsewhere,
        "municipality_name": str(data.municipality),
        # issue 15: a ШНОР school could be chosen as a leader (one already in it may stay)
        "shnor_leaders": [
            str(o)
            for o in data.leaders
            if categories.get(o.pk) == Category.SHNOR and o.pk not in keep
        ],
    }
    if actor is None:
        return facts
    if not selectors.can_manage_municipality(user=actor, municipality_id=data.municipality.pk):
        raise PermissionDenied
    wanted = [o for o in [*data.supported, *data.providers] if o.pk not in keep]
    allowed = set(
        selectors.member_organisations_for_user(user=actor)
        .filter(pk__in=[o.pk for o in wanted])
        .values_list("pk", flat=True)
    )
    facts["outside_scope"] = {
        name: [str(o) for o in orgs if o.pk not in allowed and o.pk not in keep]
        for name, orgs in (
            ("supported", data.supported),
            ("leaders", data.leaders),
            ("partners", data.partners),
        )
    }
    return facts


def providers_over_capacity(
    *, providers: Sequence[Organisation], exclude_partnership: Partnership | None = None
) -> list[str]:
    """Names of providers whose open partnerships already fill their capacity."""
    if not providers:
        return []
    region_id = providers[0].municipality.region_id
    config = selectors.matching_config(region_id=region_id)
    loads, _ = selectors.provider_loads()
    if exclude_partnership is not None:
        for m in exclude_partnership.members.all():
            if m.role != MemberRole.SUPPORTED and m.organisation_id in loads:
                loads[m.organisation_id] -= 1
    capacities = dict(
        ProviderProfile.objects.filter(organisation__in=providers).values_list(
            "organisation_id", "capacity"
        )
    )
    return [
        str(org)
        for org in providers
        if loads.get(org.pk, 0) + 1 > capacities.get(org.pk, config.default_capacity)
    ]


def _existing_pair(*, data: PartnershipData) -> Partnership | None:
    """An open partnership in which a supported school already works with one of the
    providers: a second one would be a duplicate (a suggestion clicked twice, a stale plan)."""
    supported = [o.pk for o in data.supported]
    providers = [o.pk for o in data.providers]
    return (
        Partnership.objects.filter(
            status__in=selectors.OPEN_STATUSES,
            pk__in=PartnershipMember.objects.filter(
                organisation_id__in=supported, role=MemberRole.SUPPORTED
            ).values("partnership_id"),
        )
        .filter(
            pk__in=PartnershipMember.objects.filter(
                organisation_id__in=providers, role__in=selectors.PROVIDER_ROLES
            ).values("partnership_id")
        )
        .order_by("pk")
        .first()
    )


def _record(
    *,
    actor: Any,
    action: str,
    old: str,
    new: str,
    reason: str = "",
    partnership: Partnership | None = None,
    agreement: Agreement | None = None,
) -> None:
    StatusChange.objects.create(
        partnership=partnership,
        agreement=agreement,
        from_status=old,
        to_status=new,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        reason=reason,
    )
    audit_log(
        actor=actor,
        action=f"{'agreement' if agreement else 'partnership'}.{action}",
        obj=agreement or partnership,
        before=old,
        after=new,
        reason=reason,
    )


@transaction.atomic
def partnership_create(*, actor: Any, data: PartnershipData) -> Partnership:
    """Propose a partnership (status «предложена»). Raises ``ValidationError`` (field → message).

    The members' rows are locked first, so two methodologists proposing the last free place
    of the same leader at the same moment cannot both get it, and the same pair cannot be
    proposed twice (a suggestion clicked twice, two plans approved at once). ``actor`` may only
    use the municipality and the organisations of the territory they manage.
    """
    providers = data.providers
    _lock([*data.supported, *providers])
    problems = partnership_problems(
        supported_ids=[o.pk for o in data.supported],
        provider_ids=[o.pk for o in providers],
        start_date=data.start_date,
        end_date=data.end_date,
        over_capacity=providers_over_capacity(providers=providers),
        over_capacity_reason=data.over_capacity_reason,
        **_scope_facts(actor=actor, data=data),
    )
    if problems:
        raise ValidationError(problems)
    existing = _existing_pair(data=data)
    if existing is not None:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: _(
                    "These organisations already work together in the partnership "
                    "«%(title)s» (%(status)s): open it and add what is missing instead of "
                    "proposing another one."
                )
                % {"title": existing.title, "status": existing.get_status_display().lower()}
            }
        )
    # shown on its members' cards only (``schools.card_cache``): a new partnership has no roadmap
    with _attributed(_member_ids(data)):
        return _create(actor=actor, data=data)


def _create(*, actor: Any, data: PartnershipData) -> Partnership:
    partnership = Partnership(
        title=data.title,
        municipality=data.municipality,
        start_date=data.start_date,
        end_date=data.end_date,
        description=data.description,
        network=data.network,
        over_capacity_reason=data.over_capacity_reason.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    with history_off(partnership):
        partnership.save()
        _save_members(partnership, data)
        _save_lists(partnership, data)
    snapshot(partnership, actor=actor)
    _record(
        actor=actor,
        action="propose",
        old="",
        new=PartnershipStatus.PROPOSED,
        partnership=partnership,
        reason=data.over_capacity_reason.strip(),
    )
    return partnership


def _lock(organisations: Sequence[Organisation]) -> None:
    ids = sorted({o.pk for o in organisations})  # a fixed order: no deadlock between proposals
    list(
        Organisation.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk")
    )


def _save_members(
    partnership: Partnership, data: PartnershipData, *, existing: Iterable[int] = ()
) -> None:
    """Create the members of ``data`` that are not among the ``existing`` member rows."""
    have = set(existing)
    PartnershipMember.objects.bulk_create(
        PartnershipMember(partnership=partnership, organisation_id=org_id, role=role)
        for org_id, role in sorted(data.members)
        if (org_id, role) not in have
    )


def _save_lists(partnership: Partnership, data: PartnershipData) -> None:
    partnership.risk_factors.set(data.risk_factors)
    partnership.forms.set(data.forms)
    partnership.directions.set(data.directions)
    partnership.resources.set(data.resources)


@transaction.atomic
def partnership_update(
    *, partnership: Partnership, actor: Any, data: PartnershipData, version: int | None = None
) -> Partnership:
    """Edit a partnership that is not finished.

    ``version`` is the version the editor saw (``network_portal.editing``; by default the
    version of ``partnership`` as passed in): if somebody saved the partnership since,
    :class:`~network_portal.editing.StaleEdit` is raised and nothing is written. Members who stay in the
    same role keep their agreement; when organisations join (or change role) an agreed or
    active partnership goes back to «предложена», because the newcomers have not agreed to it
    — recorded in its history with who joined.
    """
    # the pages that show it before and after: its members old and new, its roadmaps' schools
    with _attributed(shown_on(partnership=partnership) | _member_ids(data)):
        return _update(partnership=partnership, actor=actor, data=data, version=version)


def _update(
    *, partnership: Partnership, actor: Any, data: PartnershipData, version: int | None
) -> Partnership:
    claim(partnership, seen=version)
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if locked.status in (PartnershipStatus.COMPLETED, PartnershipStatus.TERMINATED):
        raise ValidationError(_("A finished partnership cannot be edited."))
    providers = data.providers
    _lock([*data.supported, *providers])
    rows = {(m.organisation_id, m.role): m for m in locked.members.all()}
    current = {org_id for org_id, _role in rows}
    new_providers = [o for o in providers if o.pk not in current]
    problems = partnership_problems(
        supported_ids=[o.pk for o in data.supported],
        provider_ids=[o.pk for o in providers],
        start_date=data.start_date,
        end_date=data.end_date,
        over_capacity=providers_over_capacity(providers=new_providers),
        over_capacity_reason=data.over_capacity_reason or locked.over_capacity_reason,
        **_scope_facts(actor=actor, data=data, keep=frozenset(current)),
    )
    if problems:
        raise ValidationError(problems)
    for name in ("title", "municipality", "start_date", "end_date", "description", "network"):
        setattr(locked, name, getattr(data, name))
    if data.over_capacity_reason.strip():
        locked.over_capacity_reason = data.over_capacity_reason.strip()
    joined = data.members - set(rows)
    old_status = locked.status
    if joined and old_status in (PartnershipStatus.AGREED, PartnershipStatus.ACTIVE):
        locked.status = PartnershipStatus.PROPOSED
    with history_off(locked):
        locked.save()
        PartnershipMember.objects.filter(
            pk__in=[m.pk for key, m in rows.items() if key not in data.members]
        ).delete()
        _save_members(locked, data, existing=rows)
        _save_lists(locked, data)
    snapshot(locked, actor=actor)
    audit_log(actor=actor, action="partnership.update", obj=locked)
    if locked.status != old_status:
        names = dict(
            Organisation.objects.filter(pk__in=[o for o, _r in joined]).values_list(
                "pk", "short_name"
            )
        )
        _record(
            actor=actor,
            action="members_changed",
            old=old_status,
            new=locked.status,
            partnership=locked,
            reason=_("New members have to agree: %(names)s.")
            % {"names": ", ".join(sorted(names[o] for o, _r in joined))},
        )
    return locked


@transaction.atomic
def partnership_transition(
    *, partnership: Partnership, action: str, actor: Any, reason: str = ""
) -> Partnership:
    """Apply one transition of :data:`transitions.PARTNERSHIP_TRANSITIONS` (or raise
    :class:`transitions.TransitionError`). A member's «agree» records its consent; the status
    moves once every member has agreed."""
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    perms = selectors.partnership_permissions(user=actor, partnership=locked)
    t = transitions.check(
        transitions.PARTNERSHIP_TRANSITIONS,
        action=action,
        status=locked.status,
        actors=perms.actors,
        reason=reason,
    )
    # Its members' agreement, its status and history: the pages of the schools that show the
    # partnership only (``schools.card_cache``), the same before and after (a transition adds
    # or removes no member and moves no roadmap).
    with _attributed(shown_on(partnership=locked)):
        return _transition(locked, t, perms=perms, action=action, actor=actor, reason=reason)


def _attributed(schools: set[int]):
    """A block in which the writes of a partnership's row, its members, its lists and its
    history replace only these schools' kept pages (``schools.card_cache``)."""
    lists = (
        Partnership.risk_factors,
        Partnership.forms,
        Partnership.directions,
        Partnership.resources,
    )
    return card_cache.attributed(
        Partnership,
        PartnershipMember,
        StatusChange,
        *(related.through for related in lists),
        schools=schools,
    )


def _member_ids(data: PartnershipData) -> set[int]:
    return {org_id for org_id, _role in data.members}


def shown_on(*, partnership: Partnership) -> set[int]:
    """The schools whose kept pages (``schools.card_cache``) show the partnership: its members'
    cards (its title, status and members, a provider's load of open partnerships) and the
    pages of its roadmaps (its title). Not read with the page cache off."""
    if not card_cache.enabled():
        return set()
    rows = Partnership.objects.filter(pk=partnership.pk).values_list(
        "members__organisation_id", "roadmaps__organisation_id"
    )
    return {pk for row in rows for pk in row if pk is not None}


def _transition(
    locked: Partnership, t: Any, *, perms: Any, action: str, actor: Any, reason: str
) -> Partnership:
    old = locked.status
    if action == "agree":
        own = perms.member_organisation_ids
        locked.members.filter(organisation_id__in=own, agreed_at__isnull=True).update(
            agreed_at=timezone.now(), agreed_by=actor
        )
        audit_log(
            actor=actor, action="partnership.member_agree", obj=locked, organisations=sorted(own)
        )
        agreed = [a is not None for a in locked.members.values_list("agreed_at", flat=True)]
        if not transitions.all_members_agreed(agreed):
            return locked
    locked.status = t.target
    # The status is not in the edit form, but the dates are: an edit opened before this
    # change must not put them back.
    locked.version += 1
    fields = ["status", "version", "updated_at"]
    if t.target == PartnershipStatus.ACTIVE and locked.start_date is None:
        locked.start_date = timezone.localdate()
        fields.append("start_date")
    if (
        t.target in (PartnershipStatus.COMPLETED, PartnershipStatus.TERMINATED)
        and not locked.end_date
    ):
        today = timezone.localdate()
        locked.end_date = max(today, locked.start_date) if locked.start_date else today
        fields.append("end_date")
    locked._history_user = actor if getattr(actor, "is_authenticated", False) else None
    locked.save(update_fields=fields)
    _record(actor=actor, action=action, old=old, new=t.target, reason=reason, partnership=locked)
    return locked
