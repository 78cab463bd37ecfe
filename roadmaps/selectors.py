"""Reads of roadmaps: scoped lists, permissions, the roadmap page, overviews, history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.paginator import Page
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.safestring import SafeString

from network_portal.access.policy import Scope, organisation_q, scope_for
from network_portal.accounts.models import Role
from network_portal.ui.escaping import escaped

from .figures import item_annotations, percent
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
    RoadmapStatus,
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
    """What a user may do with one visible roadmap (see README of roadmaps for the rules).

    Built by :func:`roadmap_permissions` only — the one place the write rules of roadmaps
    live; views check ``require(perms.can_edit)`` and the like."""

    can_edit: bool = False  # the school's director: items, structure, submit
    can_review: bool = False  # the school's curator: comments, approve / return, ratings
    can_raise_concern: bool = False  # territory roles, the school's curator
    member_organisation_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def can_comment(self) -> bool:
        """Comments on the roadmap and its items: its curator and its school."""
        return self.can_review or self.can_edit

    def can_update_item(self, item: RoadmapItem) -> bool:
        """Quick updates (status, actual value, evidence). A member school of the partnership
        (e.g. the leader school) updates the items it is responsible or co-responsible for."""
        if self.can_edit:
            return True
        return bool(self.member_organisation_ids) and (
            item.responsible_organisation_id in self.member_organisation_ids
            or item.co_responsible_organisation_id in self.member_organisation_ids
        )


def roadmap_permissions(*, user, roadmap: Roadmap) -> RoadmapPermissions:
    """The rights of ``user`` on ``roadmap``, decided with the same scope rule as the reads
    (``organisation_q``, checked in memory by ``organisation_allowed``) — no query but the
    partnership's members when the user's organisation may be one."""
    from schools.selectors import organisation_allowed

    scope = scope_for(user)
    if scope.is_admin:
        return RoadmapPermissions(can_edit=True, can_review=True, can_raise_concern=True)
    school = roadmap.organisation
    members: frozenset[int] = frozenset()
    own = scope.organisation_ids(*MEMBER_ROLES) - {school.pk}
    if roadmap.partnership_id and own:
        from partnerships.models import PartnershipMember

        members = frozenset(
            PartnershipMember.objects.filter(
                partnership_id=roadmap.partnership_id, organisation_id__in=own
            ).values_list("organisation_id", flat=True)
        )

    def allowed(*roles: str) -> bool:
        return organisation_allowed(user=user, organisation=school, roles=roles)

    return RoadmapPermissions(
        can_edit=allowed(Role.DIRECTOR),
        can_review=allowed(Role.CURATOR),
        can_raise_concern=allowed(*CONCERN_ROLES),
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


def item_organisations(*, roadmap: Roadmap) -> QuerySet:
    """Organisations an item can be assigned to: the school and the partnership's members."""
    from schools.models import Organisation

    qs = Organisation.objects.filter(pk=roadmap.organisation_id)
    if roadmap.partnership_id:
        members = Organisation.objects.filter(
            partnership_memberships__partnership_id=roadmap.partnership_id
        )
        qs = members | qs
    return qs.distinct().order_by("short_name")


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


def roadmap_ratings(*, roadmap: Roadmap) -> list[QuarterRating]:
    # (not the model's ordering, which starts with the roadmap: a join for one roadmap's rows)
    return list(roadmap.ratings.select_related("rated_by").order_by("-year", "-quarter"))


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


def open_concerns(*, organisation_ids, with_school: bool = True) -> QuerySet[EngagementConcern]:
    """The open concerns of these schools with who raised them; ``with_school=False`` where the
    page has the school already (not joined to each concern)."""
    related = ("raised_by", "organisation") if with_school else ("raised_by",)
    return EngagementConcern.objects.filter(
        organisation_id__in=organisation_ids, resolved_at__isnull=True
    ).select_related(*related)


