"""Roadmaps (дорожные карты) of supported schools and partnerships, and their items."""

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

# Migrations refer to this module's ``_private_storage``: the one private storage, looked up on use.
from network_portal.documents.storage import private_storage as _private_storage
from network_portal.ui.links import validate_web_url


class ProgrammeModule(models.TextChoices):
    """The modules of a programme of transition to effective work (seed 000)."""

    TEACHING = "teaching", _("Quality of teaching and sharing experience")
    SELF_ASSESSMENT = "self_assessment", _("Self-assessment, monitoring and diagnostics tools")
    LEADERSHIP = "leadership", _("Management and leadership")
    MOTIVATION = "motivation", _("Students' learning motivation")
    PARENTS = "parents", _("Work with parents and the local community")
    CONTENT = "content", _("Changing the content of education")
    PARTNERSHIP = "partnership", _("Social partnership")


class RoadmapStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("roadmap status", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("roadmap status", "Submitted for approval")
    APPROVED = "approved", pgettext_lazy("roadmap status", "Approved")
    RETURNED = "returned", pgettext_lazy("roadmap status", "Returned for revision")


class Roadmap(models.Model):
    """The plan of a supported school (``organisation``) or of a partnership."""

    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="roadmaps",
        verbose_name=_("school"),
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roadmaps",
        verbose_name=_("partnership"),
    )
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=RoadmapStatus.choices, default=RoadmapStatus.DRAFT
    )
    approved_at = models.DateTimeField(
        pgettext_lazy("roadmap", "approved at"), null=True, blank=True
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    submitted_at = models.DateTimeField(
        pgettext_lazy("roadmap", "submitted at"), null=True, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("roadmap")
        verbose_name_plural = _("roadmaps")
        ordering = ["organisation", "-created_at"]

    def __str__(self) -> str:
        return self.title


class ItemStatus(models.TextChoices):
    """Stored statuses. «Просрочено» is never stored: it is computed from the due date."""

    PLANNED = "planned", pgettext_lazy("roadmap item status", "Planned")
    IN_PROGRESS = "in_progress", pgettext_lazy("roadmap item status", "In progress")
    DONE = "done", pgettext_lazy("roadmap item status", "Done")
    #: Closed without its actual value or evidence although it has a target: counted apart
    #: from «выполнено», never as done, and still overdue past its due date (issue 15).
    UNCONFIRMED = "unconfirmed", pgettext_lazy("roadmap item status", "Done without confirmation")
    CANCELLED = "cancelled", pgettext_lazy("roadmap item status", "Cancelled")


#: Statuses after which an item can no longer be overdue. «Выполнено без подтверждения» is not
#: one of them: an unconfirmed closure cannot make an overdue item disappear.
CLOSED_ITEM_STATUSES = (ItemStatus.DONE, ItemStatus.CANCELLED)
#: Statuses that say the school closed the item as done (with or without confirmation).
FINISHED_ITEM_STATUSES = (ItemStatus.DONE, ItemStatus.UNCONFIRMED)


class RoadmapItem(models.Model):
    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="items", verbose_name=_("roadmap")
    )
    task = models.CharField(_("task"), max_length=500)
    measure = models.TextField(_("measure"))
    risk_factor = models.ForeignKey(
        "diagnostics.RiskFactor",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("risk factor"),
    )
    module = models.CharField(
        _("programme module"), max_length=20, choices=ProgrammeModule.choices, blank=True
    )
    responsible_person = models.CharField(_("responsible person"), max_length=300, blank=True)
    responsible_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="roadmap_items",
        verbose_name=_("responsible user"),
    )
    responsible_organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("responsible organisation"),
    )
    start_date = models.DateField(_("start date"))
    due_date = models.DateField(_("due date"))
    target_indicator = models.CharField(_("target indicator"), max_length=500, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    actual_value = models.DecimalField(
        _("actual value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ItemStatus.choices, default=ItemStatus.PLANNED
    )
    completed_at = models.DateField(_("completed on"), null=True, blank=True)
    position = models.PositiveIntegerField(pgettext_lazy("ordering", "position"), default=0)
    #: Optimistic locking: every save increments it; a save with a stale version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    co_responsible_organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("co-responsible organisation"),
    )
    measure_template = models.ForeignKey(
        "roadmaps.MeasureTemplate",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("typical measure"),
    )
    #: The actual result when the target is not a number («проведено», «принято»).
    actual_text = models.CharField(_("actual result"), max_length=300, blank=True)
    #: Set when the item is changed while its roadmap is approved; cleared by re-approval.
    changed_after_approval = models.BooleanField(_("changed after approval"), default=False)

    history = HistoricalRecords(excluded_fields=["updated_at", "position"])

    class Meta:
        verbose_name = _("roadmap item")
        verbose_name_plural = _("roadmap items")
        ordering = ["roadmap", "position", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("start_date")),
                name="roadmaps_item_due_after_start",
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            # the reminder run of the same day reads only the items changed since the last one
            models.Index(fields=["updated_at"], name="roadmaps_item_updated"),
        ]

    def __str__(self) -> str:
        return self.task

    def is_overdue(self, today: date | None = None) -> bool:
        """«Просрочено» is computed, never stored: open and past its due date."""
        return item_is_overdue(status=self.status, due_date=self.due_date, today=today)

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    @property
    def has_target(self) -> bool:
        return bool(self.target_indicator.strip()) or self.target_value is not None

    @property
    def completed_late(self) -> bool:
        """«Выполнено с опозданием»: closed after its due date; the mark stays."""
        return item_completed_late(
            status=self.status, due_date=self.due_date, completed_at=self.completed_at
        )


