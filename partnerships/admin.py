from django.contrib import admin

from .models import (
    Agreement,
    AgreementTemplate,
    DeclaredStrength,
    Direction,
    FormOfInteraction,
    MatchingSettings,
    Network,
    PairingPlan,
    PairingRow,
    Partnership,
    PartnershipMember,
    ProviderProfile,
    ResourceKind,
    StatusChange,
)


class MemberInline(admin.TabularInline):
    model = PartnershipMember
    extra = 0
    autocomplete_fields = ("organisation",)
    readonly_fields = ("agreed_at", "agreed_by")


class StatusChangeInline(admin.TabularInline):
    model = StatusChange
    extra = 0
    fields = ("created_at", "from_status", "to_status", "action", "actor", "reason")
    readonly_fields = fields
    can_delete = False


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ("title", "municipality", "status", "start_date", "end_date")
    list_filter = ("status", "municipality")
    search_fields = ("title", "members__organisation__short_name")
    inlines = [MemberInline, StatusChangeInline]
    filter_horizontal = ("risk_factors", "forms", "directions", "resources")
    readonly_fields = ("status",)


@admin.register(Agreement)
class AgreementAdmin(admin.ModelAdmin):
    list_display = ("number", "kind", "partnership", "date", "status")
    list_filter = ("status", "kind", "municipality", "year")
    search_fields = ("number", "partnership__title")
    readonly_fields = ("number", "sequence", "year", "status", "scan", "document_job")


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "model", "municipality", "coordinator")
    list_filter = ("model", "municipality")
    filter_horizontal = ("members",)


@admin.register(DeclaredStrength)
class DeclaredStrengthAdmin(admin.ModelAdmin):
    list_display = ("organisation", "factor", "experience")
    list_filter = ("factor",)
    search_fields = ("organisation__short_name", "experience")


@admin.register(ProviderProfile)
class ProviderProfileAdmin(admin.ModelAdmin):
    list_display = ("organisation", "capacity")
    filter_horizontal = ("resources",)


admin.site.register([FormOfInteraction, Direction, ResourceKind, MatchingSettings])
admin.site.register(AgreementTemplate)


class PairingRowInline(admin.TabularInline):
    model = PairingRow
    extra = 0
    fields = ("supported", "provider", "score", "cross_municipality", "include", "partnership")
    readonly_fields = fields


@admin.register(PairingPlan)
class PairingPlanAdmin(admin.ModelAdmin):
    list_display = ("__str__", "status", "total_fit", "created_at")
    inlines = [PairingRowInline]
