"""Regions, municipalities, organisations (schools and partners), their context and results.

A *year* here is the calendar year in which a school year ends and its exams are taken:
``year=2024`` is the school year 2023/24 and ГИА-2024.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

# Migrations refer to this module's ``_private_storage``: the one private storage, looked up on use.
from network_portal.documents.storage import private_storage as _private_storage
from network_portal.ui.links import validate_web_url

from .validators import validate_inn, validate_login, validate_ogrn


class Region(models.Model):
    name = models.CharField(pgettext_lazy("title", "name"), max_length=200, unique=True)
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
    name = models.CharField(pgettext_lazy("title", "name"), max_length=200)
    code = models.CharField(_("code"), max_length=20, blank=True)
    oktmo = models.CharField(_("OKTMO"), max_length=11, blank=True, db_index=True)
    #: The centroid, for distances when a school has no coordinates of its own.
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
    #: ``short_name`` for sorting, numbers padded (``normalize.sort_key``); kept by ``save()``.
    sort_name = models.CharField(max_length=200, blank=True, db_index=True, editable=False)
    inn = models.CharField(
        _("INN"), max_length=12, blank=True, db_index=True, validators=[validate_inn]
    )
    ogrn = models.CharField(
        _("OGRN"), max_length=15, blank=True, db_index=True, validators=[validate_ogrn]
    )
    code = models.CharField(_("regional code"), max_length=50, blank=True, db_index=True)
    #: The school's login in ФИС ОКО (``sch220028``): the key of the region's assessment files,
    #: which often carry no ИНН (DOMAIN.md, "How a region's data really arrives").
    login = models.CharField(
        _("FIS OKO login"), max_length=32, blank=True, db_index=True, validators=[validate_login]
    )
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
    website = models.CharField(
        _("website"), max_length=300, blank=True, validators=[validate_web_url]
    )
    is_active = models.BooleanField(pgettext_lazy("organisation", "active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    #: Optimistic locking (``network_portal.editing``): every save of the profile or an
    #: import increments it; a save over a version other than the one the form showed is
    #: refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = OrganisationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["short_name"]
        indexes = [
            models.Index(fields=["municipality", "kind"]),
            # the newest change, read by partner matching to know its cached rows are current
            models.Index(fields=["updated_at"], name="schools_org_updated_at_idx"),
        ]
        # An ИНН or ОГРН names one legal entity: never two organisations with the same one
        # (many partners have neither, so only non-empty values are unique).
        constraints = [
            models.UniqueConstraint(
                fields=["inn"],
                condition=~models.Q(inn=""),
                name="schools_organisation_inn_unique",
                violation_error_message=_("An organisation with this INN is already registered."),
            ),
            models.UniqueConstraint(
                fields=["ogrn"],
                condition=~models.Q(ogrn=""),
                name="schools_organisation_ogrn_unique",
                violation_error_message=_("An organisation with this OGRN is already registered."),
            ),
            # A ФИС ОКО login carries the region's code, so it is unique in the installation.
            models.UniqueConstraint(
                fields=["login"],
                condition=~models.Q(login=""),
                name="schools_organisation_login_unique",
                violation_error_message=_(
                    "An organisation with this FIS OKO login is already registered."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.short_name or self.full_name

    def save(self, *args, **kwargs):
        from .normalize import normalize_name, sort_key

        self.normalized_name = normalize_name(self.full_name)
        self.sort_name = sort_key(self.short_name or self.full_name)
        super().save(*args, **kwargs)

    @property
    def is_school(self) -> bool:
        return self.kind in SCHOOL_KINDS


class SettlementType(models.TextChoices):
    CITY = "city", _("City")
    TOWN = "town", _("Urban-type settlement")
    VILLAGE = "village", _("Village")


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
    # The ВПР context questionnaire of ФИС ОКО («контекстные данные»), per school and year.
    #: Pupils of each grade, ``{"4": 41, "5": 38}``.
    grade_pupils = models.JSONField(_("pupils by grade"), default=dict, blank=True)
    teachers = models.PositiveIntegerField(_("teachers"), null=True, blank=True)
    teachers_highest_category = models.PositiveIntegerField(
        _("teachers of the highest category"), null=True, blank=True
    )
    teachers_under_30 = models.PositiveIntegerField(_("teachers under 30"), null=True, blank=True)
    classrooms = models.PositiveIntegerField(_("classrooms"), null=True, blank=True)
    computers_for_pupils = models.PositiveIntegerField(
        _("computers for pupils"), null=True, blank=True
    )
    computers_with_internet = models.PositiveIntegerField(
        _("computers for pupils with internet"), null=True, blank=True
    )
    internet_speed_mbps = models.DecimalField(
        _("internet speed, Mbit/s"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    settlement_type = models.CharField(
        _("settlement type"), max_length=10, choices=SettlementType.choices, blank=True
    )
    settlement_size = models.PositiveIntegerField(_("settlement population"), null=True, blank=True)
    is_boarding = models.BooleanField(_("boarding school"), null=True, blank=True)
    is_correctional = models.BooleanField(_("correctional school"), null=True, blank=True)
    is_evening = models.BooleanField(_("evening school"), null=True, blank=True)
    #: Optimistic locking, as ``Organisation.version``.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

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
    #: The average primary (ВПР) or test (ОГЭ, ЕГЭ) score — never the average mark.
    average_score = models.DecimalField(
        _("average score"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    #: The average mark «2»–«5» (ВПР «Средний балл (отметка)», ОГЭ), kept apart from the score.
    average_mark = models.DecimalField(
        _("average mark"),
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    #: Counts of marks (ВПР, ОГЭ). For ВПР, "below the threshold" is the count of «2».
    count_2 = models.PositiveIntegerField(_("marks «2»"), null=True, blank=True)
    count_3 = models.PositiveIntegerField(_("marks «3»"), null=True, blank=True)
    count_4 = models.PositiveIntegerField(_("marks «4»"), null=True, blank=True)
    count_5 = models.PositiveIntegerField(_("marks «5»"), null=True, blank=True)
    below_threshold = models.PositiveIntegerField(
        _("below the base threshold"), null=True, blank=True
    )
    high_results = models.PositiveIntegerField(_("high results"), null=True, blank=True)
    #: Pupils at or above a middle band, when a source publishes it. The Moscow ЕГЭ file's
    #: misnamed ``PASSER_UNDER_160`` column counts pupils with 160+ points over three subjects
    #: (see docs in ``schools/importing/columns.py``); it is kept here, never as below-threshold.
    middle_or_above = models.PositiveIntegerField(
        _("at or above the middle band"), null=True, blank=True
    )

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

    @property
    def share_4_5(self) -> float | None:
        """Share of marks «4» and «5», %."""
        if self.count_4 is None or self.count_5 is None or not self.participants:
            return None
        return 100.0 * (self.count_4 + self.count_5) / self.participants


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

    @property
    def reason_texts(self) -> list[str]:
        """The reasons as plain Russian sentences (``reasons`` holds dicts with ``text``)."""
        return [r.get("text", "") if isinstance(r, dict) else str(r) for r in self.reasons or []]


class CategoryRules(models.Model):
    """Thresholds of the category rules of one region, edited by the regional coordinator.

    Defaults follow seed 001 (context factors: "не менее двух факторов") and seed 002 (share of
    pupils below the base threshold on the mandatory subjects, dynamics over three years).
    Every change is kept in ``history``.
    """

    region = models.OneToOneField(
        Region, on_delete=models.CASCADE, related_name="category_rules", verbose_name=_("region")
    )
    window_years = models.PositiveSmallIntegerField(
        _("years looked at"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("How many latest years the rules consider (including the year itself)."),
    )
    shnor_share_below = models.DecimalField(
        _("ШНОР: share of «2» (ОГЭ, ЕГЭ: below the threshold) at least, %"),
        max_digits=7,
        decimal_places=3,
        default=15,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    shnor_subjects_min = models.PositiveSmallIntegerField(
        _("ШНОР: in at least this many of the counted cells"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("A cell is one grade × subject of one assessment in one year."),
    )
    shnor_years_min = models.PositiveSmallIntegerField(
        _("ШНОР: in at least this many years"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    risk_decline_percent = models.DecimalField(
        _("risk zone: fall of the average score of at least, %"),
        max_digits=7,
        decimal_places=3,
        default=5,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    risk_context_factors_min = models.PositiveSmallIntegerField(
        _("risk zone: context factors at least"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(3)],
    )
    min_computers_per_student = models.DecimalField(
        _("too few computers: fewer per student than"),
        max_digits=5,
        decimal_places=3,
        default=Decimal("0.1"),
        validators=[MinValueValidator(0)],
    )
    teacher_vacancies_min = models.PositiveSmallIntegerField(
        _("teacher shortage: vacancies at least"), default=1, validators=[MinValueValidator(1)]
    )
    shnsu_ovz_share = models.DecimalField(
        _("ШНСУ: share of students with disabilities at least, %"),
        max_digits=7,
        decimal_places=3,
        default=17,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    shnsu_non_native_share = models.DecimalField(
        _("ШНСУ: share of non-native speakers at least, %"),
        max_digits=7,
        decimal_places=3,
        default=25,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    shnsu_factors_min = models.PositiveSmallIntegerField(
        _("ШНСУ: social factors at least"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    # Optional ШНСУ factors from the ФИС ОКО context questionnaire: off unless the region's
    # published rule names them.
    shnsu_village = models.BooleanField(
        _("ШНСУ: a village school is a social factor"),
        default=False,
        help_text=_("From the settlement type of the context questionnaire."),
    )
    shnsu_settlement_population_max = models.PositiveIntegerField(
        _("ШНСУ: a settlement of at most this many inhabitants is a social factor"),
        null=True,
        blank=True,
        help_text=_("Empty: not a criterion."),
    )
    shnsu_special_school = models.BooleanField(
        _("ШНСУ: a boarding, correctional or evening school is a social factor"),
        default=False,
    )
    max_students_per_teacher = models.DecimalField(
        _("teacher shortage: more students per teacher than"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Empty: not a criterion. From the numbers of pupils and teachers of the context "
            "questionnaire; counts as the same factor as vacancies."
        ),
    )
    leader_max_share_below = models.DecimalField(
        _("leader: share of «2» (ОГЭ, ЕГЭ: below the threshold) at most, %"),
        max_digits=7,
        decimal_places=3,
        default=3,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("0: no «2» at all."),
    )
    leader_share_4_5_min = models.DecimalField(
        _("leader: share of «4» and «5» at least, %"),
        max_digits=7,
        decimal_places=3,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
        help_text=_("Empty: not a criterion. Needs the counts of marks in the results."),
    )
    leader_years = models.PositiveSmallIntegerField(
        _("leader: stable results for years"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    include_vpr = models.BooleanField(
        _("count ВПР results too"),
        default=False,
        help_text=_(
            "By default only ГИА-9 and ГИА-11 (ОГЭ, ЕГЭ) in mathematics and Russian count; "
            "ВПР counts anyway when the region has no ОГЭ or ЕГЭ results."
        ),
    )
    # The cells (school × year × kind × grade × subject) of the ШНОР and leader rules.
    min_participants = models.PositiveSmallIntegerField(
        _("minimum participants in a cell"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("Smaller cells are left out of the ШНОР and leader rules."),
    )
    cell_kinds = models.JSONField(
        _("assessments of the counted cells"),
        default=list,
        blank=True,
        help_text=_("Empty: ОГЭ and ЕГЭ (and ВПР when counted)."),
    )
    cell_grades = models.JSONField(
        _("grades of the counted cells"), default=list, blank=True, help_text=_("Empty: all.")
    )
    cell_subjects = models.JSONField(
        _("subjects of the counted cells"),
        default=list,
        blank=True,
        help_text=_("Empty: mathematics and Russian."),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("category rules")
        verbose_name_plural = _("category rules")

    def __str__(self) -> str:
        return str(self.region)


class ImportKind(models.TextChoices):
    SCHOOLS = "schools", _("Organisations")
    RESULTS = "results", _("Assessment results")
    #: A region's municipalities list (``importing.municipality_list``): checked, then
    #: confirmed as a whole; it has no column mapping and no background step.
    MUNICIPALITIES = "mun_list", _("Municipalities list")


#: What the import wizard (upload → columns → check → import) takes; the municipalities list
#: has its own two-step page.
WIZARD_KINDS = (ImportKind.SCHOOLS, ImportKind.RESULTS)
WIZARD_KIND_CHOICES = [(kind.value, kind.label) for kind in WIZARD_KINDS]


class ImportStatus(models.TextChoices):
    # An XLSX file is read in the Celery worker, never in the web request (``tasks.read_import``).
    READING = "reading", _("Reading the file")
    UPLOADED = "uploaded", _("Uploaded")
    CHECKING = "checking", _("Checking the rows")
    PREVIEWED = "previewed", _("Checked")
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Imported")
    REJECTED = "rejected", _("Rejected")
    FAILED = "failed", _("Failed")
    # The worker died (or the message was lost) before the import finished: nothing was
    # written (one transaction), so it can be started again (``schools.recovery``).
    INTERRUPTED = "interrupted", _("Interrupted")


class ImportRun(models.Model):
    """One import of a file (wizard or management command): what, who, when, counts, issues."""

    kind = models.CharField(_("what"), max_length=10, choices=ImportKind.choices)
    assessment = models.CharField(
        _("assessment"), max_length=5, choices=AssessmentKind.choices, blank=True
    )
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("municipality"),
    )
    #: A region-wide import (a coordinator's): each row goes to its municipality column's one.
    region = models.ForeignKey(
        Region,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="imports",
        verbose_name=_("region"),
    )
    create_municipalities = models.BooleanField(
        _("create the new municipalities of the file"), default=False
    )
    #: Municipalities of the file not in the registry: ``[{"name", "schools", "similar_to"}]``.
    new_municipalities = models.JSONField(_("new municipalities"), default=list, blank=True)
    #: What would change (or changed), old → new: ``[{"line", "name", "action", "fields":
    #: [{"label", "old", "new"}]}]``, the first ``IMPORT_CHANGES_SHOWN``.
    changes = models.JSONField(_("changes"), default=list, blank=True)
    file = models.FileField(
        _("file"), storage=_private_storage, upload_to="imports/%Y/%m/", blank=True
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.PositiveIntegerField(_("size, bytes"), default=0)
    encoding = models.CharField(_("encoding"), max_length=20, blank=True)
    delimiter = models.CharField(_("separator"), max_length=5, blank=True)
    headers = models.JSONField(_("columns of the file"), default=list, blank=True)
    sample = models.JSONField(_("first rows of the file"), default=list, blank=True)
    mapping = models.JSONField(_("column mapping"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    is_dry_run = models.BooleanField(_("check only"), default=False)
    skip_invalid = models.BooleanField(
        _("import valid rows without the invalid ones"), default=False
    )
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    counts = models.JSONField(_("counts"), default=dict, blank=True)
    issues = models.JSONField(_("issues"), default=list, blank=True)
    progress = models.PositiveSmallIntegerField(pgettext_lazy("import", "progress, %"), default=0)
    error = models.TextField(_("error"), blank=True)
    source = models.CharField(_("source"), max_length=10, default="wizard")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("imported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The last sign of life of the background work (queued, claimed, progress); a run queued,
    # checking or running without one for ``recovery.STALE_AFTER`` has no worker.
    heartbeat_at = models.DateTimeField(_("last progress at"), null=True, blank=True)
    #: Names as decoded, from the start, middle and end of the file, shown on the check page
    #: before anything is written, so that a wrong encoding is seen (``decoding.names_sample``).
    name_sample = models.JSONField(_("names as read"), default=list, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_kind_display()})"

    @property
    def in_wizard(self) -> bool:
        """Whether the run goes on in the import wizard (columns, check, import)."""
        return self.kind in WIZARD_KINDS

    @property
    def unused_columns(self) -> list[dict]:
        """Columns of the file no field takes: ``{"header", "numeric"}`` (the preview lists
        them as «не используется», so no numeric column is dropped in silence)."""
        used = set(self.mapping.values())
        found = []
        for i, header in enumerate(self.headers):
            if not header or header in used:
                continue
            sample = [row[i] for row in self.sample if i < len(row) and str(row[i]).strip()]
            numeric = bool(sample) and all(
                str(v)
                .replace(",", ".")
                .replace(" ", "")
                .replace("%", "")
                .replace(".", "", 1)
                .lstrip("-")
                .isdigit()
                for v in sample
            )
            found.append({"header": header, "numeric": numeric})
        return found


class SavedMapping(models.Model):
    """A column mapping saved in the wizard under a name, for ``--mapping NAME`` and the next
    upload of a file of the same shape (e.g. «ФИС ОКО ВПР»)."""

    name = models.CharField(pgettext_lazy("title", "name"), max_length=100)
    kind = models.CharField(_("what"), max_length=10, choices=WIZARD_KIND_CHOICES)
    mapping = models.JSONField(_("column mapping"), default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("saved column mapping")
        verbose_name_plural = _("saved column mappings")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "kind"], name="schools_saved_mapping_unique")
        ]

    def __str__(self) -> str:
        return self.name


class ColumnMapping(models.Model):
    """The column mapping a municipality used last time, offered again on the next upload."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    kind = models.CharField(_("what"), max_length=10, choices=WIZARD_KIND_CHOICES)
    assessment = models.CharField(
        _("assessment"), max_length=5, choices=AssessmentKind.choices, blank=True
    )
    mapping = models.JSONField(_("column mapping"), default=dict)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("column mapping")
        verbose_name_plural = _("column mappings")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kind", "assessment"], name="schools_mapping_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.kind} {self.assessment}"