@dataclass(frozen=True)
class RoadmapItems:
    """Items of a roadmap with their evidence and comments, by item pk (plain lists), and the
    comments on the roadmap itself (not on an item; read with the items' comments)."""

    items: list[RoadmapItem]
    evidence: dict[int, list[Evidence]]
    comments: dict[int, list[ReviewComment]]
    roadmap_comments: list[ReviewComment] = field(default_factory=list)


def _by_pk(model, ids: set) -> dict:
    """``model``'s rows by pk; no query for no ids (``pk__in=[]`` still builds a queryset)."""
    ids.discard(None)
    return {o.pk: o for o in model.objects.filter(pk__in=ids)} if ids else {}


def roadmap_items(*, roadmap: Roadmap, pk: int | None = None) -> RoadmapItems:
    """Every item of the page (or one of them) in a fixed number of queries, whatever the size.

    Evidence and comments come as plain lists by item: a related manager's ``.all()`` would
    clone a queryset per item. They are read by the roadmap (one parameter, the comments with
    the roadmap's own), not by the list of the items' ids: 200 parameters cost more to build
    than the query takes (issue 17). The objects the items point at — a handful of risk
    factors, organisations and people, each shared by many items — are read once and shared,
    instead of a copy per row from ``select_related``: on a 200-item roadmap that is a thousand
    model instances fewer (bench/bench_roadmaps.py)."""
    from diagnostics.models import RiskFactor
    from network_portal.accounts.models import User
    from schools.models import Organisation

    # (the models' own orderings start with a foreign key, which would join its table: the
    # items' joined the roadmap and its school to sort 200 rows of one roadmap by them; not
    # through ``roadmap.items``, whose related descriptor sets the roadmap on each row — a
    # fifth of the read; it is put in each item's cache below)
    one = {"pk": pk} if pk is not None else {}
    mine = RoadmapItem.objects.filter(roadmap_id=roadmap.pk, **one)
    items = list(mine.order_by("position", "due_date", "pk"))
    evidence_of = {"item_id": pk} if pk is not None else {"item__roadmap_id": roadmap.pk}
    evidence = list(Evidence.objects.filter(**evidence_of).order_by("created_at", "pk"))
    comments_of = {"item_id": pk} if pk is not None else {}
    comments = list(
        ReviewComment.objects.filter(roadmap_id=roadmap.pk, **comments_of).order_by(
            "created_at", "pk"
        )
    )
    orgs = _by_pk(
        Organisation,
        {i.responsible_organisation_id for i in items}
        | {i.co_responsible_organisation_id for i in items},
    )
    factors = _by_pk(RiskFactor, {i.risk_factor_id for i in items})
    users = _by_pk(User, {e.added_by_id for e in evidence} | {c.author_id for c in comments})
    by_evidence: dict[int, list[Evidence]] = {item.pk: [] for item in items}
    by_comment: dict[int, list[ReviewComment]] = {item.pk: [] for item in items}
    on_roadmap = []
    for e in evidence:
        Evidence.added_by.field.set_cached_value(e, users.get(e.added_by_id))
        by_evidence[e.item_id].append(e)
    for c in comments:
        ReviewComment.author.field.set_cached_value(c, users.get(c.author_id))
        if c.item_id is None:
            on_roadmap.append(c)
        else:
            by_comment[c.item_id].append(c)
    fields = RoadmapItem._meta
    roadmap_field = fields.get_field("roadmap")
    factor_field = fields.get_field("risk_factor")
    responsible = fields.get_field("responsible_organisation")
    co_responsible = fields.get_field("co_responsible_organisation")
    for item in items:  # the related objects' caches, as select_related fills them
        roadmap_field.set_cached_value(item, roadmap)
        factor_field.set_cached_value(item, factors.get(item.risk_factor_id))
        responsible.set_cached_value(item, orgs.get(item.responsible_organisation_id))
        co_responsible.set_cached_value(item, orgs.get(item.co_responsible_organisation_id))
    return RoadmapItems(
        items=items, evidence=by_evidence, comments=by_comment, roadmap_comments=on_roadmap
    )


