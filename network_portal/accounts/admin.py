from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from network_portal.audit.services import audit_log

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
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

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
