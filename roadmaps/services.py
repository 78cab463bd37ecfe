"""Writes of roadmaps: drafts from the risk profile, items with optimistic locking, evidence,
review decisions, quarter ratings and engagement concerns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network_portal.audit.services import audit_log
from network_portal.editing import claim
from network_portal.outbox.services import enqueue_on_commit
from schools import card_cache
from schools.models import Organisation, Region

from .counts import counts_refresh
from .models import (
    FINISHED_ITEM_STATUSES,
    CommentKind,
    EngagementConcern,
    Evidence,
    EvidenceKind,
    ItemStatus,
    MeasureTemplate,
    QuarterRating,
    ReviewComment,
    Roadmap,
    RoadmapItem,
    RoadmapStatus,
)
from .rules import (
    DRAFT_LEVELS,
    MEASURES_PER_LEVEL,
    closing_needs_proof,
    draft_schedule,
    quarter_of,
)
from .selectors import current_factor_levels, leader_of, measure_library


@dataclass(frozen=True)
class DraftResult:
    roadmap: Roadmap
    proposed: int
    factors: int


def roadmap_create(
    *,
    organisation,
    title: str,
    user,
    partnership=None,
    from_profile: bool = True,
    start: date | None = None,
) -> DraftResult:
    """Create a roadmap; with ``from_profile`` propose measures from the library for every
    high- and medium-risk factor of the school's current risk profile (seed 001: the roadmap
    is built from the profile), the partnership's leader school co-responsible where it fits."""
    with transaction.atomic():
        roadmap = Roadmap(
            organisation=organisation, partnership=partnership, title=title, created_by=user
        )
        roadmap._history_user = user
        roadmap.save()
        proposed = factors = 0
        if from_profile:
            proposed, factors = roadmap_propose_measures(
                roadmap=roadmap, user=user, start=start or timezone.localdate()
            )
    return DraftResult(roadmap=roadmap, proposed=proposed, factors=factors)


def roadmap_update(*, roadmap: Roadmap, user, title: str, partnership) -> Roadmap:
    roadmap.title = title
    roadmap.partnership = partnership
    roadmap._history_user = user
    roadmap.save(update_fields=["title", "partnership", "updated_at"])
    return roadmap


def roadmap_propose_measures(
    *, roadmap: Roadmap, user, start: date, levels: list[tuple[Any, str]] | None = None
) -> tuple[int, int]:
    """Add library measures for the profile's high- and medium-risk factors that the roadmap
    does not address yet. Returns (measures added, factors covered)."""
    levels = (
        levels if levels is not None else current_factor_levels(organisation=roadmap.organisation)
    )
    wanted = [(factor, level) for factor, level in levels if level in DRAFT_LEVELS]
    covered = set(roadmap.items.exclude(risk_factor=None).values_list("risk_factor_id", flat=True))
    wanted = [(f, lvl) for f, lvl in wanted if f.pk not in covered]
    if not wanted:
        return 0, 0
    library: dict[int, list] = {}
    region_id = (
        Organisation.objects.filter(pk=roadmap.organisation_id)
        .values_list("municipality__region_id", flat=True)
        .first()
    )
    for template in measure_library(region_id=region_id).filter(
        risk_factor__in=[f for f, _level in wanted]
    ):
        library.setdefault(template.risk_factor_id, []).append(template)
    leader = leader_of(partnership=roadmap.partnership)
    chosen = []
    for factor, level in wanted:
        chosen.extend(library.get(factor.pk, [])[: MEASURES_PER_LEVEL[level]])
    schedule = draft_schedule(start=start, durations=[t.duration_days for t in chosen])
    position = (roadmap.items.aggregate(m=Max("position"))["m"] or 0) + 1
    items = []
    for offset, (template, (begin, due)) in enumerate(zip(chosen, schedule, strict=True)):
        items.append(
            RoadmapItem(
                roadmap=roadmap,
                task=template.task,
                measure=template.measure,
                risk_factor_id=template.risk_factor_id,
                module=template.module,
                responsible_organisation=roadmap.organisation,
                co_responsible_organisation=leader if template.with_leader else None,
                start_date=begin,
                due_date=due,
                target_indicator=template.target_indicator,
                target_value=template.target_value,
                measure_template=template,
                position=position + offset,
            )
        )
    from simple_history.utils import bulk_create_with_history

    bulk_create_with_history(items, RoadmapItem, default_user=user)
    counts_refresh(organisation_ids=[roadmap.organisation_id], fields=("n_overdue",))  # no signal
    return len(items), len({t.risk_factor_id for t in chosen})