# --- The roadmap page -------------------------------------------------------------------------
#
# A 200-item roadmap renders within 300 ms p95 (bench/bench_roadmaps.py): the cards' facts,
# evidence and comments are worded here once per item — labels translated and dates formatted
# once per page — so that the template (``roadmaps/detail.html``, partial ``item``) only lays
# plain strings out. Nothing is set on the model instances.

#: The filters of the page's item list (query parameters).
FILTERS = ("status", "module", "factor")

STATUS_BADGES = {
    "done": "text-bg-success",
    "unconfirmed": "text-bg-warning",
    "in_progress": "text-bg-primary",
    "cancelled": "text-bg-light border",
    "planned": "text-bg-secondary",
}


class _Row:
    """A row a template reads many times a page. Django's templates try ``row[name]`` before
    ``row.name``; answering the first saves a raised and caught ``TypeError`` per lookup —
    a tenth of the card's rendering on a 200-item roadmap."""

    __slots__ = ()

    def __getitem__(self, name: str):
        return getattr(self, name)


@dataclass(frozen=True, slots=True)
class EvidenceLine(_Row):
    kind: str  # "file" | "link" | "comment"
    label: str  # «файл», «ссылка», «комментарий»
    text: str  # the file's name, the address as shown, the comment
    href: str  # the download or the link (an http(s) one only), "" for none
    size: str  # a file's size, "" otherwise
    byline: str  # «— Иванова И. И., 01.03.2026»


@dataclass(frozen=True, slots=True)
class CommentLine(_Row):
    text: str
    author: str  # «Петрова А. А.»
    byline: str  # «— Петрова А. А., 01.03.2026 14:05»


@dataclass(slots=True)
class ItemCard(_Row):
    """An item as its card shows it. The view adds the forms shown in the card (the quick
    form for those who may update it, a refused evidence or comment form) and a notice."""

    item: RoadmapItem
    pk: int
    dom_id: str  # «item-12»: the card's id (a string — an int is localized on every output)
    task: str
    measure: str
    is_late: bool
    can_update: bool
    badges: tuple[tuple[str, str], ...]  # (css class, label)
    facts: tuple[tuple[str, str, str], ...]  # (label, value, css class)
    evidence: tuple[EvidenceLine, ...]
    comments: tuple[CommentLine, ...]
    quick_url: str
    evidence_url: str
    comment_url: str
    edit_url: str
    quick_form: Any = None
    extra_form: Any = None
    extra_template: str = ""
    notice: tuple[str, str] | None = None  # (alert kind, text)


@dataclass
class RoadmapPage:
    """Everything the roadmap page (and its print version) shows, read in a fixed number of
    queries (asserted at two sizes in tests/roadmaps/test_export_and_queries.py)."""

    roadmap: Roadmap
    perms: RoadmapPermissions
    today: date
    items: list[RoadmapItem]  # every item (summary, timeline)
    late_ids: frozenset[int]
    cards: list[ItemCard]  # the window of the items the filter shows
    summary: RoadmapSummary
    factors: list[Any]  # the risk factors of the items (the filter's choices)
    filters: dict[str, str]
    labels: dict[str, Any]
    comments: list[ReviewComment]
    ratings: list[QuarterRating]
    rating_history: list[Any]
    concerns: list[EngagementConcern]

    n_shown: int = 0  # the items the filter shows, all windows
    start: int = 0  # the window: shown[start:upto]
    upto: int = 0
    next_pk: int | None = None  # the first item of the next window

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def next_window(self) -> tuple[int, int] | None:
        """(first, last) positions, counted from 1, of the items «Показать ещё» brings."""
        if self.upto >= self.n_shown:
            return None
        return self.upto + 1, min(self.upto + ITEM_WINDOW, self.n_shown)

    @property
    def is_filtered(self) -> bool:
        return any(self.filters.values())

    @property
    def n_changed(self) -> int:
        return sum(1 for i in self.items if i.changed_after_approval)

    @property
    def can_submit(self) -> bool:
        return self.perms.can_edit and self.roadmap.status in (
            RoadmapStatus.DRAFT,
            RoadmapStatus.RETURNED,
        )

    @property
    def awaiting_review(self) -> bool:
        status = self.roadmap.status
        return status == RoadmapStatus.SUBMITTED or (
            status == RoadmapStatus.APPROVED and self.n_changed > 0
        )


