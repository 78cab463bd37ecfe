"""Writes of the partnerships app. Each service validates, saves atomically and logs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnostics.models import RiskFactor
from network_portal.audit.services import audit_log
from network_portal.documents.models import Job
from network_portal.documents.services import job_request
from schools.models import Category, Municipality, Organisation, Region

from . import matching, selectors, transitions
from .history import history_off, snapshot
from .models import (
    Agreement,
    AgreementCounter,
    AgreementKind,
    AgreementStatus,
    AgreementTemplate,
    DeclaredStrength,
    Direction,
    FormOfInteraction,
    MemberRole,
    Network,
    PairingPlan,
    PairingRow,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    PlanStatus,
    ProviderProfile,
    ResourceKind,
    StatusChange,
)

AGREEMENT_DOCUMENT_KIND = "partnerships.agreement"


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


class StalePartnershipError(Exception):
    """Somebody else saved the partnership (or the network) since the form was opened."""

    def __init__(self, current: Any):
        super().__init__("stale")
        self.current = current


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

    ``version`` is the version the editor saw: if somebody saved the partnership since,
    :class:`StalePartnershipError` is raised and nothing is written. Members who stay in the
    same role keep their agreement; when organisations join (or change role) an agreed or
    active partnership goes back to «предложена», because the newcomers have not agreed to it
    — recorded in its history with who joined.
    """
    locked = Partnership.objects.select_for_update().get(pk=partnership.pk)
    if version is not None and locked.version != version:
        raise StalePartnershipError(locked)
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
    locked.version += 1
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


# --- Suggestions and pairing plans -----------------------------------------------------------


def suggestion_accept(
    *, school: Organisation, provider: Organisation, actor: Any, over_capacity_reason: str = ""
) -> Partnership:
    """One click on a suggestion: a proposed pair addressing the factors the provider covers.

    Clicked twice (or by two people at once), the second click is refused: the pair exists
    (:func:`partnership_create` locks both schools and looks for it)."""
    _school, ranked = selectors.partner_suggestions(organisation=school, top=None)
    match = next((m for m in ranked if m.candidate.id == provider.pk), None)
    codes = match.factor_codes if match else []
    leaders, partners = ([provider], []) if provider.is_school else ([], [provider])
    return partnership_create(
        actor=actor,
        data=PartnershipData(
            title=f"{school} — {provider}",
            municipality=school.municipality,
            supported=[school],
            leaders=leaders,
            partners=partners,
            risk_factors=RiskFactor.objects.filter(code__in=codes),
            description="\n".join(match.reasons) if match else "",
            over_capacity_reason=over_capacity_reason,
        ),
    )


@transaction.atomic
def pairing_plan_create(
    *, actor: Any, region: Region, municipality: Municipality | None = None
) -> PairingPlan:
    """Suggest partners for every unpaired supported school of a municipality or region.

    Providers come from the territory the author manages — the whole region for the regional
    coordinator (cross-municipality pairs are marked), the methodologist's own municipality
    (or municipalities) otherwise, so that every row can be approved by them: leader schools
    and the organisations that offered help (declared experience or a capacity); capacity is
    respected and the total fit maximised (:func:`partnerships.matching.plan_pairings`). Any
    other school can still be chosen for one school on its suggestions page."""
    config = selectors.matching_config(region_id=region.pk)
    in_region = Organisation.objects.filter(municipality__region=region)
    territory = in_region.filter(municipality=municipality) if municipality else in_region
    schools = selectors.unpaired_supported_schools(organisations=territory)
    providers = in_region
    if actor is not None:
        providers = in_region.filter(
            pk__in=selectors.member_organisations_for_user(user=actor).values("pk")
        )
    candidates = selectors.plan_providers(
        organisations=providers,
        default_capacity=config.default_capacity,
        cells_region_id=region.pk if any(s.weak_cells for s in schools) else None,
    )
    result = matching.plan_pairings(
        schools=schools,
        candidates=candidates,
        weights=config.weights,
        factor_names=selectors.factor_names(),
        min_fit=config.min_fit,
    )
    limit = config.weights.distance_limit_km
    plan = PairingPlan.objects.create(
        region=region,
        municipality=municipality,
        min_fit=config.min_fit,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        total_fit=round(sum(a.match.score for a in result if a.match), 2),
    )
    PairingRow.objects.bulk_create(
        [
            PairingRow(
                plan=plan,
                supported_id=a.school.id,
                provider_id=a.match.candidate.id if a.match else None,
                score=a.match.score if a.match else None,
                reasons=list(a.match.reasons) if a.match else [],
                factor_codes=a.match.factor_codes if a.match else [],
                cross_municipality=bool(a.match and not a.match.same_municipality),
                include=a.match is not None,
                unpaired_reason=""
                if a.match
                else matching.unpaired_text(
                    a.reason, min_fit=config.min_fit, best_fit=a.best_fit, limit_km=limit
                ),
                second_provider_id=a.second.candidate.id if a.second else None,
                second_reasons=list(a.second.reasons) if a.second else [],
                second_factor_codes=a.second.factor_codes if a.second else [],
                alternatives=[
                    {
                        "id": m.candidate.id,
                        "name": m.candidate.name,
                        "score": m.score,
                        "reasons": list(m.reasons),
                        "factor_codes": m.factor_codes,
                        "cross": not m.same_municipality,
                        "free": m.free_capacity,
                    }
                    for m in a.alternatives
                ],
            )
            for a in result
        ]
    )
    audit_log(actor=actor, action="pairing_plan.create", obj=plan, rows=len(result))
    return plan


