"""The log of e-mails the portal sends; its unique key makes each reminder go out once."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will be retried")


class Notification(models.Model):
    """One message to one person about one object for one due date.

    The row is inserted (or found) *before* the e-mail is sent; the unique constraint on
    (kind, recipient, object_key, due_date) makes a second worker or a retry skip it.
    """

    kind = models.CharField(pgettext_lazy("notification", "kind"), max_length=60)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=pgettext_lazy("notification", "recipient"),
    )
    object_key = models.CharField(pgettext_lazy("notification", "object"), max_length=100)
    due_date = models.DateField(pgettext_lazy("notification", "due date"))
    status = models.CharField(
        pgettext_lazy("notification", "status"),
        max_length=10,
        choices=NotificationStatus.choices,
        default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(
        pgettext_lazy("notification", "attempts"), default=0
    )
    last_error = models.TextField(pgettext_lazy("notification", "last error"), blank=True)
    subject = models.CharField(pgettext_lazy("notification", "subject"), max_length=300, blank=True)
    created_at = models.DateTimeField(
        pgettext_lazy("notification", "created at"), auto_now_add=True
    )
    claimed_at = models.DateTimeField(
        pgettext_lazy("notification", "claimed at"), null=True, blank=True
    )
    sent_at = models.DateTimeField(pgettext_lazy("notification", "sent at"), null=True, blank=True)
    #: Set by the run that claimed the row, so that it sends exactly the rows it claimed.
    claim_token = models.CharField(max_length=32, blank=True, db_index=True, editable=False)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "recipient", "object_key", "due_date"],
                name="notifications_once_per_key",
            )
        ]
        indexes = [
            models.Index(fields=["status", "kind"]),
            # The selectors' "already sent?" anti-join looks a key up per (item, person) pair;
            # without the recipient in the lookup (the planner may leave it to a filter) the
            # unique key's index scans every row of the kind per pair (issue 17).
            models.Index(
                fields=["kind", "object_key", "due_date"], name="notifications_kind_obj_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id} ({self.object_key}, {self.due_date})"


class NotificationPreference(models.Model):
    """Which reminders a user does not want; no row means all of them."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_preference",
        verbose_name=pgettext_lazy("notification", "user"),
    )
    disabled_kinds = models.JSONField(_("switched-off reminders"), default=list, blank=True)
    updated_at = models.DateTimeField(pgettext_lazy("notification", "updated at"), auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self) -> str:
        return str(self.user)

    def wants(self, kind: str) -> bool:
        return kind not in self.disabled_kinds