def item_labels() -> dict[str, Any]:
    """Every label of an item's card, translated once per page."""
    from django.utils.translation import gettext as _
    from django.utils.translation import pgettext

    return {
        "statuses": {value: str(label) for value, label in ItemStatus.choices},
        "modules": {value: str(label) for value, label in ProgrammeModule.choices},
        "overdue": pgettext("roadmap item status", "Overdue"),
        "late": _("done late"),
        "changed": _("Changed after approval"),
        "with": _("with %(org)s"),
        "factor": _("Risk factor"),
        "module": _("Module"),
        "responsible": _("Responsible"),
        "dates": _("Dates"),
        "done_on": _("done on"),
        "target": _("Target"),
        "actual": _("Actual"),
        "evidence": _("Evidence"),
        "comments": _("Comments"),
        "file": _("file"),
        "link": _("link"),
        "comment": _("comment"),
        "save": _("Save"),
        "update": _("Update status and actual value"),
        "add_evidence": _("Add evidence"),
        "comment_on_item": _("Comment on the item"),
        "edit_item": _("Edit item"),
    }


_PK = 987654321


def _url_patterns() -> dict[str, str]:
    """``{pk}``-patterns of the item URLs, reversed once per page instead of once per item."""
    from django.urls import reverse

    names = ("item_quick", "evidence_add", "item_comment", "item_edit", "evidence_download")
    return {n: reverse(f"roadmaps:{n}", args=[_PK]).replace(str(_PK), "{pk}") for n in names}


def _day(day) -> str:
    """dd.mm.yyyy — ``strftime`` costs several times more, on a thousand dates a page."""
    return f"{day.day:02d}.{day.month:02d}.{day.year}"


def _badges(item: RoadmapItem, is_late: bool, labels: dict) -> tuple[tuple[str, str], ...]:
    badges = []
    if is_late:
        badges.append(("text-bg-danger", labels["overdue"]))
    if not is_late or item.status == ItemStatus.UNCONFIRMED:
        css = STATUS_BADGES.get(item.status, "text-bg-secondary")
        badges.append((css, labels["statuses"].get(item.status, item.status)))
    if item.completed_late:
        badges.append(("bg-danger-subtle text-danger-emphasis border", labels["late"]))
    if item.changed_after_approval:
        badges.append(("text-bg-warning", labels["changed"]))
    return tuple(badges)


def _facts(item: RoadmapItem, is_late: bool, labels: dict) -> tuple[tuple[str, str, str], ...]:
    facts = []
    if item.risk_factor:
        factor = item.risk_factor
        facts.append((labels["factor"], f"{factor.code}. {factor.short_name}", ""))
    if item.module:
        facts.append((labels["module"], labels["modules"].get(item.module, item.module), ""))
    organisation = item.responsible_organisation
    who = ", ".join(
        p for p in (item.responsible_person, organisation.short_name if organisation else "") if p
    )
    if item.co_responsible_organisation:
        who += " " + labels["with"] % {"org": item.co_responsible_organisation.short_name}
    facts.append((labels["responsible"], who or "—", ""))
    dates = f"{_day(item.start_date)} — {_day(item.due_date)}"
    if item.completed_at:
        dates += f" · {labels['done_on']} {_day(item.completed_at)}"
    facts.append((labels["dates"], dates, "text-danger fw-semibold" if is_late else ""))
    if item.target_indicator or item.target_value is not None:
        target = item.target_indicator
        if item.target_value is not None:
            value = number_text(item.target_value)
            target = f"{target}: {value}" if target else value
        facts.append((labels["target"], target, ""))
    actual = number_text(item.actual_value) if item.actual_value is not None else item.actual_text
    facts.append((labels["actual"], actual or "—", "fw-semibold"))
    return tuple(facts)


