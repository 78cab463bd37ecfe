from django.contrib import admin

from .models import (
    AssessmentResult,
    CategoryAssignment,
    CategoryRules,
    ColumnMapping,
    ImportRun,
    Municipality,
    Organisation,
    Region,
    SavedMapping,
    SchoolContext,
)


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Municipality)
class MunicipalityAdmin(admin.ModelAdmin):
    list_display = ("name", "region", "oktmo")
    list_filter = ("region",)
    search_fields = ("name", "oktmo")


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("short_name", "kind", "municipality", "login", "inn")
    list_filter = ("kind", "municipality__region")
    search_fields = ("short_name", "full_name", "inn", "ogrn", "login")
    autocomplete_fields = ("municipality",)


@admin.register(SchoolContext)
class SchoolContextAdmin(admin.ModelAdmin):
    list_display = ("organisation", "year", "students")
    autocomplete_fields = ("organisation",)


@admin.register(AssessmentResult)
class AssessmentResultAdmin(admin.ModelAdmin):
    list_display = ("organisation", "year", "kind", "subject", "participants", "average_score")
    list_filter = ("kind", "year", "subject")
    autocomplete_fields = ("organisation",)


@admin.register(CategoryAssignment)
class CategoryAssignmentAdmin(admin.ModelAdmin):
    list_display = ("organisation", "year", "category", "is_override", "is_current")
    list_filter = ("category", "year", "is_override")
    autocomplete_fields = ("organisation",)


@admin.register(CategoryRules)
class CategoryRulesAdmin(admin.ModelAdmin):
    list_display = ("region", "shnor_share_below", "risk_decline_percent", "updated_at")


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = (
        "file_name",
        "kind",
        "region",
        "municipality",
        "status",
        "created_by",
        "created_at",
    )
    list_filter = ("kind", "status")
    readonly_fields = ("counts", "issues", "headers", "mapping", "new_municipalities", "changes")
    exclude = ("file",)


@admin.register(ColumnMapping)
class ColumnMappingAdmin(admin.ModelAdmin):
    list_display = ("municipality", "kind", "assessment", "updated_at")


@admin.register(SavedMapping)
class SavedMappingAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "created_by", "updated_at")
    list_filter = ("kind",)
