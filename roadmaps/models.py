"""Roadmaps (дорожные карты) of supported schools and partnerships, and their items."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted for approval")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned for revision")


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
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("roadmap")
        verbose_name_plural = _("roadmaps")
        ordering = ["organisation", "-created_at"]

    def __str__(self) -> str:
        return self.title


class ItemStatus(models.TextChoices):
    """Stored statuses. «Просрочено» is never stored: it is computed from the due date."""

    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


#: Statuses after which an item can no longer be overdue.
CLOSED_ITEM_STATUSES = (ItemStatus.DONE, ItemStatus.CANCELLED)


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
    position = models.PositiveIntegerField(_("position"), default=0)
    #: Optimistic locking: every save increments it; a save with a stale version is refused.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

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
        indexes = [models.Index(fields=["status", "due_date"])]

    def __str__(self) -> str:
        return self.task