@transaction.atomic
def pairing_row_update(*, row: PairingRow, provider_id: int | None, include: bool) -> PairingRow:
    """The methodologist swaps the suggested partner for an alternative, or leaves a school out."""
    if row.plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("The plan is already approved."))
    if provider_id and provider_id != row.provider_id:
        alt = next((a for a in row.alternatives if a["id"] == provider_id), None)
        if alt is None:
            raise ValidationError(_("Choose one of the suggested partners."))
        if row.provider_id:
            row.alternatives = [
                {
                    "id": row.provider_id,
                    "name": str(row.provider),
                    "score": float(row.score or 0),
                    "reasons": row.reasons,
                    "factor_codes": row.factor_codes,
                    "cross": row.cross_municipality,
                    "free": None,
                },
                *[a for a in row.alternatives if a["id"] != provider_id],
            ]
        else:
            row.alternatives = [a for a in row.alternatives if a["id"] != provider_id]
        if provider_id == row.second_provider_id:
            row.second_provider_id, row.second_reasons, row.second_factor_codes = None, [], []
        row.provider_id = provider_id
        row.score = alt["score"]
        row.reasons = alt["reasons"]
        row.factor_codes = alt["factor_codes"]
        row.cross_municipality = alt["cross"]
    row.include = include and row.provider_id is not None
    row.save()
    return row


@transaction.atomic
def pairing_plan_approve(
    *, plan: PairingPlan, actor: Any, over_capacity_reason: str = ""
) -> list[Partnership]:
    """Create the proposed partnerships of every included row, all or nothing.

    A plan is a snapshot: by the time it is approved a school may have been paired elsewhere
    (a suggestion accepted, another plan approved). Every member of every row is locked
    first, in one fixed order, then each school is checked again; a row whose school is no
    longer unpaired refuses the whole approval with its name, so it can be unticked."""
    plan = PairingPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != PlanStatus.DRAFT:
        raise ValidationError(_("The plan is already approved."))
    rows = list(
        plan.rows.filter(include=True, provider__isnull=False).select_related(
            "supported__municipality", "provider__municipality__region", "second_provider"
        )
    )
    if not rows:
        raise ValidationError(_("No rows are selected."))
    _lock(
        [
            o
            for row in rows
            for o in (row.supported, row.provider, row.second_provider)
            if o is not None
        ]
    )
    paired = dict(
        PartnershipMember.objects.filter(
            role=MemberRole.SUPPORTED,
            partnership__status__in=selectors.OPEN_STATUSES,
            organisation_id__in=[row.supported_id for row in rows],
        ).values_list("organisation_id", "partnership__title")
    )
    stale = [row for row in rows if row.supported_id in paired]
    if stale:
        raise ValidationError(
            [
                _(
                    "Row «%(school)s»: the school has been paired since the plan was made "
                    "(«%(title)s»). Untick the row and approve again."
                )
                % {"school": row.supported, "title": paired[row.supported_id]}
                for row in stale
            ]
        )
    created = []
    try:
        for row in rows:
            providers = [p for p in (row.provider, row.second_provider) if p is not None]
            data = PartnershipData(
                title=f"{row.supported} — {', '.join(str(p) for p in providers)}",
                municipality=row.supported.municipality,
                supported=[row.supported],
                leaders=[p for p in providers if p.is_school],
                partners=[p for p in providers if not p.is_school],
                risk_factors=RiskFactor.objects.filter(
                    code__in=[*row.factor_codes, *row.second_factor_codes]
                ),
                description="\n".join([*row.reasons, *row.second_reasons]),
                over_capacity_reason=over_capacity_reason,
            )
            partnership = partnership_create(actor=actor, data=data)
            row.partnership = partnership
            row.save(update_fields=["partnership"])
            created.append(partnership)
    except ValidationError as exc:
        messages = [
            m for msgs in getattr(exc, "message_dict", {"": exc.messages}).values() for m in msgs
        ]
        raise ValidationError(
            _("Row «%(school)s»: %(error)s")
            % {"school": row.supported, "error": " ".join(messages)}
        ) from exc
    plan.status = PlanStatus.APPROVED
    plan.approved_at = timezone.now()
    plan.save(update_fields=["status", "approved_at"])
    audit_log(
        actor=actor, action="pairing_plan.approve", obj=plan, partnerships=[p.pk for p in created]
    )
    return created


