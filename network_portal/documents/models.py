"""Generated files (agreements, certificates, progress reports, large exports) as jobs."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .storage import private_storage as _private_storage  # named in the migrations


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("In progress")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Job(models.Model):
    kind = models.CharField(_("kind"), max_length=60, db_index=True)
    title = models.CharField(_("title"), max_length=300)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    data_version = models.CharField(_("data version"), max_length=64, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress, %"), default=0)
    #: Why the job failed, in words the requester understands (shown to everyone who sees it).
    error = models.TextField(_("error"), blank=True)
    #: The exception behind a failure, for administrators only (the page shows it to staff).
    error_detail = models.TextField(_("technical details"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    file = models.FileField(
        _("file"), storage=_private_storage, upload_to="documents/%Y/%m/", blank=True
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="document_jobs",
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    #: When the job was last put in the queue (requested, retried or recovered): a job queued
    #: longer than ``services.STALE_AFTER`` ago lost its message and is sent again.
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("document job")
        verbose_name_plural = _("document jobs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["kind", "data_version", "status"]),
            models.Index(fields=["requested_by", "-created_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.READY, JobStatus.FAILED)
