"""Risk factors of the «500+» instrument, diagnostics cycles and risk profiles (seeds 001, 002)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

# Migrations refer to this module's ``_private_storage``: the one private storage, looked up on use.
from network_portal.documents.storage import private_storage as _private_storage
from network_portal.ui.links import validate_web_url

from . import scoring


class RiskFactor(models.Model):
    """One of the ten «500+» risk factors (reference data, ``0002_fill_risk_factors``)."""

    code = models.PositiveSmallIntegerField(_("number"), unique=True)
    name = models.CharField(pgettext_lazy("title", "name"), max_length=300)
    short_name = models.CharField(_("short name"), max_length=100)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("risk factor")
        verbose_name_plural = _("risk factors")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}. {self.name}"


class Level(models.TextChoices):
    """The risk levels as choices; the values are :mod:`diagnostics.scoring`'s vocabulary."""

    HIGH = scoring.HIGH, _("High")
    MEDIUM = scoring.MEDIUM, _("Medium")
    LOW = scoring.LOW, _("Low")


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
    instrument = models.ForeignKey(
        "Instrument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cycles",
        verbose_name=_("instrument version"),
    )

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
    instrument = models.ForeignKey(
        "Instrument",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="profiles",
        verbose_name=_("instrument version"),
    )
    questionnaire = models.OneToOneField(
        "Questionnaire",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="profile",
        verbose_name=_("questionnaire"),
    )

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


# --- The instrument: versioned, copy-on-write reference data ------------------------------


class Instrument(models.Model):
    """One version of the self-diagnosis instrument (factors' indicators, options, thresholds).

    Versions are never edited once a profile may refer to them: every edit in the portal copies
    the region's current version into a new one (``services.instrument_edit_*``), so each
    profile stays explainable with the exact questions and weights it was computed with. A
    region uses its own current version, or the base one (``region`` empty) until its
    coordinator changes something.
    """

    version = models.PositiveIntegerField(_("version"), unique=True)
    #: the region whose coordinator made this version; empty — the base version of the portal
    #: (the «500+» instrument), used by every region that has not changed it
    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="diagnostic_instruments",
        verbose_name=_("region"),
    )
    is_current = models.BooleanField(_("current"), default=False)
    note = models.CharField(_("what changed"), max_length=500, blank=True)
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
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["region"],
                condition=models.Q(is_current=True),
                name="diagnostics_one_current_instrument_per_region",
            )
        ]

    def __str__(self) -> str:
        return _("Instrument, version %(version)s") % {"version": self.version}


class FactorRule(models.Model):
    """Level thresholds of one factor in one instrument version (score in %, 0–100)."""

    instrument = models.ForeignKey(
        Instrument, on_delete=models.CASCADE, related_name="rules", verbose_name=_("instrument")
    )
    factor = models.ForeignKey(
        RiskFactor, on_delete=models.PROTECT, related_name="+", verbose_name=_("risk factor")
    )
    medium_from = models.DecimalField(
        _("medium level from, %"), max_digits=5, decimal_places=2, default=35
    )
    high_from = models.DecimalField(
        _("high level from, %"), max_digits=5, decimal_places=2, default=65
    )

    class Meta:
        verbose_name = _("factor thresholds")
        verbose_name_plural = _("factor thresholds")
        ordering = ["instrument", "factor__code"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "factor"], name="diagnostics_rule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.factor}: {self.medium_from}/{self.high_from}"


class IndicatorKind(models.TextChoices):
    QUESTION = "question", _("Question to the school team")
    COMPUTED = "computed", _("Computed from the school's data")