# --- Networks ------------------------------------------------------------------------------


@transaction.atomic
def network_save(*, form: Any, actor: Any, version: int | None = None) -> Network:
    """Save a validated ``NetworkForm`` (the coordinator is always a member too).

    ``version`` is the version the editor saw; a network saved by somebody else since raises
    :class:`StalePartnershipError` and nothing is written."""
    network = form.instance
    if network.pk is not None:
        locked = Network.objects.select_for_update().get(pk=network.pk)
        if version is not None and locked.version != version:
            raise StalePartnershipError(locked)
        network.version = locked.version + 1
    network.updated_by = actor if getattr(actor, "is_authenticated", False) else None
    with history_off(network):
        network = form.save()
        network.members.add(network.coordinator)
    snapshot(network, actor=actor)
    audit_log(actor=actor, action="network.save", obj=network, model=network.model)
    return network


# --- Strengths -------------------------------------------------------------------------------


def strength_save(
    *,
    organisation: Organisation,
    factor: RiskFactor,
    experience: str,
    evidence: str,
    evidence_url: str,
    actor: Any,
) -> DeclaredStrength:
    strength, _created = DeclaredStrength.objects.update_or_create(
        organisation=organisation,
        factor=factor,
        defaults={
            "experience": experience.strip(),
            "evidence": evidence.strip(),
            "evidence_url": evidence_url,
            "updated_by": actor,
        },
    )
    audit_log(actor=actor, action="strength.save", obj=strength, factor=factor.code)
    return strength


def strength_delete(*, strength: DeclaredStrength, actor: Any) -> None:
    audit_log(actor=actor, action="strength.delete", obj=strength, factor=strength.factor.code)
    strength.delete()


def provider_profile_save(
    *,
    organisation: Organisation,
    capacity: int,
    resources: Iterable[ResourceKind],
    note: str,
    actor: Any,
) -> ProviderProfile:
    profile, _created = ProviderProfile.objects.update_or_create(
        organisation=organisation, defaults={"capacity": capacity, "note": note.strip()}
    )
    profile.resources.set(resources)
    audit_log(actor=actor, action="provider_profile.save", obj=profile, capacity=capacity)
    return profile


# --- Agreements ------------------------------------------------------------------------------