def _evidence(entries: list[Evidence], labels: dict, download: str, tz) -> tuple:
    from django.template.defaultfilters import filesizeformat

    from network_portal.ui.links import safe_href

    lines = []
    for e in entries:
        added_by = e.added_by.get_short_name() if e.added_by else ""
        byline = f"— {added_by}, {_day(e.created_at.astimezone(tz))}"
        if e.kind == EvidenceKind.FILE:
            href, size = download.format(pk=e.pk), str(filesizeformat(e.file_size))
            line = ("file", labels["file"], e.file_name, href, size, byline)
        elif e.kind == EvidenceKind.LINK:
            shown = e.url if len(e.url) <= 60 else e.url[:59] + "…"
            # an http(s) address only, whatever was stored
            line = ("link", labels["link"], shown, safe_href(e.url), "", byline)
        else:
            line = ("comment", labels["comment"], e.text, "", "", byline)
        lines.append(EvidenceLine(line[0], *map(escaped, line[1:])))
    return tuple(lines)


def _comments(entries: list[ReviewComment], tz) -> tuple[CommentLine, ...]:
    lines = []
    for c in entries:
        at = c.created_at.astimezone(tz)
        author = c.author.get_short_name() if c.author else ""
        byline = f"— {author}, {_day(at)} {at.hour:02d}:{at.minute:02d}"
        lines.append(CommentLine(escaped(c.text), escaped(author), escaped(byline)))
    return tuple(lines)


def item_cards(
    *,
    rows: RoadmapItems,
    items: list[RoadmapItem],
    perms: RoadmapPermissions,
    today: date,
    labels: dict[str, Any] | None = None,
) -> list[ItemCard]:
    """The cards of ``items`` (some of ``rows``), worded once — no query. ``labels``: the
    page's :func:`item_labels`, when it has them already."""
    labels = labels or item_labels()
    urls = _url_patterns()
    tz = timezone.get_current_timezone()
    cards = []
    for item in items:
        pk, is_late = item.pk, item.is_overdue(today)
        cards.append(
            ItemCard(
                item=item,
                pk=pk,
                dom_id=SafeString(f"item-{pk}"),
                task=escaped(item.task),
                measure=escaped(item.measure),
                is_late=is_late,
                can_update=perms.can_update_item(item),
                badges=tuple(
                    (escaped(css), escaped(label)) for css, label in _badges(item, is_late, labels)
                ),
                facts=tuple(
                    (escaped(label), escaped(value), escaped(css))
                    for label, value, css in _facts(item, is_late, labels)
                ),
                evidence=_evidence(rows.evidence[pk], labels, urls["evidence_download"], tz),
                comments=_comments(rows.comments[pk], tz),
                quick_url=escaped(urls["item_quick"].format(pk=pk)),
                evidence_url=escaped(urls["evidence_add"].format(pk=pk)),
                comment_url=escaped(urls["item_comment"].format(pk=pk)),
                edit_url=escaped(urls["item_edit"].format(pk=pk)),
            )
        )
    return cards


def _shown(items: list[RoadmapItem], late: frozenset[int], filters: dict) -> list[RoadmapItem]:
    status, module, factor = (filters[k] for k in FILTERS)
    if status == "overdue":
        items = [i for i in items if i.pk in late]
    elif status:
        items = [i for i in items if i.status == status]
    if module:
        items = [i for i in items if i.module == module]
    if factor.isdigit():
        items = [i for i in items if i.risk_factor_id and i.risk_factor.code == int(factor)]
    return items


#: Cards on the roadmap page at once (issue 17: a page's work does not grow with the roadmap);
#: «Показать ещё» brings the next ones, the print version shows them all.
ITEM_WINDOW = 50


