from django.contrib import admin

from .models import Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "object_key", "due_date", "status", "sent_at")
    list_filter = ("status", "kind")
    readonly_fields = (
        "created_at",
        "claimed_at",
        "sent_at",
        "attempts",
        "last_error",
        "claim_token",
    )
    search_fields = ("recipient__email", "object_key", "subject")


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "disabled_kinds", "updated_at")
    search_fields = ("user__email",)
    raw_id_fields = ("user",)
