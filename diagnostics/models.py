"""Risk factors of the «500+» instrument, diagnostics cycles and risk profiles (seeds 001, 002)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RiskFactor(models.Model):
    """One of the ten «500+» risk factors (reference data, ``0002_fill_risk_factors``)."""

    code = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(_("name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("risk factor")
        verbose_name_plural = _("risk factors")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class Level(models.TextChoices):
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class TeacherNeed(models.TextChoices):
    """Professional difficulties and needs of teachers (seed 004), asked in the teacher survey
    and addressed by network events."""

    SUBJECT = "subject", _("Subject content")
    METHODS = "methods", _("Teaching methods and technologies")
    ASSESSMENT = "assessment", _("Assessment of learning outcomes")
    OVZ = "ovz", _("Teaching students with disabilities")
    NON_NATIVE = "non_native", _("Teaching non-native speakers")
    DIGITAL = "digital", _("Digital tools and distance learning")
    MOTIVATION = "motivation", _("Students' motivation and low achievers")
    PARENTS = "parents", _("Work with parents")
    CLASSROOM = "classroom", _("Classroom management and discipline")
    PROJECTS = "projects", _("Project and research work")
    FUNCTIONAL = "functional", _("Functional literacy")
    BURNOUT = "burnout", _("Professional burnout and workload")


class CycleKind(models.TextChoices):
    ENTRY = "entry", _("Entry")
    INTERMEDIATE = "intermediate", _("Intermediate")
    FINAL = "final", _("Final")


class CycleStatus(models.TextChoices):
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class Cycle(models.Model):
    """A diagnostics cycle opened by a methodologist for chosen schools (seed 002)."""

    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.CASCADE,
        related_name="diagnostics_cycles",
        verbose_name=_("municipality"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CycleKind.choices)
    title = models.CharField(_("title"), max_length=300)
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    status = models.CharField(
        _("status"), max_length=10, choices=CycleStatus.choices, default=CycleStatus.OPEN
    )
    schools = models.ManyToManyField(
        "schools.Organisation", related_name="diagnostics_cycles", verbose_name=_("schools")
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

    class Meta:
        verbose_name = _("diagnostics cycle")
        verbose_name_plural = _("diagnostics cycles")
        ordering = ["-opens_on"]

    def __str__(self) -> str:
        return self.title


class RiskProfile(models.Model):
    """The risk profile of a school computed from one submitted questionnaire."""

    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="risk_profiles",
        verbose_name=_("school"),
    )
    cycle = models.ForeignKey(
        Cycle,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("cycle"),
    )
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("risk profile")
        verbose_name_plural = _("risk profiles")
        ordering = ["organisation", "-computed_at"]
        indexes = [models.Index(fields=["organisation", "-computed_at"])]

    def __str__(self) -> str:
        return f"{self.organisation} ({self.computed_at:%d.%m.%Y})"


class FactorLevel(models.Model):
    """The level of one risk factor in a profile, with the explanation of how it came out."""

    profile = models.ForeignKey(
        RiskProfile, on_delete=models.CASCADE, related_name="levels", verbose_name=_("profile")
    )
    factor = models.ForeignKey(
        RiskFactor, on_delete=models.PROTECT, related_name="+", verbose_name=_("risk factor")
    )
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=3)
    explanation = models.JSONField(_("explanation"), default=list, blank=True)

    class Meta:
        verbose_name = _("factor level")
        verbose_name_plural = _("factor levels")
        ordering = ["profile", "factor__code"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "factor"], name="diagnostics_level_unique")
        ]

    def __str__(self) -> str:
        return f"{self.factor}: {self.get_level_display()}"
