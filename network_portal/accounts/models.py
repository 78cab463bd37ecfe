"""Users log in by e-mail; what they may see and do comes from their role assignments."""

from django.contrib.auth.base_user import BaseUserManager
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from .validators import validate_no_control_characters


class Role(models.TextChoices):
    """The roles of DOMAIN.md; the scope column says what each assignment points at."""

    COORDINATOR = "coordinator", _("Regional coordinator")  # region
    METHODOLOGIST = "methodologist", _("Municipal methodologist")  # municipality
    CURATOR = "curator", _("Curator")  # one assigned school per assignment
    DIRECTOR = "director", _("School director")  # own organisation
    TEACHER = "teacher", _("Teacher")  # own organisation
    PARTNER = "partner", _("Partner representative")  # own (partner) organisation


#: Which scope field each role's assignment must fill in.
ROLE_SCOPE_FIELD: dict[str, str] = {
    Role.COORDINATOR: "region",
    Role.METHODOLOGIST: "municipality",
    Role.CURATOR: "organisation",
    Role.DIRECTOR: "organisation",
    Role.TEACHER: "organisation",
    Role.PARTNER: "organisation",
}


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def get_by_natural_key(self, username: str):
        return self.get(**{f"{self.model.USERNAME_FIELD}__iexact": username})


class User(AbstractUser):
    username = None
    email = models.EmailField(_("e-mail"), unique=True)
    first_name = models.CharField(
        _("first name"), max_length=150, blank=True, validators=[validate_no_control_characters]
    )
    last_name = models.CharField(
        _("last name"), max_length=150, blank=True, validators=[validate_no_control_characters]
    )
    middle_name = models.CharField(
        _("patronymic"), max_length=150, blank=True, validators=[validate_no_control_characters]
    )
    position = models.CharField(_("position"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    def get_short_name(self) -> str:
        initials = "".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip() or self.email


class RoleAssignment(models.Model):
    """One role of one user in one scope. A user may hold several.

    A curator has one assignment per assigned school. Domain models are referenced by
    string so that the platform does not import the ``schools`` app.
    """

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "schools.Region",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    municipality = models.ForeignKey(
        "schools.Municipality",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("municipality"),
    )
    organisation = models.ForeignKey(
        "schools.Organisation",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("organisation"),
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)
    granted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        indexes = [models.Index(fields=["role", "organisation"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} ({self.scope_object})"

    @property
    def scope_object(self):
        return getattr(self, ROLE_SCOPE_FIELD[self.role])

    def clean(self) -> None:
        needed = ROLE_SCOPE_FIELD.get(self.role)
        filled = {f for f in ("region", "municipality", "organisation") if getattr(self, f"{f}_id")}
        if needed and filled != {needed}:
            field_label = self._meta.get_field(needed).verbose_name
            raise ValidationError(
                _("The role “%(role)s” needs exactly one scope: %(field)s.")
                % {"role": self.get_role_display(), "field": field_label}
            )
