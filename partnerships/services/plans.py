"""Writes of suggestions and pairing plans: one click on a suggestion, a plan for a territory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnostics.models import RiskFactor
from network_portal.audit.services import audit_log
from network_portal.documents.models import Job, JobStatus
from network_portal.documents.services import job_request, job_retry, job_set_progress
from schools.models import Municipality, Organisation, Region

from .. import matching, selectors
from ..models import MemberRole, PairingPlan, PairingRow, Partnership, PartnershipMember, PlanStatus
from .partnerships import PartnershipData, _lock, partnership_create

# --- Suggestions and pairing plans -----------------------------------------------------------


def suggestion_accept(
    *, school: Organisation, provider: Organisation, actor: Any, over_capacity_reason: str = ""
) -> Partnership:
    """One click on a suggestion: a proposed pair addressing the factors the provider covers.

    Clicked twice (or by two people at once), the second click is refused: the pair exists
    (:func:`partnership_create` locks both schools and looks for it)."""
    _school, ranked = selectors.partner_suggestions(
        organisation=school, top=None, candidate_ids=[provider.pk]
    )
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


#: The documents job kind that builds a pairing plan in the background (registered in
#: ``partnerships.documents``); its result is the plan's rows, not a file.
PLAN_JOB_KIND = "partnerships.pairing_plan"


@transaction.atomic
def pairing_plan_request(
    *, actor: Any, region: Region, municipality: Municipality | None = None
) -> PairingPlan:
    """Queue a pairing plan: the plan (empty while it is being built) and the job that builds
    it in a worker (:func:`pairing_plan_fill`) once the request commits; its page shows the
    job's progress, or why it failed with a retry button. The solver never runs in the web
    request (with no broker configured, tasks are eager and it runs right after the commit)."""
    config = selectors.matching_config(region_id=region.pk)
    plan = PairingPlan.objects.create(
        region=region,
        municipality=municipality,
        min_fit=config.min_fit,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    territory = municipality or region
    plan.job = job_request(
        kind=PLAN_JOB_KIND,
        params={"plan_id": plan.pk},
        title=_("Pairing plan: %(territory)s") % {"territory": territory},
        user=actor,
    )
    plan.save(update_fields=["job"])
    audit_log(actor=actor, action="pairing_plan.request", obj=plan)
    return plan


def pairing_plan_retry(*, plan: PairingPlan) -> PairingPlan:
    """Build a plan whose job failed once more."""
    if plan.job is None or plan.job.status != JobStatus.FAILED:
        raise ValidationError(_("The plan is not waiting for a retry."))
    job_retry(job=plan.job)
    return plan


def pairing_plan_build(job: Job) -> None:
    """The job's work (a worker): fill the plan it was queued for, reporting progress."""
    plan = PairingPlan.objects.select_related("region", "municipality").get(
        pk=job.params["plan_id"]
    )
    shown = -1

    def progress(share: float) -> None:
        nonlocal shown
        percent = int(95 * share)  # the last 5 %: writing the rows
        if percent != shown:
            shown = percent
            job_set_progress(job=job, progress=percent)

    pairing_plan_fill(plan=plan, actor=plan.created_by, progress=progress)


@transaction.atomic
def pairing_plan_create(
    *, actor: Any, region: Region, municipality: Municipality | None = None
) -> PairingPlan:
    """Build a pairing plan now, in this process (commands, benchmarks, tests); the portal's
    pages queue one instead (:func:`pairing_plan_request`)."""
    plan = PairingPlan.objects.create(
        region=region,
        municipality=municipality,
        min_fit=0,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    return pairing_plan_fill(plan=plan, actor=actor)


def pairing_plan_fill(
    *, plan: PairingPlan, actor: Any, progress: Callable[[float], None] | None = None
) -> PairingPlan:
    """Suggest partners for every unpaired supported school of the plan's municipality or
    region, and store them as the plan's rows (replacing any left by an interrupted build).

    Providers come from the territory the author manages — the whole region for the regional
    coordinator (cross-municipality pairs are marked), the methodologist's own municipality
    (or municipalities) otherwise, so that every row can be approved by them: leader schools
    and the organisations that offered help (declared experience or a capacity); capacity is
    respected and the total fit maximised (:func:`partnerships.matching.plan_pairings`). Any
    other school can still be chosen for one school on its suggestions page. The solver runs
    before the transaction that writes the rows, so that its progress is seen meanwhile."""
    region, municipality = plan.region, plan.municipality
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
        progress=progress,
    )
    limit = config.weights.distance_limit_km
    with transaction.atomic():
        plan = PairingPlan.objects.select_for_update().get(pk=plan.pk)
        if plan.status != PlanStatus.DRAFT:
            raise ValidationError(_("The plan is already approved."))
        plan.rows.all().delete()
        plan.min_fit = config.min_fit
        plan.total_fit = round(sum(a.match.score for a in result if a.match), 2)
        plan.save(update_fields=["min_fit", "total_fit"])
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
            ],
            batch_size=1000,
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
