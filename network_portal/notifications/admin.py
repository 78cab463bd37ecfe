from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("kind", "recipient", "object_key", "due_date", "status", "sent_at")
    list_filter = ("status", "kind")
    readonly_fields = ("created_at", "claimed_at", "sent_at", "attempts", "last_error")
