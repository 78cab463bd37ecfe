from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from network_portal.audit.services import audit_log

from .forms import UserAddForm
from .models import RoleAssignment, User


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    fk_name = "user"
    extra = 0
    autocomplete_fields = ("region", "municipality", "organisation")
    readonly_fields = ("granted_at", "granted_by")


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ("email",)
    list_display = ("email", "last_name", "first_name", "is_active", "is_staff")
    search_fields = ("email", "last_name", "first_name")
    inlines = [RoleAssignmentInline]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (
            _("Personal info"),
            {"fields": ("last_name", "first_name", "middle_name", "position", "phone")},
        ),
        (_("Permissions"), {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
        (_("Important dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_form = UserAddForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "last_name",
                    "first_name",
                    "middle_name",
                    "position",
                    "password1",
                    "password2",
                ),
            },
        ),
    )

    #: Privilege fields whose changes are audited (CONTRIBUTING: sensitive actions).
    AUDITED_FLAGS = ("is_staff", "is_superuser")

    def save_model(self, request, obj, form, change):
        """Audit changes of the staff and superuser flags and of the groups (privileges).

        The groups are saved later (``save_related``); here the database still holds the old
        ones, so both sides of the change are known.
        """
        flags = [f for f in self.AUDITED_FLAGS if f in form.changed_data]
        groups_before = groups_after = None
        if "groups" in form.changed_data and "groups" in form.cleaned_data:
            groups_before = sorted(obj.groups.values_list("name", flat=True)) if obj.pk else []
            groups_after = sorted(g.name for g in form.cleaned_data["groups"])
        super().save_model(request, obj, form, change)
        for name in flags:
            audit_log(
                actor=request.user,
                action=f"user.{name}",
                obj=obj,
                before=bool(form.initial.get(name, False)),
                after=bool(getattr(obj, name)),
            )
        if groups_before is not None and groups_before != groups_after:
            audit_log(
                actor=request.user,
                action="user.groups",
                obj=obj,
                before=groups_before,
                after=groups_after,
            )

    def delete_model(self, request, obj):
        self._audit_deletion(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        """The changelist's «delete selected» action: each deleted user is audited too."""
        for obj in queryset:
            self._audit_deletion(request, obj)
        super().delete_queryset(request, queryset)

    @staticmethod
    def _audit_deletion(request, obj) -> None:
        roles = [
            {"role": ra.role, "scope": str(ra.scope_object)}
            for ra in obj.role_assignments.select_related("region", "municipality", "organisation")
        ]
        audit_log(
            actor=request.user,
            action="user.delete",
            obj=obj,
            roles=roles,
            is_staff=obj.is_staff,
            is_superuser=obj.is_superuser,
            groups=sorted(obj.groups.values_list("name", flat=True)),
        )

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        changed = {obj.pk: list(fields) for obj, fields in formset.changed_objects}
        for obj in formset.deleted_objects:
            audit_log(
                actor=request.user,
                action="role.revoke",
                obj=obj.user,
                role=obj.role,
                scope=str(obj.scope_object),
            )
            obj.delete()
        for obj in instances:
            if isinstance(obj, RoleAssignment) and obj.pk is None:
                obj.granted_by = request.user
                obj.save()
                audit_log(
                    actor=request.user,
                    action="role.grant",
                    obj=obj.user,
                    role=obj.role,
                    scope=str(obj.scope_object),
                )
            else:
                obj.save()
                if isinstance(obj, RoleAssignment) and obj.pk in changed:
                    # Changing the role or scope of a row in place is a grant too.
                    audit_log(
                        actor=request.user,
                        action="role.change",
                        obj=obj.user,
                        role=obj.role,
                        scope=str(obj.scope_object),
                        fields=changed[obj.pk],
                    )
        formset.save_m2m()