def _mark_after_approval(item: RoadmapItem, roadmap: Roadmap) -> bool:
    if roadmap.status == RoadmapStatus.APPROVED:
        item.changed_after_approval = True
        return True
    return False


#: Why an item with a target cannot simply be set to «Выполнено» (issue 15).
PROOF_REQUIRED = gettext_lazy(
    "The item has a target: enter its actual value or add evidence before marking it done. "
    "Without either it can only be closed as «Done without confirmation», which the curator "
    "sees and which is not counted as done."
)


def item_needs_proof(
    *,
    item: RoadmapItem,
    status: str,
    actual_value,
    actual_text: str,
    has_target: bool | None = None,
) -> bool:
    """Would closing ``item`` as ``status`` with this actual value fake its progress?
    ``has_target``: the target as typed in a form (default: the item's own)."""
    if status != ItemStatus.DONE:
        return False
    has_evidence = item.pk is not None and Evidence.objects.filter(item_id=item.pk).exists()
    return closing_needs_proof(
        status=status,
        has_target=item.has_target if has_target is None else has_target,
        has_actual=actual_value is not None or bool((actual_text or "").strip()),
        has_evidence=has_evidence,
    )


def _apply_status_side_effects(item: RoadmapItem) -> None:
    """``completed_at`` is the day the item was first closed as done (with or without
    confirmation); confirming an unconfirmed closure keeps it, so a late closure stays late."""
    if item.status in FINISHED_ITEM_STATUSES:
        if item.completed_at is None:
            item.completed_at = timezone.localdate()
    else:
        item.completed_at = None


@transaction.atomic
def item_save(*, item: RoadmapItem, data: dict[str, Any], version: int | None, user) -> RoadmapItem:
    """Save changed fields of an item (new or existing) with optimistic locking.

    An existing item is claimed at the ``version`` the person saw (the editing kit's
    :func:`~network_portal.editing.claim`; ``None``: they saw no stored item): if somebody
    saved it in between, nothing is written and :class:`~network_portal.editing.StaleEdit`
    carries the item as stored now, for the form to show. Changes to an approved roadmap are
    allowed and marked «изменено после утверждения» for the curator.
    """
    roadmap = item.roadmap
    if item.pk is not None:
        # the claim's UPDATE of the version: the item's schools' pages only (issue 17)
        with card_cache.attributed(RoadmapItem, schools=card_cache.stored_schools(item) or ()):
            claim(item, seen=version, queryset=RoadmapItem.objects.select_related("risk_factor"))
    else:
        item.position = (roadmap.items.aggregate(m=Max("position"))["m"] or 0) + 1
    for name, value in data.items():
        setattr(item, name, value)
    if item.due_date and item.start_date and item.due_date < item.start_date:
        raise ValidationError({"due_date": _("The due date cannot be before the start date.")})
    if item_needs_proof(
        item=item, status=item.status, actual_value=item.actual_value, actual_text=item.actual_text
    ):
        raise ValidationError({"actual": PROOF_REQUIRED})
    _apply_status_side_effects(item)
    _mark_after_approval(item, roadmap)
    item._history_user = user
    item.save()
    if roadmap.status == RoadmapStatus.APPROVED:
        with card_cache.attributed(Roadmap, schools=[roadmap.organisation_id]):
            Roadmap.objects.filter(pk=roadmap.pk).update(updated_at=timezone.now())
    return item


@transaction.atomic
def item_delete(*, item: RoadmapItem, user) -> None:
    roadmap = item.roadmap
    item._history_user = user
    if roadmap.status == RoadmapStatus.APPROVED:
        ReviewComment.objects.create(
            roadmap=roadmap,
            kind=CommentKind.COMMENT,
            author=user,
            text=_("Item removed after approval: %(task)s") % {"task": item.task},
        )
    item.delete()


def evidence_add(
    *, item: RoadmapItem, user, upload=None, url: str = "", text: str = ""
) -> list[Evidence]:
    """Attach evidence: a file (private storage), a link and/or a comment. Each is recorded
    in the item's history with who added it."""
    pieces = []
    if upload is not None:
        pieces.append(
            Evidence(
                kind=EvidenceKind.FILE,
                file=upload,
                file_name=upload.name[:255],
                file_size=upload.size,
            )
        )
    if url:
        pieces.append(Evidence(kind=EvidenceKind.LINK, url=url))
    if text:
        pieces.append(Evidence(kind=EvidenceKind.COMMENT, text=text))
    with transaction.atomic():
        for evidence in pieces:
            evidence.item, evidence.added_by = item, user
            evidence._history_user = user
            evidence.save()
        if pieces and item.status == ItemStatus.UNCONFIRMED:
            # The evidence confirms the closure; the day it was closed (late or not) stays.
            item.status = ItemStatus.DONE
            item.version += 1
            item._history_user = user
            item.save(update_fields=["status", "version", "updated_at"])
    return pieces