def agreement_take_number(*, municipality: Municipality, year: int) -> int:
    """The next number of the municipality in the year, without gaps under concurrency.

    The counter row is locked with ``select_for_update``; it must be called inside the
    transaction that saves the agreement, so a rolled-back agreement also returns its number.
    """
    AgreementCounter.objects.get_or_create(municipality=municipality, year=year)
    counter = AgreementCounter.objects.select_for_update().get(municipality=municipality, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def agreement_number(*, municipality: Municipality, year: int, sequence: int) -> str:
    prefix = municipality.code or str(municipality.pk)
    return f"{prefix}/{year}-{sequence:03d}"


@transaction.atomic
def agreement_create(
    *,
    partnership: Partnership,
    kind: str,
    date: dt.date,
    valid_from: dt.date,
    valid_until: dt.date,
    subject: str,
    obligations: str,
    resources_text: str,
    actor: Any,
) -> Agreement:
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The end of the term is before its start.")})
    if partnership.status in (PartnershipStatus.COMPLETED, PartnershipStatus.TERMINATED):
        raise ValidationError(_("A finished partnership cannot get a new agreement."))
    municipality = partnership.municipality
    sequence = agreement_take_number(municipality=municipality, year=date.year)
    agreement = Agreement.objects.create(
        partnership=partnership,
        kind=kind,
        municipality=municipality,
        year=date.year,
        sequence=sequence,
        number=agreement_number(municipality=municipality, year=date.year, sequence=sequence),
        date=date,
        valid_from=valid_from,
        valid_until=valid_until,
        subject=subject.strip(),
        obligations=obligations.strip(),
        resources_text=resources_text.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    _record(actor=actor, action="create", old="", new=AgreementStatus.DRAFT, agreement=agreement)
    return agreement


def agreement_request_pdf(*, agreement: Agreement, user: Any) -> Job:
    """Queue (or reuse, when nothing changed) the printable PDF of the agreement."""
    job = job_request(
        kind=AGREEMENT_DOCUMENT_KIND,
        params={"agreement_id": agreement.pk},
        title=_("%(kind)s № %(number)s")
        % {"kind": agreement.get_kind_display(), "number": agreement.number},
        user=user,
    )
    Agreement.objects.filter(pk=agreement.pk).update(document_job=job)
    agreement.document_job = job
    return job


@transaction.atomic
def agreement_upload_scan(*, agreement: Agreement, upload: Any, actor: Any) -> Agreement:
    """Store the signed scan (already checked by the form) in private storage.

    While the agreement is a draft a wrong upload may be replaced; once it is signed the scan
    is the evidence of the signature and is never replaced or deleted."""
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    if locked.status != AgreementStatus.DRAFT:
        raise ValidationError(
            {
                "scan": _(
                    "The agreement is «%(status)s»: its signed scan cannot be replaced. "
                    "If the document itself changes, terminate it and prepare a new one."
                )
                % {"status": locked.get_status_display().lower()}
            }
        )
    old = locked.scan.name if locked.scan else ""
    locked.scan.save(upload.name, upload, save=False)
    locked.scan_name = upload.name[:200]
    locked.scan_uploaded_at = timezone.now()
    locked.save(update_fields=["scan", "scan_name", "scan_uploaded_at", "updated_at"])
    if old and old != locked.scan.name:
        storage = locked.scan.storage
        transaction.on_commit(lambda: storage.delete(old))
    audit_log(
        actor=actor,
        action="agreement.upload_scan",
        obj=locked,
        file=locked.scan_name,
        replaced=bool(old),
    )
    return locked


@transaction.atomic
def agreement_transition(
    *, agreement: Agreement, action: str, actor: Any, reason: str = "", system: bool = False
) -> Agreement:
    locked = Agreement.objects.select_for_update().get(pk=agreement.pk)
    actors = (
        {transitions.SYSTEM}
        if system
        else selectors.agreement_permissions(user=actor, agreement=locked).actors
    )
    t = transitions.check(
        transitions.AGREEMENT_TRANSITIONS,
        action=action,
        status=locked.status,
        actors=actors,
        reason=reason,
    )
    if action == "sign" and not locked.scan:
        raise transitions.TransitionError(_("Upload the signed scan first."))
    old = locked.status
    locked.status = t.target
    locked.save(update_fields=["status", "updated_at"])
    _record(actor=actor, action=action, old=old, new=t.target, reason=reason, agreement=locked)
    return locked


def agreements_expire(*, today: dt.date | None = None) -> int:
    """Mark signed agreements whose term is over as expired (nightly task)."""
    today = today or timezone.localdate()
    count = 0
    for agreement in Agreement.objects.filter(status=AgreementStatus.SIGNED, valid_until__lt=today):
        agreement_transition(agreement=agreement, action="expire", actor=None, system=True)
        count += 1
    return count


def agreement_template_save(
    *, kind: str, title: str, body: str, actor: Any, region: Region | None
) -> AgreementTemplate:
    """Save the text of an agreement kind for one region (``None``: the portal's default,
    which only an administrator edits)."""
    template, _created = AgreementTemplate.objects.update_or_create(
        region=region,
        kind=kind,
        defaults={"title": title.strip(), "body": body, "updated_by": actor},
    )
    audit_log(
        actor=actor,
        action="agreement_template.save",
        obj=template,
        region=region.pk if region else None,
    )
    return template


def agreement_template_for(kind: str, *, region_id: int | None = None) -> AgreementTemplate:
    """The region's own text of the kind, else the portal's default, else a minimal one."""
    templates = AgreementTemplate.objects.filter(kind=kind).filter(
        Q(region__isnull=True) | Q(region_id=region_id)
    )
    template = min(templates, key=lambda t: t.region_id is None, default=None)
    if template is None:
        template = AgreementTemplate(
            kind=kind, region_id=region_id, title=AgreementKind(kind).label, body="{предмет}"
        )
    return template