class Indicator(models.Model):
    """A question of the questionnaire, or an indicator computed from context and results."""

    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.CASCADE,
        related_name="indicators",
        verbose_name=_("instrument"),
    )
    factor = models.ForeignKey(
        RiskFactor, on_delete=models.PROTECT, related_name="+", verbose_name=_("risk factor")
    )
    code = models.CharField(_("code"), max_length=20)
    text = models.TextField(_("question or indicator"))
    help_text = models.CharField(_("hint"), max_length=500, blank=True)
    kind = models.CharField(
        _("kind"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.QUESTION
    )
    #: for computed indicators: a key of ``scoring.COMPUTED_SOURCES``
    source = models.CharField(_("data source"), max_length=40, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=5, decimal_places=2, default=1)
    required = models.BooleanField(_("answer required"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["instrument", "factor__code", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["instrument", "code"], name="diagnostics_indicator_code_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.text[:80]}"

    @property
    def is_computed(self) -> bool:
        return self.kind == IndicatorKind.COMPUTED


class AnswerOption(models.Model):
    """An answer option and its risk score. For a computed indicator an option is a band:
    it applies when the value is at least ``min_value`` (the highest such band wins)."""

    indicator = models.ForeignKey(
        Indicator, on_delete=models.CASCADE, related_name="options", verbose_name=_("indicator")
    )
    text = models.CharField(_("answer"), max_length=300)
    score = models.DecimalField(_("risk score"), max_digits=5, decimal_places=2)
    min_value = models.DecimalField(
        _("from value"), max_digits=9, decimal_places=3, null=True, blank=True
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("answer option")
        verbose_name_plural = _("answer options")
        ordering = ["indicator", "order", "pk"]

    def __str__(self) -> str:
        return f"{self.text} ({self.score})"


# --- Questionnaires -------------------------------------------------------------------------


class QuestionnaireStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("questionnaire", "Draft")
    SUBMITTED = "submitted", pgettext_lazy("questionnaire", "Submitted")
    RETURNED = "returned", _("Returned for correction")


class Questionnaire(models.Model):
    """The self-diagnosis questionnaire of one school in one cycle.

    ``version`` is bumped on every save; a form carries the version it was rendered with, and a
    save from a stale form is refused (optimistic locking, two team members on one draft).
    """

    cycle = models.ForeignKey(
        Cycle, on_delete=models.CASCADE, related_name="questionnaires", verbose_name=_("cycle")
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="questionnaires",
        verbose_name=_("school"),
    )
    instrument = models.ForeignKey(
        Instrument, on_delete=models.PROTECT, related_name="+", verbose_name=_("instrument")
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=QuestionnaireStatus.choices,
        default=QuestionnaireStatus.DRAFT,
    )
    version = models.PositiveIntegerField(_("version"), default=0)
    updated_at = models.DateTimeField(_("updated at"), null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    return_comment = models.TextField(_("comment for correction"), blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("returned by"),
    )

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["cycle", "organisation__short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "organisation"], name="diagnostics_questionnaire_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.cycle}"


class Answer(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="answers",
        verbose_name=_("questionnaire"),
    )
    indicator = models.ForeignKey(
        Indicator, on_delete=models.PROTECT, related_name="+", verbose_name=_("indicator")
    )
    option = models.ForeignKey(
        AnswerOption, on_delete=models.PROTECT, related_name="+", verbose_name=_("answer")
    )
    #: Copied from the school's previous submitted questionnaire when a new cycle opens; the
    #: team's next save confirms it (every saved answer is written anew, unmarked).
    carried_over = models.BooleanField(_("carried over from the previous cycle"), default=False)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "indicator"], name="diagnostics_answer_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code}: {self.option.text}"


class TeamMember(models.Model):
    """A member of a school's self-diagnosis team, named by the director (fills questionnaires)."""

    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="diagnostics_team",
        verbose_name=_("school"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="diagnostics_teams",
        verbose_name=_("user"),
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("self-diagnosis team member")
        verbose_name_plural = _("self-diagnosis team members")
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user"], name="diagnostics_team_unique")
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.user}"


# --- Teacher difficulties survey (seed 004) -------------------------------------------------


class TeacherSurvey(models.Model):
    """An anonymous survey of teachers' professional difficulties and needs (seed 004).

    Teachers open it by its token link; results are shown per school and municipality only when
    at least ``min_responses`` teachers of that school answered.
    """

    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.CASCADE,
        related_name="teacher_surveys",
        verbose_name=_("municipality"),
    )
    title = models.CharField(_("title"), max_length=300)
    token = models.CharField(_("link token"), max_length=64, unique=True, editable=False)
    schools = models.ManyToManyField(
        "schools.Organisation", related_name="teacher_surveys", verbose_name=_("schools")
    )
    opens_on = models.DateField(_("opens on"))
    closes_on = models.DateField(_("closes on"))
    min_responses = models.PositiveSmallIntegerField(
        _("minimum answers to show results"), default=5
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
        verbose_name = _("teacher difficulties survey")
        verbose_name_plural = _("teacher difficulties surveys")
        ordering = ["-opens_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class SurveyResponse(models.Model):
    """One teacher's anonymous answer: no user, no IP, no time of day (a random key, the date).

    A random primary key keeps responses from being matched with :class:`SurveyParticipation`
    rows by their order.
    """

    id = models.UUIDField(primary_key=True, editable=False)
    survey = models.ForeignKey(
        TeacherSurvey, on_delete=models.CASCADE, related_name="responses", verbose_name=_("survey")
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("school"),
    )
    difficulties = models.TextField(_("difficulties in your own words"), blank=True)
    support_wanted = models.TextField(_("support that would help"), blank=True)
    answered_on = models.DateField(_("answered on"))

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        indexes = [models.Index(fields=["survey", "organisation"])]

    def __str__(self) -> str:
        return f"{self.survey} — {self.organisation}"


class SurveyNeed(models.Model):
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="needs", verbose_name=_("answer")
    )
    need = models.CharField(_("need"), max_length=20, choices=TeacherNeed.choices)

    class Meta:
        verbose_name = _("stated need")
        verbose_name_plural = _("stated needs")
        constraints = [
            models.UniqueConstraint(fields=["response", "need"], name="diagnostics_need_unique")
        ]

    def __str__(self) -> str:
        return self.get_need_display()


class SurveyPublication(models.Model):
    """The figures of one school in an open survey as last published.

    Figures recomputed on every answer would let anyone who reads the page before and after
    one teacher answers learn exactly which needs that teacher ticked (7/12 → 8/13). While
    the survey is open, pages show only these published figures, renewed when at least
    ``DIAGNOSTICS_SURVEY_PUBLISH_STEP`` new answers have come since; after the survey closes
    they show every answer (and only then the free texts).
    """

    survey = models.ForeignKey(
        TeacherSurvey,
        on_delete=models.CASCADE,
        related_name="publications",
        verbose_name=_("survey"),
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("school"),
    )
    responses = models.PositiveIntegerField(_("answers published"), default=0)
    needs = models.JSONField(_("needs published"), default=dict)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    class Meta:
        verbose_name = _("published survey figures")
        verbose_name_plural = _("published survey figures")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "organisation"], name="diagnostics_publication_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} — {self.organisation_id}: {self.responses}"


class SurveyParticipation(models.Model):
    """Only the fact that a user has answered a survey (to answer once), never which answer."""

    survey = models.ForeignKey(
        TeacherSurvey,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("survey"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )

    class Meta:
        verbose_name = _("survey participation")
        verbose_name_plural = _("survey participations")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"], name="diagnostics_participation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.survey} — {self.user_id}"


# --- Transformation path (seed 000) ---------------------------------------------------------


class Stage(models.IntegerChoices):
    """The four stages of a school's transformation (seed 000)."""

    WHY_CHANGE = 1, _("1. Why must we change? — self-diagnosis launched")
    WHAT_HOLDS = 2, _("2. What holds our development back? — risk factors identified")
    HOW_REACH = 3, _("3. How will we reach the goals? — development concept and programme")
    HOW_BETTER = 4, _("4. How to make the measures more effective? — new-quality environment")


class StageRecord(models.Model):
    """A step of a supported school along the transformation path, with its evidence."""

    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="stage_records",
        verbose_name=_("school"),
    )
    stage = models.PositiveSmallIntegerField(_("stage"), choices=Stage.choices)
    reached_on = models.DateField(_("date"))
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_link = models.URLField(
        _("link to evidence"), blank=True, validators=[validate_web_url]
    )
    evidence_file = models.FileField(
        _("evidence file"),
        upload_to="diagnostics/stages/%Y/",
        storage=_private_storage,
        blank=True,
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("transformation stage")
        verbose_name_plural = _("transformation stages")
        ordering = ["organisation", "reached_on", "stage", "pk"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.get_stage_display()}"
