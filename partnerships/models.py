"""Networks, partnerships of supported schools with leader schools and partners, agreements."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history import register

# Migrations refer to this module's ``_private_storage``: the one private storage, looked up on use.
from network_portal.accounts.validators import validate_no_control_characters
from network_portal.documents.models import JobStatus
from network_portal.documents.storage import private_storage as _private_storage
from network_portal.ui.links import validate_web_url


class PartnershipStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    AGREED = "agreed", _("Agreed")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    TERMINATED = "terminated", _("Terminated")


class MemberRole(models.TextChoices):
    SUPPORTED = "supported", _("Supported school")
    LEADER = "leader", _("Leader school")
    PARTNER = "partner", _("Partner")


class Partnership(models.Model):
    """A network pair or group (сетевая пара / группа)."""

    title = models.CharField(_("title"), max_length=300)
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.PROTECT,
        related_name="partnerships",
        verbose_name=_("municipality"),
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=PartnershipStatus.choices,
        default=PartnershipStatus.PROPOSED,
    )
    organisations = models.ManyToManyField(
        "schools.Organisation",
        through="partnerships.PartnershipMember",
        related_name="partnerships",
        verbose_name=_("members"),
    )
    risk_factors = models.ManyToManyField(
        "diagnostics.RiskFactor",
        blank=True,
        related_name="partnerships",
        verbose_name=_("risk factors addressed"),
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(_("end date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    network = models.ForeignKey(
        "Network",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="partnerships",
        verbose_name=_("network"),
    )
    forms = models.ManyToManyField(
        "FormOfInteraction", blank=True, related_name="+", verbose_name=_("forms of interaction")
    )
    directions = models.ManyToManyField(
        "Direction", blank=True, related_name="+", verbose_name=_("directions")
    )
    resources = models.ManyToManyField(
        "ResourceKind", blank=True, related_name="+", verbose_name=_("shared resources")
    )
    over_capacity_reason = models.TextField(
        _("reason for exceeding a partner's capacity"), blank=True
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
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    #: Optimistic locking of the edit form: every edit increments it; a stale one is refused.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="partnerships_end_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title


class PartnershipMember(models.Model):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="members", verbose_name=_("partnership")
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="partnership_memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=10, choices=MemberRole.choices)
    agreed_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("agreed by"),
    )

    class Meta:
        verbose_name = _("partnership member")
        verbose_name_plural = _("partnership members")
        ordering = ["partnership", "role", "organisation__short_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "organisation"], name="partnerships_member_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation} — {self.get_role_display()}"


class AgreementKind(models.TextChoices):
    COOPERATION = "cooperation", _("Cooperation agreement")
    NETWORK_PROGRAMME = (
        "network_programme",
        _("Contract on the network form of educational programmes (art. 15 of Law 273-FZ)"),
    )


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed")
    EXPIRED = "expired", _("Expired")
    TERMINATED = "terminated", _("Terminated")


class Agreement(models.Model):
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="agreements",
        verbose_name=_("partnership"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.PROTECT,
        related_name="agreements",
        verbose_name=_("municipality"),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    sequence = models.PositiveIntegerField(_("sequence number"))
    number = models.CharField(_("number"), max_length=50)
    date = models.DateField(_("date"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=12, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    subject = models.TextField(_("subject"))
    obligations = models.TextField(_("obligations of the parties"), blank=True)
    resources_text = models.TextField(_("resources"), blank=True)
    document_job = models.ForeignKey(
        "documents.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("printable document"),
    )
    scan = models.FileField(
        _("signed scan"), storage=_private_storage, upload_to="agreements/%Y/", blank=True
    )
    scan_name = models.CharField(_("scan file name"), max_length=200, blank=True)
    scan_uploaded_at = models.DateTimeField(_("scan uploaded at"), null=True, blank=True)
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
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-year", "-sequence"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year", "sequence"], name="partnerships_agreement_number"
            ),
            models.CheckConstraint(
                condition=models.Q(valid_until__gte=models.F("valid_from")),
                name="partnerships_agreement_term",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} № {self.number}"


# --- Reference lists (data migrations 0003–0005; seeds 000, 003, 004) -----------------------


class ReferenceItem(models.Model):
    name = models.CharField(pgettext_lazy("title", "name"), max_length=200, unique=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class FormOfInteraction(ReferenceItem):
    """Формы взаимодействия (seeds 000, 003)."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("form of interaction")
        verbose_name_plural = _("forms of interaction")


