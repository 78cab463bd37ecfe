from django.contrib import admin

from .models import Job


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "status", "requested_by", "created_at", "finished_at")
    list_filter = ("status", "kind")
    search_fields = ("title",)
    readonly_fields = (
        "file",
        "data_version",
        "attempts",
        "error_detail",
        "queued_at",
        "started_at",
        "finished_at",
    )
