"""Network events (сетевые мероприятия): registration with a waiting list, attendance,
materials, reports and calendar feeds (DOMAIN.md: Network event; seeds 001, 003, 004)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Migrations refer to this module's ``_private_storage``: the one private storage, looked up on use.
from network_portal.documents.storage import private_storage as _private_storage
from network_portal.ui.links import validate_web_url


class EventStatus(models.TextChoices):
    # A context of their own: other catalogs translate a bare "Draft" as «Проект» (agreements).
    DRAFT = "draft", pgettext_lazy("event status", "Draft")
    PUBLISHED = "published", pgettext_lazy("event status", "Published")
    CANCELLED = "cancelled", pgettext_lazy("event status", "Cancelled")
    HELD = "held", pgettext_lazy("event status", "Held")


class Audience(models.TextChoices):
    """Who an event is for (DOMAIN.md: педагоги, обучающиеся, родители, администрация)."""

    TEACHERS = "teachers", pgettext_lazy("audience", "Teachers")
    STUDENTS = "students", pgettext_lazy("audience", "Students")
    PARENTS = "parents", pgettext_lazy("audience", "Parents")
    ADMINISTRATION = "administration", pgettext_lazy("audience", "School administration")


#: Audience -> boolean column of :class:`Event` (plain columns filter and index everywhere).
AUDIENCE_FIELDS: dict[str, str] = {
    Audience.TEACHERS: "for_teachers",
    Audience.STUDENTS: "for_students",
    Audience.PARENTS: "for_parents",
    Audience.ADMINISTRATION: "for_administration",
}


class EventType(models.Model):
    """Kinds of network events (reference data, ``0003_fill_event_types``)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("event type", "name"), max_length=150)
    position = models.PositiveSmallIntegerField(pgettext_lazy("event type", "position"), default=0)

    class Meta:
        verbose_name = _("event type")
        verbose_name_plural = _("event types")
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Event(models.Model):
    title = models.CharField(_("title"), max_length=300)
    event_type = models.ForeignKey(
        EventType,
        on_delete=models.PROTECT,
        null=True,
        related_name="events",
        verbose_name=_("type"),
    )
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("municipality"),
    )
    organiser = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="organised_events",
        verbose_name=_("organiser"),
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("partnership"),
    )
    roadmap_items = models.ManyToManyField(
        "roadmaps.RoadmapItem",
        blank=True,
        related_name="events",
        verbose_name=pgettext_lazy("event", "roadmap items"),
    )
    risk_factors = models.ManyToManyField(
        "diagnostics.RiskFactor",
        blank=True,
        related_name="events",
        verbose_name=_("risk factors addressed"),
    )
    #: Codes of ``diagnostics.models.TeacherNeed`` the event addresses (seed 004).
    teacher_needs = models.JSONField(_("teachers' needs addressed"), default=list, blank=True)
    for_teachers = models.BooleanField(_("for teachers"), default=True)
    for_students = models.BooleanField(_("for students"), default=False)
    for_parents = models.BooleanField(_("for parents"), default=False)
    for_administration = models.BooleanField(_("for school administration"), default=False)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=500, blank=True)
    online_url = models.URLField(_("online link"), blank=True, validators=[validate_web_url])
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    registration_deadline = models.DateTimeField(_("registration deadline"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EventStatus.choices, default=EventStatus.DRAFT
    )
    cancellation_reason = models.TextField(_("reason for cancellation"), blank=True)
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
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    #: Optimistic locking: every change through the services increments it; an edit form
    #: saved with a stale version is refused (``services.event_update``).
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("network event")
        verbose_name_plural = _("network events")
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="events_end_after_start",
            )
        ]
        indexes = [models.Index(fields=["municipality", "status", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def has_started(self) -> bool:
        from django.utils import timezone

        return self.starts_at <= timezone.now()

    @property
    def registration_open(self) -> bool:
        """«Записаться» is offered only for a published event that has not started yet."""
        return self.status == EventStatus.PUBLISHED and not self.has_started

    @property
    def audience(self) -> list[str]:
        return [code for code, field in AUDIENCE_FIELDS.items() if getattr(self, field)]

    def get_audience_display(self) -> list[str]:
        return [Audience(code).label for code in self.audience]

    def get_teacher_needs_display(self) -> list[str]:
        from diagnostics.models import TeacherNeed

        labels = dict(TeacherNeed.choices)
        return [labels[code] for code in self.teacher_needs if code in labels]

    @property
    def free_places(self) -> int | None:
        """Places left (None: unlimited); uses ``registered_count`` when annotated."""
        if self.capacity is None:
            return None
        registered = getattr(self, "registered_count", None)
        if registered is None:
            registered = self.registrations.filter(status=RegistrationStatus.REGISTERED).count()
        return max(0, self.capacity - registered)

    @property
    def duration(self):
        return self.ends_at - self.starts_at


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waiting list")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="registrations", verbose_name=_("event")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_registrations",
        verbose_name=_("participant"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.REGISTERED,
    )
    attended = models.BooleanField(_("attended"), default=False)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("registered by"),
    )
    #: When the person joined the current queue (registered or waiting): the waiting list order.
    queued_at = models.DateTimeField(_("in the queue since"), null=True, blank=True)
    promoted_at = models.DateTimeField(_("moved from the waiting list at"), null=True, blank=True)
    #: Printed on the certificate and checked on the public verification page.
    certificate_code = models.CharField(
        _("certificate code"), max_length=20, unique=True, null=True, blank=True
    )
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        ordering = ["event", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["event", "user"], name="events_registration_unique")
        ]
        indexes = [models.Index(fields=["event", "status", "queued_at"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.event}"


class EventMaterial(models.Model):
    """A file (private storage, served through a permission check) or a link."""

    event = models.ForeignKey(
        Event, on_delete=models.CASCADE, related_name="materials", verbose_name=_("event")
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(
        _("file"), storage=_private_storage, upload_to="events/materials/%Y/%m/", blank=True
    )
    url = models.URLField(_("link"), blank=True, validators=[validate_web_url])
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["event", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="events_material_file_or_link",
            )
        ]

    def __str__(self) -> str:
        return self.title


class EventReport(models.Model):
    """A short report after the event (what was done, how many attended, materials)."""

    event = models.OneToOneField(
        Event, on_delete=models.CASCADE, related_name="report", verbose_name=_("event")
    )
    summary = models.TextField(_("what was done"))
    results = models.TextField(_("results and agreements"), blank=True)
    #: People who took part without a registration on the portal (students, parents, guests).
    other_participants = models.PositiveIntegerField(
        _("other participants (not registered on the portal)"), default=0
    )
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("written by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("event report")
        verbose_name_plural = _("event reports")

    def __str__(self) -> str:
        return str(self.event)


class CalendarToken(models.Model):
    """The secret part of a user's personal calendar feed URL; resetting it changes the key."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="event_calendar_token",
        verbose_name=_("user"),
    )
    key = models.CharField(_("key"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return str(self.user)
