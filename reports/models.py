"""The only model of reports: a person's watch list of schools on the control table."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class WatchedSchool(models.Model):
    """A school a methodologist or coordinator keeps an eye on («Мониторинг» → «Мой список»).
    Personal: nobody else sees it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="watched_schools",
        verbose_name=_("user"),
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("school"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("watched school")
        verbose_name_plural = _("watched schools")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="reports_watch_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.organisation}"