def _window(shown: list[RoadmapItem], params, include: int | None) -> tuple[int, int]:
    """The part of ``shown`` on the page: ``params['start']``/``['upto']`` as asked (an htmx
    «Показать ещё» asks for the next window), widened so that item ``include`` (a link to one
    item, a form re-shown with its errors) is on it."""

    def number(name: str, default: int) -> int:
        value = str(params.get(name, ""))
        return int(value) if value.isdigit() else default

    start = min(number("start", 0), len(shown))
    upto = max(number("upto", start + ITEM_WINDOW), start + 1)
    if include is not None:
        position = next((n for n, i in enumerate(shown) if i.pk == include), None)
        if position is not None and position >= upto:
            upto = (position // ITEM_WINDOW + 1) * ITEM_WINDOW
    return start, min(upto, len(shown))


def roadmap_page_facts() -> dict[str, Any]:
    """What the roadmap page reads only when there is any, as flags read with the roadmap (most
    roadmaps have no rating yet, no correction of one and no open concern of their school):
    three queries fewer on such a page (issue 17, item 5). A roadmap read without them
    (:func:`roadmap_page`'s other callers) has those parts read as before."""
    return {
        "has_ratings": Exists(QuarterRating.objects.filter(roadmap_id=OuterRef("pk"))),
        "has_rating_changes": Exists(
            QuarterRating.history.filter(roadmap_id=OuterRef("pk")).exclude(history_type="+")
        ),
        "has_open_concerns": Exists(
            EngagementConcern.objects.filter(
                organisation_id=OuterRef("organisation_id"), resolved_at__isnull=True
            )
        ),
    }


def _has(roadmap: Roadmap, fact: str) -> bool:
    """A :func:`roadmap_page_facts` flag; true (read it) when the roadmap came without them."""
    return getattr(roadmap, fact, True)


def roadmap_page(
    *,
    roadmap: Roadmap,
    perms: RoadmapPermissions,
    params,
    today: date | None = None,
    windowed: bool = True,
    include: int | None = None,
) -> RoadmapPage:
    """The roadmap page: its items (filtered by ``params``: status, module, factor), the cards
    of a window of them (every one when not ``windowed``: the print version), progress, review
    comments, ratings and open concerns."""
    today = today or timezone.localdate()
    rows = roadmap_items(roadmap=roadmap)
    items = rows.items
    late = frozenset(i.pk for i in items if i.is_overdue(today))
    filters = {k: params.get(k, "") for k in FILTERS}
    shown = _shown(items, late, filters)
    n_shown = len(shown)
    start, upto = _window(shown, params, include) if windowed else (0, n_shown)
    next_pk = shown[upto].pk if upto < n_shown else None
    shown = shown[start:upto]
    labels = item_labels()
    return RoadmapPage(
        n_shown=n_shown,
        start=start,
        upto=upto,
        next_pk=next_pk,
        roadmap=roadmap,
        perms=perms,
        today=today,
        items=items,
        late_ids=late,
        cards=item_cards(rows=rows, items=shown, perms=perms, today=today, labels=labels),
        summary=roadmap_summary(items=items, today=today),
        factors=sorted({i.risk_factor for i in items if i.risk_factor}, key=lambda f: f.code),
        filters=filters,
        labels=labels,
        comments=rows.roadmap_comments,
        ratings=roadmap_ratings(roadmap=roadmap) if _has(roadmap, "has_ratings") else [],
        rating_history=(
            rating_history(roadmap=roadmap) if _has(roadmap, "has_rating_changes") else []
        ),
        concerns=list(open_concerns(organisation_ids=[roadmap.organisation_id], with_school=False))
        if _has(roadmap, "has_open_concerns")
        else [],
    )


@dataclass
class RoadmapProgress:
    """The page's progress part alone — its figures, charts and timeline — sent again after an
    inline update of an item, without the cards, comments and ratings of the whole page."""

    today: date
    items: list[RoadmapItem]
    late_ids: frozenset[int]
    labels: dict[str, Any]
    summary: RoadmapSummary

    @property
    def n_items(self) -> int:
        return len(self.items)


def roadmap_progress(*, roadmap: Roadmap, today: date | None = None) -> RoadmapProgress:
    today = today or timezone.localdate()
    items = list(
        RoadmapItem.objects.filter(roadmap_id=roadmap.pk)
        .select_related("risk_factor")
        .order_by("position", "due_date", "pk")
    )
    return RoadmapProgress(
        today=today,
        items=items,
        late_ids=frozenset(i.pk for i in items if i.is_overdue(today)),
        labels=item_labels(),
        summary=roadmap_summary(items=items, today=today),
    )


def item_card(*, roadmap: Roadmap, perms: RoadmapPermissions, pk: int) -> ItemCard:
    """One item's card (the htmx fragment after an inline update)."""
    rows = roadmap_items(roadmap=roadmap, pk=pk)
    (card,) = item_cards(rows=rows, items=rows.items, perms=perms, today=timezone.localdate())
    return card


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


def overview_schools(
    *, user, municipality_id: int | None = None, full_count: bool = True
) -> QuerySet:
    """The overview's schools in its order (open concerns, then overdue items, then name):
    every supported school of the territory and every other one with a roadmap or an open
    concern, with ``n_concerns`` and ``n_overdue`` read from each school's kept counts
    (``roadmaps/counts.py``: no school's items are read), so that a page reads only its own
    rows. A page request passes ``full_count=False``: it never runs the weekly full count
    (beat's), at most the day's change (``counts_for_today``)."""
    from schools.figures import supported_school_ids
    from schools.models import Organisation

    from .counts import counts_for_today

    counts_for_today(full=full_count)
    scope = scope_for(user)
    schools = Organisation.objects.filter(organisation_q(scope, roles=OVERVIEW_ROLES))
    if municipality_id:
        schools = schools.filter(municipality_id=municipality_id)
    return (
        schools.filter(
            Q(roadmap_counts__n_roadmaps__gt=0)
            | Q(roadmap_counts__n_concerns__gt=0)
            # every supported school is a row, «no roadmap» when it has none (issue 15)
            | Q(pk__in=supported_school_ids(organisations=schools))
        )
        .annotate(
            n_concerns=Coalesce("roadmap_counts__n_concerns", 0),
            n_overdue=Coalesce("roadmap_counts__n_overdue", 0),
        )
        .order_by("-n_concerns", "-n_overdue", "short_name", "pk")
    )


def overview_page(
    *, user, per_page: int, page_number: Any, full_count: bool = True
) -> tuple[Page, list[dict], dict]:
    """One page of the overview (:func:`overview_schools`' order) with its rows, and the totals
    of the whole overview (schools, overdue items, open concerns): the page's ids, the count
    and the totals in one pass over the territory's schools, then only the page's rows."""
    from network_portal.ui.paging import window_page
    from schools.models import Organisation

    schools = overview_schools(user=user, full_count=full_count)
    window = window_page(
        schools, per_page=per_page, page_number=page_number, sums=("n_overdue", "n_concerns")
    )
    # the ids come from the scoped window: read the rows by key, not the whole filter again
    found = Organisation.objects.in_bulk(window.ids)
    organisations = [found[pk] for pk in window.ids]
    totals = {
        "schools": window.page.paginator.count,
        "overdue": window.totals["n_overdue"],
        "concerns": window.totals["n_concerns"],
    }
    return window.page, overview_rows(user=user, organisations=organisations), totals


def overview_rows(
    *, user, municipality_id: int | None = None, organisations=None, full_count: bool = True
) -> list[dict[str, Any]]:
    """The municipality overview for methodologists: every school in the territory that has a
    roadmap or an open concern, with progress, overdue items, last rating, open concerns —
    or only ``organisations`` (one page of :func:`overview_schools`, in its order)."""
    if organisations is None:
        organisations = list(
            overview_schools(user=user, municipality_id=municipality_id, full_count=full_count)
        )
    ids = [o.pk for o in organisations]
    roadmaps = list(
        roadmap_rows(roadmaps=Roadmap.objects.filter(organisation_id__in=ids))
        .select_related("partnership")
        .order_by("organisation_id", "pk")
    )
    concerns = list(open_concerns(organisation_ids=ids, with_school=False))
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