def item_is_overdue(*, status: str, due_date: date, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return status not in CLOSED_ITEM_STATUSES and due_date < today


def item_completed_late(*, status: str, due_date: date, completed_at: date | None) -> bool:
    return status in FINISHED_ITEM_STATUSES and completed_at is not None and completed_at > due_date


# --- Extensions (migration 0002): history, co-responsibility, evidence, review, concerns ---------


class MeasureTemplate(models.Model):
    """A typical measure of the library (``0003_fill_measure_library``), proposed for a risk
    factor when a draft roadmap is built from a school's risk profile. Built from the forms of
    interaction and programme modules of seeds 000, 002, 003 and 004.

    Rows without a region are the portal's library (edited by an administrator). A regional
    coordinator edits their region's own library: the first change copies the portal's library
    for the region (``services.measure_library_copy_for_region``), so one region's changes never
    reach another's roadmaps. A region without a copy uses the portal's library."""

    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty for the portal's library that regions without their own use."),
    )
    #: The portal's measure this region's one was copied from (to find it on the first change).
    copied_from = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", editable=False
    )
    risk_factor = models.ForeignKey(
        "diagnostics.RiskFactor",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("risk factor"),
    )
    module = models.CharField(_("programme module"), max_length=20, choices=ProgrammeModule.choices)
    task = models.CharField(_("task"), max_length=500)
    measure = models.TextField(_("measure"))
    form_of_interaction = models.CharField(_("form of interaction"), max_length=200, blank=True)
    duration_days = models.PositiveSmallIntegerField(_("typical duration, days"), default=90)
    target_indicator = models.CharField(_("target indicator"), max_length=500, blank=True)
    target_value = models.DecimalField(
        _("target value"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    #: The partnership's leader school is proposed as co-responsible for this measure.
    with_leader = models.BooleanField(_("with the leader school"), default=False)
    is_active = models.BooleanField(_("in use"), default=True)
    position = models.PositiveSmallIntegerField(pgettext_lazy("ordering", "position"), default=0)

    class Meta:
        verbose_name = _("typical measure")
        verbose_name_plural = _("library of typical measures")
        ordering = ["risk_factor__code", "position", "pk"]
        indexes = [models.Index(fields=["region", "risk_factor"], name="roadmaps_measure_region")]

    def __str__(self) -> str:
        return self.task


class EvidenceKind(models.TextChoices):
    FILE = "file", _("File")
    LINK = "link", _("Link")
    COMMENT = "comment", _("Comment")


def evidence_upload_to(instance: "Evidence", filename: str) -> str:
    return f"roadmaps/evidence/{instance.item_id}/{filename}"


class Evidence(models.Model):
    """Evidence of an item's progress: a file (private storage), a link or a comment."""

    item = models.ForeignKey(
        RoadmapItem, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("item")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=EvidenceKind.choices)
    file = models.FileField(
        _("file"), upload_to=evidence_upload_to, storage=_private_storage, blank=True
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_size = models.PositiveIntegerField(_("file size"), default=0)
    url = models.URLField(_("link"), max_length=1000, blank=True, validators=[validate_web_url])
    text = models.TextField(_("comment"), blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    #: Additions and removals of evidence are part of the item's history (selectors.item_history).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["item", "created_at", "pk"]

    def __str__(self) -> str:
        return self.file_name or self.url or self.text[:60]


class CommentKind(models.TextChoices):
    COMMENT = "comment", _("Comment")
    SUBMITTED = "submitted", _("Submitted for approval")
    RETURNED = "returned", _("Returned for revision")
    APPROVED = "approved", pgettext_lazy("roadmap comment", "Approved")


class ReviewComment(models.Model):
    """A curator's (or director's) comment on a roadmap or one of its items, and the review
    decisions (submitted / returned / approved) with their comment."""

    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="comments", verbose_name=_("roadmap")
    )
    item = models.ForeignKey(
        RoadmapItem,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="comments",
        verbose_name=_("item"),
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=CommentKind.choices, default=CommentKind.COMMENT
    )
    text = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("review comment")
        verbose_name_plural = _("review comments")
        ordering = ["roadmap", "created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class Rating(models.TextChoices):
    GREEN = "green", _("Green: on track")
    AMBER = "amber", _("Amber: some delays")
    RED = "red", _("Red: off track")


class QuarterRating(models.Model):
    """The curator's rating of a quarter's progress (red / amber / green) with a reason.

    Only the current or a past quarter is rated. A correction (a new rating of a rated quarter)
    and a withdrawal (the row is deleted) need a reason; both are kept in ``history`` with it
    (issue 15)."""

    roadmap = models.ForeignKey(
        Roadmap, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("roadmap")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    quarter = models.PositiveSmallIntegerField(
        _("quarter"), choices=[(q, str(q)) for q in (1, 2, 3, 4)]
    )
    rating = models.CharField(_("rating"), max_length=5, choices=Rating.choices)
    reason = models.TextField(pgettext_lazy("rating", "reason"))
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("rated by"),
    )
    rated_at = models.DateTimeField(_("rated at"), auto_now=True)

    history = HistoricalRecords(history_change_reason_field=models.TextField(null=True))

    class Meta:
        verbose_name = _("quarter rating")
        verbose_name_plural = _("quarter ratings")
        ordering = ["roadmap", "-year", "-quarter"]
        constraints = [
            models.UniqueConstraint(
                fields=["roadmap", "year", "quarter"], name="roadmaps_rating_unique_quarter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} Q{self.quarter}: {self.get_rating_display()}"


class EngagementConcern(models.Model):
    """A methodologist's concern about a school's engagement («школа не выходит на связь»),
    shown on the school card and in the municipality overview until resolved."""

    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="engagement_concerns",
        verbose_name=_("school"),
    )
    roadmap = models.ForeignKey(
        Roadmap,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="concerns",
        verbose_name=_("roadmap"),
    )
    text = models.TextField(_("concern"))
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("raised by"),
    )
    raised_at = models.DateTimeField(_("raised at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("engagement concern")
        verbose_name_plural = _("engagement concerns")
        ordering = ["-raised_at"]
        indexes = [models.Index(fields=["organisation", "resolved_at"])]

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


# --- The overview's per-school counts, kept on change (issue 17) -------------------------------


class SchoolCounts(models.Model):
    """A school's roadmaps, open concerns and overdue items as the overview orders by them
    (``roadmaps/counts.py``): kept on every change of a roadmap, an item or a concern, and on
    the day's change for the overdue items, so that a page of the overview reads no school's
    items. The figures' definitions stay in ``roadmaps/figures.py``; these are their values."""

    organisation = models.OneToOneField(
        "schools.Organisation",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="roadmap_counts",
        verbose_name=_("school"),
    )
    n_roadmaps = models.PositiveIntegerField(_("roadmaps"), default=0)
    n_concerns = models.PositiveIntegerField(_("open concerns"), default=0)
    n_overdue = models.PositiveIntegerField(_("overdue items"), default=0)

    class Meta:
        verbose_name = _("school's roadmap counts")
        verbose_name_plural = _("schools' roadmap counts")

    def __str__(self) -> str:
        return f"{self.organisation_id}: {self.n_concerns}/{self.n_overdue}"


class CountsDay(models.Model):
    """One row: the day :class:`SchoolCounts`' overdue items were last brought up to date for
    (an item becomes overdue the day after its due date, with no write), and the day of the
    last full count (none yet: the counts are not complete until beat's next run)."""

    day = models.DateField(_("day"))
    counted_on = models.DateField(_("last full count"), null=True, blank=True)

    class Meta:
        verbose_name = _("day of the roadmap counts")
        verbose_name_plural = _("day of the roadmap counts")

    def __str__(self) -> str:
        return self.day.isoformat()
