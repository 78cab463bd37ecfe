from django.contrib import admin

from .models import (
    AnswerOption,
    Cycle,
    FactorLevel,
    FactorRule,
    Indicator,
    Instrument,
    Questionnaire,
    RiskFactor,
    RiskProfile,
    StageRecord,
    TeacherSurvey,
    TeamMember,
)


@admin.register(RiskFactor)
class RiskFactorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "short_name")


class FactorRuleInline(admin.TabularInline):
    model = FactorRule
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    """Read-mostly: edit the instrument in the portal, where every change is a new version."""

    list_display = ("version", "is_current", "note", "created_by", "created_at")
    inlines = [FactorRuleInline]


class AnswerOptionInline(admin.TabularInline):
    model = AnswerOption
    extra = 0


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "instrument", "factor", "kind", "weight", "required")
    list_filter = ("instrument", "kind", "factor")
    search_fields = ("text", "code")
    inlines = [AnswerOptionInline]


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ("title", "municipality", "kind", "opens_on", "closes_on", "status")
    list_filter = ("kind", "status")
    filter_horizontal = ("schools",)


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ("organisation", "cycle", "status", "version", "submitted_at")
    list_filter = ("status",)
    list_select_related = ("organisation", "cycle")


class FactorLevelInline(admin.TabularInline):
    model = FactorLevel
    extra = 0
    readonly_fields = ("factor", "level", "score", "explanation")


@admin.register(RiskProfile)
class RiskProfileAdmin(admin.ModelAdmin):
    list_display = ("organisation", "cycle", "computed_at", "instrument")
    list_select_related = ("organisation", "cycle", "instrument")
    inlines = [FactorLevelInline]


@admin.register(TeacherSurvey)
class TeacherSurveyAdmin(admin.ModelAdmin):
    """Answers are deliberately not registered: they are seen only aggregated, over the threshold."""

    list_display = ("title", "municipality", "opens_on", "closes_on", "min_responses")
    exclude = ("token",)


@admin.register(StageRecord)
class StageRecordAdmin(admin.ModelAdmin):
    list_display = ("organisation", "stage", "reached_on", "set_by")


@admin.register(TeamMember)
class TeamMemberAdmin(admin.ModelAdmin):
    list_display = ("organisation", "user", "added_by", "created_at")
