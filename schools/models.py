"""Regions, municipalities, organisations (schools and partners), their context and results.

A *year* here is the calendar year in which a school year ends and its exams are taken:
``year=2024`` is the school year 2023/24 and ГИА-2024.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import validate_inn, validate_ogrn


class Region(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)
    code = models.CharField(_("code"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Municipality(models.Model):
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="municipalities", verbose_name=_("region")
    )
    name = models.CharField(_("name"), max_length=200)
    code = models.CharField(_("code"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="schools_municipality_unique")
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    SCHOOL = "school", _("General education school")
    GYMNASIUM = "gymnasium", _("Gymnasium / lyceum")
    COLLEGE = "college", _("College / vocational")
    UNIVERSITY = "university", _("University")
    ADDITIONAL = "additional", _("Additional education institution")
    CULTURE = "culture", _("Culture institution")
    SPORT = "sport", _("Sport institution")
    BUSINESS = "business", _("Business")
    METHODICAL = "methodical", _("Methodical / resource centre")
    OTHER = "other", _("Other")


#: Kinds that are general-education schools (they get results, categories and profiles).
SCHOOL_KINDS = (OrganisationKind.SCHOOL, OrganisationKind.GYMNASIUM)


class OrganisationQuerySet(models.QuerySet):
    def schools(self):
        return self.filter(kind__in=SCHOOL_KINDS)

    def partners(self):
        return self.exclude(kind__in=SCHOOL_KINDS)


class Organisation(models.Model):
    """An educational organisation (ОО) or a partner organisation."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.PROTECT,
        related_name="organisations",
        verbose_name=_("municipality"),
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=OrganisationKind.choices, default=OrganisationKind.SCHOOL
    )
    full_name = models.CharField(_("full name"), max_length=500)
    short_name = models.CharField(_("short name"), max_length=200)
    normalized_name = models.CharField(max_length=500, db_index=True, editable=False)
    inn = models.CharField(
        _("INN"), max_length=12, blank=True, db_index=True, validators=[validate_inn]
    )
    ogrn = models.CharField(
        _("OGRN"), max_length=15, blank=True, db_index=True, validators=[validate_ogrn]
    )
    code = models.CharField(_("regional code"), max_length=50, blank=True, db_index=True)
    address = models.CharField(_("address"), max_length=500, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    director_name = models.CharField(_("director"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=200, blank=True)
    email = models.CharField(_("e-mail"), max_length=300, blank=True)
    website = models.CharField(_("website"), max_length=300, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["short_name"]
        indexes = [models.Index(fields=["municipality", "kind"])]

    def __str__(self) -> str:
        return self.short_name or self.full_name

    def save(self, *args, **kwargs):
        from .normalize import normalize_name

        self.normalized_name = normalize_name(self.full_name)
        super().save(*args, **kwargs)

    @property
    def is_school(self) -> bool:
        return self.kind in SCHOOL_KINDS


class SchoolContext(models.Model):
    """Context indicators of a school in a school year (seed 001: the «500+» context factors)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="contexts"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    students = models.PositiveIntegerField(_("students"), null=True, blank=True)
    share_ovz = models.DecimalField(
        _("share of students with disabilities, %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    share_non_native = models.DecimalField(
        _("share of non-native speakers, %"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    stable_internet = models.BooleanField(_("stable internet access"), null=True, blank=True)
    computers_per_student = models.DecimalField(
        _("computers per student"),
        max_digits=6,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    teacher_vacancies = models.PositiveSmallIntegerField(
        _("teacher vacancies"), null=True, blank=True
    )

    class Meta:
        verbose_name = _("school context")
        verbose_name_plural = _("school contexts")
        ordering = ["organisation", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "year"], name="schools_context_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}"


class AssessmentKind(models.TextChoices):
    VPR = "vpr", _("VPR")
    OGE = "oge", _("OGE (GIA-9)")
    EGE = "ege", _("EGE (GIA-11)")


class Subject(models.TextChoices):
    RUSSIAN = "russian", _("Russian language")
    MATH = "math", _("Mathematics")
    MATH_BASE = "math_base", _("Mathematics (basic)")
    MATH_PROFILE = "math_profile", _("Mathematics (profile)")
    PHYSICS = "physics", _("Physics")
    CHEMISTRY = "chemistry", _("Chemistry")
    BIOLOGY = "biology", _("Biology")
    GEOGRAPHY = "geography", _("Geography")
    HISTORY = "history", _("History")
    SOCIAL = "social", _("Social studies")
    LITERATURE = "literature", _("Literature")
    INFORMATICS = "informatics", _("Informatics")
    ENGLISH = "english", _("English language")
    FOREIGN = "foreign", _("Foreign language")
    SURROUNDINGS = "surroundings", _("The world around")
    TOTAL = "total", _("All subjects")


class AssessmentResult(models.Model):
    """Results of one school in one assessment, subject (and grade for ВПР) and year."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="results")
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("assessment"), max_length=5, choices=AssessmentKind.choices)
    subject = models.CharField(_("subject"), max_length=20, choices=Subject.choices)
    grade = models.PositiveSmallIntegerField(_("grade"), null=True, blank=True)
    participants = models.PositiveIntegerField(_("participants"))
    average_score = models.DecimalField(
        _("average score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    below_threshold = models.PositiveIntegerField(
        _("below the base threshold"), null=True, blank=True
    )
    high_results = models.PositiveIntegerField(_("high results"), null=True, blank=True)

    class Meta:
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")
        ordering = ["organisation", "-year", "kind", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year", "kind", "subject", "grade"],
                name="schools_result_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(below_threshold__isnull=True)
                | models.Q(below_threshold__lte=models.F("participants")),
                name="schools_result_below_le_participants",
            ),
        ]
        indexes = [models.Index(fields=["year", "kind", "subject"])]

    def __str__(self) -> str:
        return f"{self.organisation} {self.get_kind_display()} {self.get_subject_display()} {self.year}"

    @property
    def share_below(self) -> float | None:
        if self.below_threshold is None or not self.participants:
            return None
        return 100.0 * self.below_threshold / self.participants


class Category(models.TextChoices):
    SHNOR = "shnor", _("School with low results (ШНОР)")
    SHNSU = "shnsu", _("School in difficult social conditions (ШНСУ)")
    RISK = "risk", _("Risk zone of declining results")
    LEADER = "leader", _("Leader school")
    OTHER = "other", _("No special category")


#: Categories whose schools are supported through partnerships.
SUPPORTED_CATEGORIES = (Category.SHNOR, Category.SHNSU, Category.RISK)


class CategoryAssignment(models.Model):
    """The category of a school for a year with its reasons.

    Computed rows carry ``reasons`` from the rule engine; an override by a methodologist sets
    ``is_override`` and ``override_reason``. Earlier rows stay as history; the current one is
    the newest with ``is_current``.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="categories"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    is_override = models.BooleanField(_("set by hand"), default=False)
    override_reason = models.TextField(_("reason for the override"), blank=True)
    is_current = models.BooleanField(_("current"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("category assignment")
        verbose_name_plural = _("category assignments")
        ordering = ["organisation", "-year", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "year"],
                condition=models.Q(is_current=True),
                name="schools_category_one_current",
            )
        ]
        indexes = [models.Index(fields=["year", "category", "is_current"])]

    def __str__(self) -> str:
        return f"{self.organisation} {self.year}: {self.get_category_display()}"