def item_comment(*, item: RoadmapItem, user, text: str) -> ReviewComment:
    return ReviewComment.objects.create(
        roadmap=item.roadmap, item=item, author=user, text=text, kind=CommentKind.COMMENT
    )


def roadmap_comment(*, roadmap: Roadmap, user, text: str) -> ReviewComment:
    return ReviewComment.objects.create(roadmap=roadmap, author=user, text=text)


class TransitionError(Exception):
    pass


#: Allowed review transitions (from → to).
TRANSITIONS = {
    RoadmapStatus.SUBMITTED: (RoadmapStatus.DRAFT, RoadmapStatus.RETURNED),
    RoadmapStatus.APPROVED: (RoadmapStatus.SUBMITTED, RoadmapStatus.APPROVED),
    RoadmapStatus.RETURNED: (RoadmapStatus.SUBMITTED, RoadmapStatus.APPROVED),
}


def roadmap_can_transition(*, status: str, to: str) -> bool:
    return status in TRANSITIONS.get(to, ())


@transaction.atomic
def roadmap_transition(*, roadmap: Roadmap, to: str, user, comment: str = "") -> Roadmap:
    """Submit (director), approve or return with a comment (curator). Re-approving an approved
    roadmap accepts the changes made after the approval."""
    roadmap = Roadmap.objects.select_for_update().get(pk=roadmap.pk)
    if not roadmap_can_transition(status=roadmap.status, to=to):
        raise TransitionError(to)
    if to == RoadmapStatus.SUBMITTED and not roadmap.items.exists():
        raise TransitionError(to)
    now = timezone.now()
    previous = roadmap.status
    roadmap.status = to
    if to == RoadmapStatus.SUBMITTED:
        roadmap.submitted_at = now
    elif to == RoadmapStatus.APPROVED:
        roadmap.approved_at, roadmap.approved_by = now, user
        roadmap.items.filter(changed_after_approval=True).update(changed_after_approval=False)
    roadmap._history_user = user
    roadmap.save()
    step = ReviewComment.objects.create(roadmap=roadmap, author=user, kind=to, text=comment)
    audit_log(actor=user, action=f"roadmap_{to}", obj=roadmap, previous=previous)
    from .tasks import notify_review_step

    enqueue_on_commit(notify_review_step, step.pk)
    return roadmap


class RatingError(ValidationError):
    """A rating refused: a future quarter, or a correction without its reason."""


def rating_quarter_error(*, year: int, quarter: int, today: date | None = None) -> str | None:
    """Only the current or a past quarter is rated (a rating of «4 кв. 2031» would become every
    role's «последняя оценка»)."""
    current = quarter_of(today or timezone.localdate())
    if (year, quarter) > current:
        return _(
            "Only the current quarter (%(q)s qtr %(y)s) or a past one can be rated: "
            "a quarter that has not started has nothing to rate yet."
        ) % {"q": current[1], "y": current[0]}
    return None


@transaction.atomic
def quarter_rate(
    *,
    roadmap: Roadmap,
    user,
    year: int,
    quarter: int,
    rating: str,
    reason: str,
    correction_reason: str = "",
) -> QuarterRating:
    """Rate a quarter, or correct its rating. A correction needs ``correction_reason``; the
    replaced rating stays in the rating's history with it."""
    error = rating_quarter_error(year=year, quarter=quarter)
    if error:
        raise RatingError({"quarter": error})
    if not reason.strip():
        raise RatingError({"reason": _("Give the reason for the rating.")})
    existing = (
        QuarterRating.objects.select_for_update()
        .filter(roadmap=roadmap, year=year, quarter=quarter)
        .first()
    )
    if existing is not None and not correction_reason.strip():
        raise RatingError({"correction_reason": CORRECTION_REASON_REQUIRED})
    obj = existing or QuarterRating(roadmap=roadmap, year=year, quarter=quarter)
    previous = existing.rating if existing else ""
    obj.rating, obj.reason, obj.rated_by = rating, reason, user
    obj._history_user = user
    obj._change_reason = correction_reason.strip() if existing else ""
    obj.save()
    audit_log(
        actor=user,
        action="quarter_rating_corrected" if existing else "quarter_rating_given",
        obj=obj,
        previous=previous,
        reason=correction_reason.strip(),
    )
    return obj


