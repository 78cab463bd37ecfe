"""Reads of roadmaps: scoped lists, permissions, the roadmap page, overviews, history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from network_portal.access.policy import Scope, organisation_q, scope_for
from network_portal.accounts.models import Role

from .figures import item_annotations, item_filters, percent
from .models import (
    EngagementConcern,
    Evidence,
    EvidenceKind,
    ItemStatus,
    MeasureTemplate,
    ProgrammeModule,
    QuarterRating,
    ReviewComment,
    Roadmap,
    RoadmapItem,
)
from .rules import Progress, number_text, progress_by, progress_of

#: Roles that read a school's roadmaps through the school (territory, curator, its director).
READER_ROLES = (Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR, Role.DIRECTOR)
#: Roles of members of a partnership (a leader school's director, a partner's representative)
#: that read the partnership's roadmap.
MEMBER_ROLES = (Role.DIRECTOR, Role.PARTNER)


def _member_partnerships(scope: Scope):
    from partnerships.models import PartnershipMember

    return PartnershipMember.objects.filter(
        organisation_id__in=scope.organisation_ids(*MEMBER_ROLES)
    ).values("partnership_id")


def roadmap_list_for_user(*, user) -> QuerySet[Roadmap]:
    """Roadmaps the user may open: of the schools in their scope, and of the partnerships
    their own organisation is a member of (a leader school, a partner)."""
    scope = scope_for(user)
    q = organisation_q(scope, "organisation", roles=READER_ROLES)
    if scope.organisation_ids(*MEMBER_ROLES):
        q |= Q(partnership_id__in=_member_partnerships(scope))
    return Roadmap.objects.filter(q).select_related(
        "organisation", "organisation__municipality", "partnership"
    )


def roadmap_items_for_user(*, user) -> QuerySet[RoadmapItem]:
    return RoadmapItem.objects.filter(roadmap__in=roadmap_list_for_user(user=user).values("pk"))


@dataclass(frozen=True)
class RoadmapPermissions:
    """What a user may do with one visible roadmap (see README of roadmaps for the rules)."""

    can_edit: bool = False  # the school's director: items, structure, submit
    can_review: bool = False  # the school's curator: comments, approve / return, ratings
    can_raise_concern: bool = False  # territory roles, the school's curator
    member_organisation_ids: frozenset[int] = field(default_factory=frozenset)

    def can_update_item(self, item: RoadmapItem) -> bool:
        """Quick updates (status, actual value, evidence). A member school of the partnership
        (e.g. the leader school) updates the items it is responsible or co-responsible for."""
        if self.can_edit:
            return True
        return bool(self.member_organisation_ids) and (
            item.responsible_organisation_id in self.member_organisation_ids
            or item.co_responsible_organisation_id in self.member_organisation_ids
        )

    @property
    def can_update_any(self) -> bool:
        return self.can_edit or bool(self.member_organisation_ids)


def roadmap_permissions(*, user, roadmap: Roadmap) -> RoadmapPermissions:
    scope = scope_for(user)
    if scope.is_admin:
        return RoadmapPermissions(can_edit=True, can_review=True, can_raise_concern=True)
    org_id = roadmap.organisation_id
    members: frozenset[int] = frozenset()
    own = scope.organisation_ids(*MEMBER_ROLES) - {org_id}
    if roadmap.partnership_id and own:
        from partnerships.models import PartnershipMember

        members = frozenset(
            PartnershipMember.objects.filter(
                partnership_id=roadmap.partnership_id, organisation_id__in=own
            ).values_list("organisation_id", flat=True)
        )
    org = roadmap.organisation
    territory = org.municipality_id in scope.municipality_ids or (
        bool(scope.region_ids) and org.municipality.region_id in scope.region_ids
    )
    curated = org_id in scope.organisation_ids(Role.CURATOR)
    return RoadmapPermissions(
        can_edit=org_id in scope.organisation_ids(Role.DIRECTOR),
        can_review=curated,
        can_raise_concern=territory or curated,
        member_organisation_ids=members,
    )


def current_factor_levels(*, organisation) -> list[tuple[Any, str]]:
    """(risk factor, level) of the school's current risk profile, most severe first; empty
    when the school has no profile yet (or there is no school)."""
    from diagnostics.selectors import current_profile_for

    if organisation is None:
        return []
    profile = current_profile_for(organisation=organisation)
    if profile is None:
        return []
    rank = {"high": 0, "medium": 1, "low": 2}
    return sorted(
        ((fl.factor, fl.level) for fl in profile.levels.all()),
        key=lambda p: (rank.get(p[1], 3), p[0].code),
    )


def measure_library(
    *, region_id: int | None = None, active_only: bool = True
) -> QuerySet[MeasureTemplate]:
    """The region's own library once it has one, else the portal's (``region_id`` None: the
    portal's library itself)."""
    own = region_id is not None and MeasureTemplate.objects.filter(region_id=region_id).exists()
    qs = MeasureTemplate.objects.select_related("risk_factor").filter(
        region_id=region_id if own else None
    )
    return qs.filter(is_active=True) if active_only else qs


def library_region_id_for_user(*, user) -> int | None:
    """Whose library the user reads and edits: the coordinator's region, the methodologist's
    municipality's region; ``None`` (the portal's library) for an administrator."""
    from schools.models import Municipality

    scope = scope_for(user)
    if scope.is_admin:
        return None
    if scope.region_ids:
        return min(scope.region_ids)
    return (
        Municipality.objects.filter(pk__in=scope.municipality_ids)
        .order_by("pk")
        .values_list("region_id", flat=True)
        .first()
    )


def leader_of(*, partnership) -> Any | None:
    """The first leader school of a partnership (co-responsible for measures that fit)."""
    if partnership is None:
        return None
    from partnerships.models import MemberRole, PartnershipMember

    member = (
        PartnershipMember.objects.filter(partnership=partnership, role=MemberRole.LEADER)
        .select_related("organisation")
        .order_by("organisation__short_name")
        .first()
    )
    return member.organisation if member else None


def roadmap_schools_for_user(*, user) -> QuerySet:
    """Schools the user may start a roadmap for: the director's own school (or schools); any
    school for an administrator. The school's team writes its roadmap (issue 7)."""
    from schools.models import Organisation

    scope = scope_for(user)
    schools = Organisation.objects.schools().select_related("municipality")
    if scope.is_admin:
        return schools.order_by("short_name")
    return schools.filter(pk__in=scope.organisation_ids(Role.DIRECTOR)).order_by("short_name")


def partnerships_for_school(*, organisation) -> QuerySet:
    """Partnerships in which the school is the supported member (a roadmap may belong to one)."""
    from partnerships.models import MemberRole, Partnership

    return Partnership.objects.filter(
        members__organisation=organisation, members__role=MemberRole.SUPPORTED
    ).order_by("title")


def partnerships_for_schools(*, organisations: QuerySet) -> QuerySet:
    """Partnerships in which one of the schools is the supported member."""
    from partnerships.models import MemberRole, Partnership

    return (
        Partnership.objects.filter(
            members__organisation__in=organisations, members__role=MemberRole.SUPPORTED
        )
        .distinct()
        .order_by("title")
    )


def roadmap_items(*, roadmap: Roadmap, pk: int | None = None) -> list[RoadmapItem]:
    """Every item of the page (or one of them) in a fixed number of queries, whatever the size.

    Evidence and comments come as plain lists (``evidence_list``, ``comment_list``): a related
    manager's ``.all()`` would clone a queryset per item. The objects the items point at — a
    handful of risk factors, organisations and people, each shared by many items — are read
    once and shared, instead of a copy per row from ``select_related``: on a 200-item roadmap
    that is a thousand model instances fewer (bench/bench_roadmaps.py)."""
    from diagnostics.models import RiskFactor
    from network_portal.accounts.models import User
    from schools.models import Organisation

    items = list(roadmap.items.filter(pk=pk) if pk is not None else roadmap.items.all())
    ids = [item.pk for item in items]
    # (the models' own orderings start with a foreign key, which would join its table)
    evidence = list(Evidence.objects.filter(item_id__in=ids).order_by("created_at", "pk"))
    comments = list(ReviewComment.objects.filter(item_id__in=ids).order_by("created_at", "pk"))
    org_ids = {
        org_id
        for item in items
        for org_id in (item.responsible_organisation_id, item.co_responsible_organisation_id)
    }
    orgs = {o.pk: o for o in Organisation.objects.filter(pk__in=org_ids - {None})}
    factors = {f.pk: f for f in RiskFactor.objects.filter(pk__in={i.risk_factor_id for i in items})}
    user_ids = {e.added_by_id for e in evidence} | {c.author_id for c in comments}
    users = {u.pk: u for u in User.objects.filter(pk__in=user_ids - {None})}
    by_item: dict[int, tuple[list, list]] = {item.pk: ([], []) for item in items}
    for e in evidence:
        Evidence.added_by.field.set_cached_value(e, users.get(e.added_by_id))
        by_item[e.item_id][0].append(e)
    for c in comments:
        ReviewComment.author.field.set_cached_value(c, users.get(c.author_id))
        by_item[c.item_id][1].append(c)
    fields = RoadmapItem._meta
    factor_field = fields.get_field("risk_factor")
    responsible = fields.get_field("responsible_organisation")
    co_responsible = fields.get_field("co_responsible_organisation")
    for item in items:
        factor_field.set_cached_value(item, factors.get(item.risk_factor_id))
        responsible.set_cached_value(item, orgs.get(item.responsible_organisation_id))
        co_responsible.set_cached_value(item, orgs.get(item.co_responsible_organisation_id))
        item.evidence_list, item.comment_list = by_item[item.pk]
    return items


@dataclass
class RoadmapSummary:
    total: Progress
    by_module: list[tuple[str, Progress]]
    by_factor: list[tuple[str, Progress]]


def roadmap_summary(*, items: list[RoadmapItem], today: date | None = None) -> RoadmapSummary:
    today = today or timezone.localdate()
    modules = dict(ProgrammeModule.choices)
    by_module = progress_by(items, lambda i: str(modules.get(i.module, "—")), today=today)
    by_factor = progress_by(
        items,
        lambda i: f"{i.risk_factor.code}. {i.risk_factor.short_name}" if i.risk_factor else "—",
        today=today,
    )
    return RoadmapSummary(
        total=progress_of(items, today=today),
        by_module=sorted(by_module.items()),
        by_factor=sorted(by_factor.items(), key=lambda kv: _code_key(kv[0])),
    )


def _code_key(label: str) -> tuple[int, str]:
    head = label.split(".", 1)[0]
    return (int(head), label) if head.isdigit() else (99, label)


def roadmap_review_comments(*, roadmap: Roadmap) -> list[ReviewComment]:
    return list(roadmap.comments.filter(item__isnull=True).select_related("author"))


def roadmap_ratings(*, roadmap: Roadmap) -> list[QuarterRating]:
    return list(roadmap.ratings.select_related("rated_by"))


def rating_history(*, roadmap: Roadmap) -> list:
    """Corrections and withdrawals of the roadmap's quarter ratings, newest first, each with
    the rating it replaced or withdrew, who did it and why."""
    records = list(
        QuarterRating.history.filter(roadmap_id=roadmap.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    previous: dict[int, Any] = {}
    entries = []
    for record in records:
        before = previous.get(record.id)
        previous[record.id] = record
        if record.history_type == "+" or before is None:
            continue
        record.before = before
        entries.append(record)
    entries.sort(key=lambda r: r.history_date, reverse=True)
    return entries


#: Roles that raise and resolve engagement concerns: the territory's, and the curator for the
#: schools they curate (issue 15: the curator had no way to raise one).
CONCERN_ROLES = (Role.COORDINATOR, Role.METHODOLOGIST, Role.CURATOR)
#: Roles that read the overview of roadmaps and concerns: the same, each over their schools.
OVERVIEW_ROLES = CONCERN_ROLES


def concern_schools_for_user(*, user) -> QuerySet:
    """Schools the user may raise an engagement concern about (their territory, or the schools
    they curate)."""
    from schools.models import Organisation

    scope = scope_for(user)
    return Organisation.objects.filter(organisation_q(scope, roles=CONCERN_ROLES))


def concern_list_for_user(*, user) -> QuerySet[EngagementConcern]:
    scope = scope_for(user)
    return EngagementConcern.objects.filter(
        organisation_q(scope, "organisation", roles=CONCERN_ROLES)
    )


def open_concerns(*, organisation_ids) -> QuerySet[EngagementConcern]:
    return EngagementConcern.objects.filter(
        organisation_id__in=organisation_ids, resolved_at__isnull=True
    ).select_related("raised_by", "organisation")


def roadmap_rows(*, roadmaps: QuerySet[Roadmap], today: date | None = None) -> QuerySet[Roadmap]:
    """Roadmaps annotated for lists: items (not cancelled), done, overdue, cancelled, changed
    after approval, an open concern."""
    return roadmaps.annotate(
        # n_items, n_done, n_overdue as ``roadmaps.figures`` defines them (cancelled items are
        # not counted in n_items)
        **item_annotations(prefix="items__", today=today),
        n_cancelled=Count("items", filter=Q(items__status=ItemStatus.CANCELLED), distinct=True),
        n_unconfirmed=Count("items", filter=Q(items__status=ItemStatus.UNCONFIRMED), distinct=True),
        n_changed=Count("items", filter=Q(items__changed_after_approval=True), distinct=True),
        has_open_concern=Exists(
            EngagementConcern.objects.filter(
                organisation_id=OuterRef("organisation_id"), resolved_at__isnull=True
            )
        ),
    )


def last_ratings(*, roadmap_ids) -> dict[int, QuarterRating]:
    """The latest quarter rating of each roadmap, in one query."""
    latest: dict[int, QuarterRating] = {}
    for rating in QuarterRating.objects.filter(roadmap_id__in=list(roadmap_ids)).order_by(
        "roadmap_id", "-year", "-quarter"
    ):
        latest.setdefault(rating.roadmap_id, rating)
    return latest


def _count(queryset: QuerySet) -> Coalesce:
    """A correlated ``COUNT(*)`` of ``queryset`` (filtered on an outer reference), 0 if none."""
    return Coalesce(
        Subquery(
            queryset.order_by().values(group=Value(1)).annotate(n=Count("pk")).values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def overview_schools(*, user, municipality_id: int | None = None) -> QuerySet:
    """The overview's schools in its order (open concerns, then overdue items, then name):
    every supported school of the territory and every other one with a roadmap or an open
    concern, with ``n_concerns`` and
    ``n_overdue`` counted in the database, so that a page reads only its own rows."""
    from schools.figures import supported_school_ids
    from schools.models import Organisation

    scope = scope_for(user)
    schools = Organisation.objects.filter(organisation_q(scope, roles=OVERVIEW_ROLES))
    if municipality_id:
        schools = schools.filter(municipality_id=municipality_id)
    concerns = EngagementConcern.objects.filter(
        organisation_id=OuterRef("pk"), resolved_at__isnull=True
    )
    overdue = RoadmapItem.objects.filter(
        item_filters()["overdue"], roadmap__organisation_id=OuterRef("pk")
    )
    return (
        schools.filter(
            Exists(Roadmap.objects.filter(organisation_id=OuterRef("pk")))
            | Exists(concerns)
            # every supported school is a row, «no roadmap» when it has none (issue 15)
            | Q(pk__in=supported_school_ids(organisations=schools))
        )
        .annotate(n_concerns=_count(concerns), n_overdue=_count(overdue))
        .order_by("-n_concerns", "-n_overdue", "short_name", "pk")
    )


def overview_totals(*, schools: QuerySet) -> dict[str, int]:
    """Schools, overdue items and open concerns of the whole overview, in one query."""
    totals = schools.order_by().aggregate(
        schools=Count("pk"), overdue=Sum("n_overdue"), concerns=Sum("n_concerns")
    )
    return {k: v or 0 for k, v in totals.items()}


def overview_rows(
    *, user, municipality_id: int | None = None, organisations=None
) -> list[dict[str, Any]]:
    """The municipality overview for methodologists: every school in the territory that has a
    roadmap or an open concern, with progress, overdue items, last rating, open concerns —
    or only ``organisations`` (one page of :func:`overview_schools`, in its order)."""
    if organisations is None:
        organisations = list(overview_schools(user=user, municipality_id=municipality_id))
    ids = [o.pk for o in organisations]
    roadmaps = list(
        roadmap_rows(roadmaps=Roadmap.objects.filter(organisation_id__in=ids))
        .select_related("partnership")
        .order_by("organisation_id", "pk")
    )
    concerns = list(
        open_concerns(organisation_ids=ids).select_related(None).select_related("raised_by")
    )
    ratings = last_ratings(roadmap_ids=[r.pk for r in roadmaps])
    rows = {
        o.pk: {"organisation": o, "roadmaps": [], "concerns": [], "overdue": 0}
        for o in organisations
    }
    for roadmap in roadmaps:
        roadmap.percent = percent(roadmap.n_done, roadmap.n_items)
        roadmap.last_rating = ratings.get(roadmap.pk)
        rows[roadmap.organisation_id]["roadmaps"].append(roadmap)
        rows[roadmap.organisation_id]["overdue"] += roadmap.n_overdue
    for concern in concerns:
        rows[concern.organisation_id]["concerns"].append(concern)
    return list(rows.values())


def card_context(*, user, organisation) -> dict[str, Any] | None:
    """The roadmaps section of the school card: progress of its roadmaps and open concerns."""
    scope = scope_for(user)
    roadmaps = list(
        roadmap_rows(roadmaps=roadmap_list_for_user(user=user).filter(organisation=organisation))
    )
    concerns = (
        list(open_concerns(organisation_ids=[organisation.pk]))
        if scope.has_role(*READER_ROLES)
        else []
    )
    if not roadmaps and not concerns and not scope.has_role(*READER_ROLES):
        return None
    for roadmap in roadmaps:
        roadmap.percent = percent(roadmap.n_done, roadmap.n_items)
    can_raise = concern_schools_for_user(user=user).filter(pk=organisation.pk).exists()
    return {
        "roadmaps": roadmaps,
        "concerns": concerns,
        "organisation": organisation,
        "can_raise_concern": can_raise,
    }


@dataclass
class HistoryEntry:
    """One line of a roadmap's history: an item added, changed or removed, or a piece of
    evidence added to an item or removed from it."""

    when: Any
    user: Any
    task: str
    kind: str  # "added" | "changed" | "removed" | "evidence_added" | "evidence_removed"
    changes: list[tuple[str, str, str]]  # field label, before, after
    after_approval: bool
    evidence: str = ""


def item_history(*, roadmap: Roadmap) -> list[HistoryEntry]:
    """Every recorded change of the roadmap's items, newest first, with before → after.

    Removed items keep their history (simple-history's «-» record says who removed them);
    evidence added or removed (its own history) appears on the item it belongs to."""
    records = list(
        RoadmapItem.history.filter(roadmap_id=roadmap.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    labels = {
        f.name: str(f.verbose_name)
        for f in RoadmapItem._meta.get_fields()
        if hasattr(f, "verbose_name")
    }
    skip = {"version", "changed_after_approval", "created_at", "updated_at", "position"}
    names = _relation_names(records)

    def after_approval(when, flag: bool = False) -> bool:
        return bool(roadmap.approved_at and when > roadmap.approved_at) or flag

    entries: list[HistoryEntry] = []
    previous: dict[int, Any] = {}
    tasks: dict[int, str] = {}
    for record in records:
        prev = previous.get(record.id)
        previous[record.id] = record
        tasks[record.id] = record.task
        changes: list[tuple[str, str, str]] = []
        if prev is not None and record.history_type == "~":
            delta = record.diff_against(prev, excluded_fields=skip)
            for change in delta.changes:
                changes.append(
                    (
                        labels.get(change.field, change.field),
                        _display(change.field, change.old, names),
                        _display(change.field, change.new, names),
                    )
                )
            if not changes:
                continue
        kind = {"+": "added", "-": "removed"}.get(record.history_type, "changed")
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=record.history_user,
                task=record.task,
                kind=kind,
                changes=changes,
                after_approval=after_approval(record.history_date, record.changed_after_approval),
            )
        )
    evidence = Evidence.history.filter(
        item_id__in=list(tasks), history_type__in=("+", "-")
    ).select_related("history_user")
    for record in evidence:
        entries.append(
            HistoryEntry(
                when=record.history_date,
                user=record.history_user,
                task=tasks.get(record.item_id, ""),
                kind="evidence_added" if record.history_type == "+" else "evidence_removed",
                changes=[],
                after_approval=after_approval(record.history_date),
                evidence=_evidence_text(record),
            )
        )
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def _evidence_text(record) -> str:
    from django.template.defaultfilters import filesizeformat
    from django.utils.translation import gettext as _

    if record.kind == EvidenceKind.FILE:
        return _("file «%(name)s» (%(size)s)") % {
            "name": record.file_name,
            "size": filesizeformat(record.file_size),
        }
    if record.kind == EvidenceKind.LINK:
        return _("link %(url)s") % {"url": record.url}
    text = record.text if len(record.text) <= 200 else record.text[:199] + "…"
    return _("comment «%(text)s»") % {"text": text}


def _relation_names(records: list) -> dict[str, dict[int, str]]:
    """Names of the related objects the records point at, in one query per relation."""
    from diagnostics.models import RiskFactor
    from network_portal.accounts.models import User
    from schools.models import Organisation

    def ids(*fields: str) -> set[int]:
        return {getattr(r, f"{f}_id") for r in records for f in fields} - {None}

    orgs = {
        o.pk: o.short_name
        for o in Organisation.objects.filter(
            pk__in=ids("responsible_organisation", "co_responsible_organisation")
        )
    }
    users = {u.pk: u.get_full_name() for u in User.objects.filter(pk__in=ids("responsible_user"))}
    return {
        "risk_factor": {f.pk: str(f) for f in RiskFactor.objects.all()},
        "responsible_organisation": orgs,
        "co_responsible_organisation": orgs,
        "responsible_user": users,
        "measure_template": {
            m.pk: m.task for m in MeasureTemplate.objects.filter(pk__in=ids("measure_template"))
        },
    }


def _display(name: str, value, names: dict[str, dict[int, str]]) -> str:
    from django.utils.formats import date_format

    if value in (None, ""):
        return "—"
    field_ = RoadmapItem._meta.get_field(name)
    if getattr(field_, "choices", None):
        return str(dict(field_.choices).get(value, value))
    if isinstance(value, date):
        return date_format(value, "d.m.Y")
    if field_.get_internal_type() == "DecimalField":
        return number_text(value)
    if field_.is_relation:
        return names.get(name, {}).get(value, f"#{value}")
    return str(value)


def panel_context(*, user) -> dict[str, Any]:
    """Home panel: roadmaps needing attention (awaiting review or returned, or with overdue
    items), at most five, in a fixed number of queries."""
    from .models import RoadmapStatus

    rows = roadmap_rows(roadmaps=roadmap_list_for_user(user=user))
    attention = rows.filter(
        Q(status__in=(RoadmapStatus.SUBMITTED, RoadmapStatus.RETURNED)) | Q(n_overdue__gt=0)
    ).order_by("-n_overdue", "organisation__short_name")[:5]
    roadmaps = list(attention)
    for roadmap in roadmaps:
        roadmap.percent = percent(roadmap.n_done, roadmap.n_items)
    return {"roadmaps": roadmaps}
