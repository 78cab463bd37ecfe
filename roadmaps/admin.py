from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    EngagementConcern,
    Evidence,
    MeasureTemplate,
    QuarterRating,
    ReviewComment,
    Roadmap,
    RoadmapItem,
)


class ItemInline(admin.TabularInline):
    model = RoadmapItem
    fields = ("task", "risk_factor", "module", "start_date", "due_date", "status")
    extra = 0
    show_change_link = True


@admin.register(Roadmap)
class RoadmapAdmin(SimpleHistoryAdmin):
    list_display = ("title", "organisation", "partnership", "status", "approved_at")
    list_filter = ("status",)
    search_fields = ("title", "organisation__short_name")
    raw_id_fields = ("organisation", "partnership", "approved_by", "created_by")
    inlines = [ItemInline]


@admin.register(RoadmapItem)
class RoadmapItemAdmin(SimpleHistoryAdmin):
    list_display = ("task", "roadmap", "status", "due_date", "changed_after_approval")
    list_filter = ("status", "module")
    search_fields = ("task", "measure")
    raw_id_fields = ("roadmap", "responsible_user", "measure_template")


@admin.register(MeasureTemplate)
class MeasureTemplateAdmin(admin.ModelAdmin):
    list_display = (
        "task",
        "region",
        "risk_factor",
        "module",
        "duration_days",
        "with_leader",
        "is_active",
    )
    list_filter = ("region", "risk_factor", "module", "is_active")


admin.site.register(Evidence)
admin.site.register(ReviewComment)
admin.site.register(QuarterRating)
admin.site.register(EngagementConcern)