#: A rated quarter is rated again only as a correction with its reason.
CORRECTION_REASON_REQUIRED = gettext_lazy(
    "This quarter is already rated: say why you correct the rating (it is kept in the history)."
)


@transaction.atomic
def quarter_rating_withdraw(*, rating: QuarterRating, user, reason: str) -> None:
    """Withdraw a rating (a mistaken quarter, a wrong roadmap): it disappears from every page,
    and its history keeps who withdrew it, when and why."""
    if not reason.strip():
        raise RatingError({"reason": _("Say why the rating is withdrawn.")})
    rating._history_user = user
    rating._change_reason = reason.strip()
    audit_log(
        actor=user,
        action="quarter_rating_withdrawn",
        obj=rating.roadmap,
        rating=f"{rating.year} Q{rating.quarter} {rating.rating}",
        reason=reason.strip(),
    )
    rating.delete()


def concern_raise(*, organisation, user, text: str, roadmap: Roadmap | None = None):
    concern = EngagementConcern.objects.create(
        organisation=organisation, roadmap=roadmap, text=text, raised_by=user
    )
    audit_log(actor=user, action="engagement_concern_raised", obj=concern)
    return concern


def concern_resolve(*, concern: EngagementConcern, user, resolution: str) -> EngagementConcern:
    concern.resolved_at = timezone.now()
    concern.resolved_by = user
    concern.resolution = resolution
    concern.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit_log(actor=user, action="engagement_concern_resolved", obj=concern)
    return concern


def parse_decimal(value: str) -> Decimal | None:
    """A number typed the Russian way («12,5») or the other (``12.5``); None for empty."""
    value = (value or "").strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not value:
        return None
    return Decimal(value)


# --- The library of typical measures, per region ------------------------------------------

#: What a measure of the library holds (and the editing form changes).
MEASURE_FIELDS = (
    "risk_factor",
    "module",
    "task",
    "measure",
    "form_of_interaction",
    "duration_days",
    "target_indicator",
    "target_value",
    "with_leader",
    "is_active",
    "position",
)


@transaction.atomic
def measure_library_copy_for_region(*, region: Region, actor: Any) -> int:
    """Give the region its own copy of the portal's library (once); returns the rows copied.

    The region row is locked, so two coordinators' first changes at once copy it once."""
    Region.objects.select_for_update().get(pk=region.pk)
    if MeasureTemplate.objects.filter(region=region).exists():
        return 0
    base = list(MeasureTemplate.objects.filter(region__isnull=True).order_by("pk"))
    MeasureTemplate.objects.bulk_create(
        MeasureTemplate(
            region=region,
            copied_from=template,
            **{name: getattr(template, name) for name in MEASURE_FIELDS},
        )
        for template in base
    )
    audit_log(actor=actor, action="measure_library.copy", obj=region, measures=len(base))
    return len(base)


@transaction.atomic
def measure_template_save(
    *,
    template: MeasureTemplate | None,
    data: dict[str, Any],
    region: Region | None,
    actor: Any,
) -> MeasureTemplate:
    """Save a typical measure of ``region``'s library (``None``: the portal's library, an
    administrator's). A region's first change copies the portal's library for it; a measure
    of the portal's library is then changed in the region's copy only. Audit-logged."""
    if region is not None:
        measure_library_copy_for_region(region=region, actor=actor)
        if template is not None and template.region_id is None:
            template = MeasureTemplate.objects.get(region=region, copied_from_id=template.pk)
    else:
        template = MeasureTemplate.objects.get(pk=template.pk) if template is not None else None
    if template is not None and template.region_id != (region.pk if region else None):
        raise PermissionError("the measure belongs to another region's library")
    created = template is None
    target = template or MeasureTemplate(region=region)
    before = {name: str(getattr(target, name)) for name in data} if not created else {}
    for name, value in data.items():
        if name in MEASURE_FIELDS:
            setattr(target, name, value)
    target.save()
    changed = sorted(name for name in data if before.get(name) != str(getattr(target, name)))
    audit_log(
        actor=actor,
        action="measure_template.create" if created else "measure_template.save",
        obj=target,
        region=region.pk if region else None,
        changed=changed,
    )
    return target