class Direction(ReferenceItem):
    """Направления сетевого взаимодействия (seed 000: programmes, material resources, staff,
    finances)."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("direction")
        verbose_name_plural = _("directions")


class ResourceKind(ReferenceItem):
    """Ресурсы, которыми делятся участники (seed 000)."""

    class Meta(ReferenceItem.Meta):
        verbose_name = _("kind of resource")
        verbose_name_plural = _("kinds of resources")


# --- Networks (seeds 000, 004) ---------------------------------------------------------------


class NetworkModel(models.TextChoices):
    MODEL_1 = "model_1", _("Model 1: school district on a cooperation agreement")
    MODEL_2 = "model_2", _("Model 2: network form of educational programmes by contract")
    MODEL_3 = "model_3", _("Model 3: social partnership")
    MODEL_4 = "model_4", _("Model 4: innovation infrastructure")
    RESOURCE_CENTRE = "resource_centre", _("Resource centre")
    STRATEGIC = "strategic", _("Strategic partnership")
    OUTSOURCING = "outsourcing", _("Outsourcing")


class Network(models.Model):
    """A network (сеть / школьный округ / кластер) with its model and coordinator."""

    name = models.CharField(pgettext_lazy("title", "name"), max_length=300)
    model = models.CharField(_("model"), max_length=20, choices=NetworkModel.choices)
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.PROTECT,
        related_name="networks",
        verbose_name=_("municipality"),
    )
    coordinator = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.PROTECT,
        related_name="coordinated_networks",
        verbose_name=_("coordinating organisation"),
    )
    members = models.ManyToManyField(
        "schools.Organisation",
        blank=True,
        related_name="networks",
        verbose_name=_("member organisations"),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    #: Optimistic locking of the edit form, as for partnerships.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        verbose_name = _("network")
        verbose_name_plural = _("networks")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="partnerships_network_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


# --- Strengths and capacity of providers -----------------------------------------------------


class DeclaredStrength(models.Model):
    """Experience an organisation declares in a risk factor («опыт», with evidence).

    Seed 001: СОШ № 3 «приобрела этот опыт в проекте 500+» although it is itself a risk-zone
    school, so a declared strength counts even where the latest profile is not low.
    """

    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="declared_strengths",
        verbose_name=_("organisation"),
    )
    factor = models.ForeignKey(
        "diagnostics.RiskFactor",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("risk factor"),
    )
    experience = models.CharField(_("experience"), max_length=500)
    evidence = models.TextField(_("evidence"), blank=True)
    evidence_url = models.URLField(_("link to evidence"), blank=True, validators=[validate_web_url])
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("declared strength")
        verbose_name_plural = _("declared strengths")
        ordering = ["organisation", "factor__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "factor"], name="partnerships_strength_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.experience}"


class ProviderProfile(models.Model):
    """How many schools an organisation can support and which resources it shares."""

    organisation = models.OneToOneField(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="provider_profile",
        verbose_name=_("organisation"),
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity (schools it can support)"), validators=[MaxValueValidator(50)]
    )
    resources = models.ManyToManyField(
        ResourceKind, blank=True, related_name="+", verbose_name=_("resources it can share")
    )
    note = models.TextField(pgettext_lazy("remark", "note"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("provider profile")
        verbose_name_plural = _("provider profiles")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.capacity}"


class MatchingSettings(models.Model):
    """Weights of partner matching for a region, edited by the regional coordinator."""

    region = models.OneToOneField(
        "schools.Region",
        on_delete=models.CASCADE,
        related_name="matching_settings",
        verbose_name=_("region"),
    )
    weight_high = models.DecimalField(
        _("weight of a covered high-risk factor"), max_digits=5, decimal_places=2, default=3
    )
    weight_medium = models.DecimalField(
        _("weight of a covered medium-risk factor"), max_digits=5, decimal_places=2, default=1
    )
    derived_share = models.DecimalField(
        _("share of the weight for a derived (low-risk) strength"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.6"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_(
            "A declared experience counts in full; a low risk in the profile counts this share."
        ),
    )
    weight_results = models.DecimalField(
        _("weight of results"), max_digits=5, decimal_places=2, default=2
    )
    weight_proximity = models.DecimalField(
        _("weight of proximity"), max_digits=5, decimal_places=2, default=2
    )
    weight_load = models.DecimalField(
        _("weight of current load"), max_digits=5, decimal_places=2, default=2
    )
    max_distance_km = models.PositiveIntegerField(
        _("distance at which proximity counts nothing, km"), default=100
    )
    distance_limit_km = models.PositiveIntegerField(
        _("never suggest a partner farther than, km"),
        null=True,
        blank=True,
        help_text=_(
            "Empty: no limit. Distances come from the schools' coordinates, or else the "
            "centres of their municipalities."
        ),
    )
    min_fit = models.PositiveSmallIntegerField(
        _("minimum fit for a pairing plan, %"),
        default=25,
        validators=[MaxValueValidator(100)],
    )
    default_capacity = models.PositiveSmallIntegerField(
        _("default capacity of a provider"), default=2, validators=[MaxValueValidator(50)]
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("matching settings")
        verbose_name_plural = _("matching settings")

    def __str__(self) -> str:
        return str(self.region)


# --- Status history --------------------------------------------------------------------------


class StatusChange(models.Model):
    """One status change of a partnership or an agreement, with who made it and why."""

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
        verbose_name=_("partnership"),
    )
    agreement = models.ForeignKey(
        "Agreement",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="status_changes",
        verbose_name=_("agreement"),
    )
    from_status = models.CharField(
        pgettext_lazy("status change", "from"), max_length=12, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12)
    action = models.CharField(_("action"), max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


# --- Pairing plans ---------------------------------------------------------------------------


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    APPROVED = "approved", _("Approved")


class PairingPlan(models.Model):
    """Partners suggested at once for all unpaired supported schools of a territory."""

    region = models.ForeignKey(
        "schools.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("region")
    )
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
        help_text=_("Empty for the whole region."),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=PlanStatus.choices, default=PlanStatus.DRAFT
    )
    min_fit = models.PositiveSmallIntegerField(_("minimum fit, %"))
    total_fit = models.DecimalField(_("total fit"), max_digits=10, decimal_places=2, default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    #: The background job that builds the rows (none for a plan built in place); while it is
    #: not ready the plan's page shows its progress, or why it failed.
    job = models.ForeignKey(
        "documents.Job",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("job"),
    )

    class Meta:
        verbose_name = _("pairing plan")
        verbose_name_plural = _("pairing plans")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        territory = self.municipality or self.region
        return f"{territory} ({self.created_at:%d.%m.%Y})" if self.created_at else str(territory)

    @property
    def is_built(self) -> bool:
        """Whether the rows are there: built in place, or by a job that is ready."""
        return self.job_id is None or self.job.status == JobStatus.READY


class PairingRow(models.Model):
    plan = models.ForeignKey(
        PairingPlan, on_delete=models.CASCADE, related_name="rows", verbose_name=_("plan")
    )
    supported = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("supported school"),
    )
    provider = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suggested partner"),
    )
    score = models.DecimalField(_("fit, %"), max_digits=5, decimal_places=1, null=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    factor_codes = models.JSONField(_("factors covered"), default=list, blank=True)
    alternatives = models.JSONField(_("alternatives"), default=list, blank=True)
    cross_municipality = models.BooleanField(_("another municipality"), default=False)
    include = models.BooleanField(_("include"), default=True)
    #: why the school has no partner in the plan (``partnerships.matching`` codes), in words
    unpaired_reason = models.TextField(_("why no partner"), blank=True)
    #: a second provider covering high-risk factors the first does not (seed 001)
    second_provider = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second partner"),
    )
    second_reasons = models.JSONField(_("reasons for the second partner"), default=list, blank=True)
    second_factor_codes = models.JSONField(
        _("factors the second partner covers"), default=list, blank=True
    )
    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("partnership created"),
    )

    class Meta:
        verbose_name = _("pairing plan row")
        verbose_name_plural = _("pairing plan rows")
        ordering = ["plan", "supported__short_name"]

    def __str__(self) -> str:
        return f"{self.supported} → {self.provider or '—'}"


# --- Agreement templates and numbering --------------------------------------------------------


class AgreementTemplate(models.Model):
    """The editable text of an agreement kind (placeholders like ``{стороны}``; see
    :mod:`partnerships.agreement_text`).

    A row without a region is the portal's default (migration ``0006``, edited by an
    administrator); a regional coordinator edits a copy of their own region, so one region's
    wording never changes another's agreements."""

    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
        help_text=_("Empty for the default text of every region."),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AgreementKind.choices)
    title = models.CharField(
        _("document title"), max_length=300, validators=[validate_no_control_characters]
    )
    body = models.TextField(_("text"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("agreement template")
        verbose_name_plural = _("agreement templates")
        ordering = ["kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "kind"], name="partnerships_template_region_kind"
            ),
            models.UniqueConstraint(
                fields=["kind"],
                condition=models.Q(region__isnull=True),
                name="partnerships_template_default_kind",
            ),
        ]

    def __str__(self) -> str:
        kind = self.get_kind_display()
        return f"{kind} ({self.region})" if self.region_id else str(kind)


class AgreementCounter(models.Model):
    """The last agreement number of a municipality in a year; locked while a number is taken."""

    municipality = models.ForeignKey(
        "schools.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "year"], name="partnerships_counter_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.year}: {self.last}"


# --- History of edits --------------------------------------------------------------------------
# Registered here, after the through model of the members exists (simple-history copies its
# fields). The services write one record per edit (see ``partnerships.history``); status
# changes are told by :class:`StatusChange`, which also keeps the reason.
register(
    Partnership,
    excluded_fields=["updated_at", "created_at", "created_by"],
    m2m_fields=["organisations", "risk_factors", "forms", "directions", "resources"],
)
register(Network, excluded_fields=["updated_at", "created_at"], m2m_fields=["members"])
