from django.contrib import admin

from .models import CalendarToken, Event, EventMaterial, EventReport, EventType, Registration


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "position"]
    list_editable = ["position"]
    search_fields = ["name", "code"]


class RegistrationInline(admin.TabularInline):
    model = Registration
    fk_name = "event"
    extra = 0
    raw_id_fields = ["user", "registered_by"]
    readonly_fields = ["queued_at", "promoted_at", "certificate_code"]


class MaterialInline(admin.TabularInline):
    model = EventMaterial
    extra = 0
    raw_id_fields = ["uploaded_by"]


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["title", "event_type", "organiser", "municipality", "starts_at", "status"]
    list_filter = ["status", "event_type", "municipality"]
    search_fields = ["title", "organiser__short_name"]
    date_hierarchy = "starts_at"
    raw_id_fields = ["organiser", "partnership", "created_by"]
    filter_horizontal = ["roadmap_items", "risk_factors"]
    list_select_related = ["event_type", "organiser", "municipality"]
    inlines = [RegistrationInline, MaterialInline]


@admin.register(EventReport)
class EventReportAdmin(admin.ModelAdmin):
    list_display = ["event", "other_participants", "updated_at"]
    raw_id_fields = ["event", "written_by"]


@admin.register(CalendarToken)
class CalendarTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "created_at"]
    raw_id_fields = ["user"]
    readonly_fields = ["key"]
