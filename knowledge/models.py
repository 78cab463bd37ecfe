"""The bank of effective practices and the mentor bank (seeds 003, 004: «банк эффективных
практик», «база наставников»), filled from completed partnerships and network events."""

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history import register

# Migrations refer to this module's ``_private_storage``: the one private storage, looked up on use.
from network_portal.documents.storage import private_storage as _private_storage


def codes_to_text(codes) -> str:
    """``["math", "russian"]`` → ``",math,russian,"``: a list stored so that one
    ``icontains=",math,"`` filters it on every database."""
    codes = [str(c) for c in codes if str(c)]
    return f",{','.join(codes)}," if codes else ""


def text_to_codes(text: str) -> list[str]:
    return [c for c in (text or "").split(",") if c]


class PracticeStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("practice status", "Draft")
    REVIEW = "review", pgettext_lazy("practice status", "Under review")
    PUBLISHED = "published", pgettext_lazy("practice status", "Published")
    ARCHIVED = "archived", pgettext_lazy("practice status", "Archived")


class Practice(models.Model):
    """A practice that worked: the problem it answers, what was done, results taken from the
    portal's own data of its source, materials and authors."""

    title = models.CharField(_("title"), max_length=300)
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.PROTECT,
        related_name="practices",
        verbose_name=_("municipality"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PracticeStatus.choices, default=PracticeStatus.DRAFT
    )
    # the problem
    problem = models.TextField(_("problem it answers"))
    risk_factors = models.ManyToManyField(
        "diagnostics.RiskFactor", blank=True, related_name="+", verbose_name=_("risk factors")
    )
    subjects = models.CharField(_("subjects"), max_length=300, blank=True)
    grades = models.CharField(_("grades"), max_length=60, blank=True)
    # what was done
    forms = models.ManyToManyField(
        "partnerships.FormOfInteraction",
        blank=True,
        related_name="+",
        verbose_name=_("forms of interaction"),
    )
    actions = models.TextField(_("what was done"))
    measure = models.TextField(
        _("measure for a roadmap"),
        blank=True,
        help_text=_("A measure another school can add to its roadmap as it is."),
    )
    duration_months = models.PositiveSmallIntegerField(
        _("duration, months"), null=True, blank=True, validators=[MaxValueValidator(120)]
    )
    # results
    results = models.TextField(_("results in words"))
    results_snapshot = models.JSONField(_("results from the portal's data"), default=dict)
    results_taken_at = models.DateTimeField(_("results taken at"), null=True, blank=True)
    proved_effect = models.BooleanField(_("effect proved by the data"), default=False)
    # source
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partnership"),
    )
    network = models.ForeignKey(
        "partnerships.Network",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("network"),
    )
    event = models.ForeignKey(
        "events.Event",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("network event"),
    )
    # authors
    author_organisations = models.ManyToManyField(
        "schools.Organisation",
        blank=True,
        related_name="authored_practices",
        verbose_name=_("author organisations"),
    )
    author_names = models.CharField(
        _("authors (people)"),
        max_length=500,
        blank=True,
        help_text=_("Not shown on the public page."),
    )
    is_public = models.BooleanField(
        _("open to the public"),
        default=False,
        help_text=_("A published practice is shown on the public page, without people's names."),
    )
    #: Plain text of the searchable fields (PostgreSQL full-text search, GIN index).
    search_text = models.TextField(default="", editable=False)
    #: The same words stemmed (snowball, Russian) for the search fallback on SQLite.
    search_stems = models.TextField(default="", editable=False)
    #: On PostgreSQL: the title (weight A) and the text (weight B) as a ``tsvector`` with the
    #: Russian configuration, GIN-indexed (migration 0003); unused (empty) on SQLite.
    search_vector = SearchVectorField(null=True, editable=False)
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
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )

    class Meta:
        verbose_name = _("practice")
        verbose_name_plural = _("practices")
        ordering = ["-published_at", "-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "municipality"])]

    def __str__(self) -> str:
        return self.title

    @property
    def subject_codes(self) -> list[str]:
        return text_to_codes(self.subjects)

    @property
    def grade_list(self) -> list[int]:
        return [int(g) for g in text_to_codes(self.grades) if g.isdigit()]


class PracticeMaterial(models.Model):
    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="materials", verbose_name=_("practice")
    )
    title = models.CharField(_("title"), max_length=300)
    file = models.FileField(
        _("file"), storage=_private_storage, upload_to="practices/%Y/", blank=True
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    url = models.URLField(_("link"), max_length=1000, blank=True)
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
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.title


#: How a status change reads in the comments.
ACTION_LABELS = {
    "submit": _("submitted for review"),
    "return": _("returned for revision"),
    "publish": _("published"),
    "archive": _("moved to the archive"),
    "restore": _("published again"),
}


class PracticeComment(models.Model):
    """A review comment, or the note of a status change (submit, return, publish, archive)."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="comments", verbose_name=_("practice")
    )
    action = models.CharField(_("action"), max_length=20, blank=True)
    text = models.TextField(_("comment"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment on a practice")
        verbose_name_plural = _("comments on practices")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.text[:50]

    @property
    def action_label(self):
        return ACTION_LABELS.get(self.action, self.action)


class PracticeAdoption(models.Model):
    """A roadmap item added from a practice: the link stays with the item."""

    practice = models.ForeignKey(
        Practice, on_delete=models.CASCADE, related_name="adoptions", verbose_name=_("practice")
    )
    item = models.OneToOneField(
        "roadmaps.RoadmapItem",
        on_delete=models.CASCADE,
        related_name="practice_adoption",
        verbose_name=_("roadmap item"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("added by"),
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    class Meta:
        verbose_name = _("practice adopted in a roadmap")
        verbose_name_plural = _("practices adopted in roadmaps")

    def __str__(self) -> str:
        return f"{self.practice_id} → {self.item_id}"


# --- Mentors ----------------------------------------------------------------------------------


class Mentor(models.Model):
    """A teacher, a leader school's staff member or an external person who opts in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentor_profile",
        verbose_name=_("portal user"),
    )
    full_name = models.CharField(_("surname, name, patronymic"), max_length=300)
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.PROTECT,
        related_name="mentors",
        verbose_name=_("municipality"),
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="mentors",
        verbose_name=_("organisation"),
    )
    organisation_name = models.CharField(
        _("organisation (if not in the portal)"), max_length=300, blank=True
    )
    position = models.CharField(_("position"), max_length=300, blank=True)
    risk_factors = models.ManyToManyField(
        "diagnostics.RiskFactor", blank=True, related_name="+", verbose_name=_("risk factors")
    )
    needs = models.CharField(_("teachers' difficulties they help with"), max_length=300, blank=True)
    subjects = models.CharField(_("subjects"), max_length=300, blank=True)
    forms = models.ManyToManyField(
        "partnerships.FormOfInteraction",
        blank=True,
        related_name="+",
        verbose_name=_("forms of work"),
    )
    experience = models.TextField(_("experience"), blank=True)
    capacity = models.PositiveSmallIntegerField(
        _("mentees they can take"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
    )
    availability = models.CharField(_("availability"), max_length=300, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    is_active = models.BooleanField(_("takes mentees"), default=True)
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

    class Meta:
        verbose_name = _("mentor")
        verbose_name_plural = _("mentors")
        ordering = ["full_name", "pk"]

    def __str__(self) -> str:
        return self.full_name

    @property
    def need_codes(self) -> list[str]:
        return text_to_codes(self.needs)

    @property
    def subject_codes(self) -> list[str]:
        return text_to_codes(self.subjects)

    @property
    def workplace(self) -> str:
        return self.organisation.short_name if self.organisation_id else self.organisation_name


class MentorshipStatus(models.TextChoices):
    PROPOSED = "proposed", pgettext_lazy("mentorship status", "Proposed")
    ACTIVE = "active", pgettext_lazy("mentorship status", "Active")
    COMPLETED = "completed", pgettext_lazy("mentorship status", "Completed")
    DECLINED = "declined", pgettext_lazy("mentorship status", "Declined")


#: Statuses that take one of the mentor's places.
TAKING_PLACE = (MentorshipStatus.PROPOSED, MentorshipStatus.ACTIVE)


class Mentorship(models.Model):
    mentor = models.ForeignKey(
        Mentor, on_delete=models.PROTECT, related_name="mentorships", verbose_name=_("mentor")
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="mentorships",
        verbose_name=_("school"),
    )
    mentee_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("mentee (portal user)"),
    )
    mentee = models.CharField(
        _("mentee"), max_length=300, help_text=_("A teacher, or the school team.")
    )
    topic = models.CharField(_("topic"), max_length=300)
    reasons = models.JSONField(_("why this mentor"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=MentorshipStatus.choices,
        default=MentorshipStatus.PROPOSED,
    )
    result = models.TextField(_("result"), blank=True)
    started_on = models.DateField(_("started on"), null=True, blank=True)
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
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
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee}"


class MentorshipGoal(models.Model):
    mentorship = models.ForeignKey(
        Mentorship, on_delete=models.CASCADE, related_name="goals", verbose_name=_("mentorship")
    )
    text = models.CharField(_("goal"), max_length=500)
    due_date = models.DateField(_("due date"))
    done_on = models.DateField(_("reached on"), null=True, blank=True)

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["due_date", "pk"]

    def __str__(self) -> str:
        return self.text


class MentorshipMeeting(models.Model):
    mentorship = models.ForeignKey(
        Mentorship,
        on_delete=models.CASCADE,
        related_name="meetings",
        verbose_name=_("mentorship"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    topic = models.CharField(_("topic"), max_length=300)
    place = models.CharField(_("place or link"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return self.topic


register(
    Practice,
    excluded_fields=["updated_at", "created_at", "search_text", "search_stems", "search_vector"],
    m2m_fields=["risk_factors", "forms", "author_organisations"],
)
register(Mentor, excluded_fields=["updated_at", "created_at"])
