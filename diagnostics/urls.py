from django.urls import path

from . import views
from .models import CycleStatus

app_name = "diagnostics"

urlpatterns = [
    path("", views.index, name="index"),
    path("cycles/", views.cycle_list, name="cycle_list"),
    path("cycles/new/", views.cycle_create, name="cycle_create"),
    path("cycles/<int:pk>/", views.cycle_detail, name="cycle_detail"),
    path("cycles/<int:pk>/edit/", views.cycle_edit, name="cycle_edit"),
    path(
        "cycles/<int:pk>/close/",
        views.cycle_set_status,
        {"status": CycleStatus.CLOSED},
        name="cycle_close",
    ),
    path(
        "cycles/<int:pk>/reopen/",
        views.cycle_set_status,
        {"status": CycleStatus.OPEN},
        name="cycle_reopen",
    ),
    path("questionnaires/<int:pk>/", views.questionnaire_fill, name="questionnaire"),
    path(
        "questionnaires/<int:pk>/return/", views.questionnaire_return, name="questionnaire_return"
    ),
    path("profiles/<int:pk>/", views.profile_detail, name="profile"),
    path("heatmap/", views.heatmap, name="heatmap"),
    path("instrument/", views.instrument_detail, name="instrument"),
    path("instrument/v<int:version>/", views.instrument_detail, name="instrument_version"),
    path(
        "instrument/factors/<int:code>/thresholds/",
        views.instrument_rule_edit,
        name="instrument_rule_edit",
    ),
    path(
        "instrument/factors/<int:code>/add/",
        views.instrument_question_add,
        name="instrument_question_add",
    ),
    path(
        "instrument/indicators/<int:pk>/edit/",
        views.instrument_indicator_edit,
        name="instrument_indicator_edit",
    ),
    path(
        "instrument/indicators/<int:pk>/remove/",
        views.instrument_indicator_remove,
        name="instrument_indicator_remove",
    ),
    path("surveys/", views.survey_list, name="survey_list"),
    path("surveys/new/", views.survey_create, name="survey_create"),
    path("surveys/<int:pk>/", views.survey_detail, name="survey_detail"),
    path("survey/<str:token>/", views.survey_answer, name="survey_answer"),
    path("schools/<int:org_pk>/stages/", views.stage_list, name="stage_list"),
    path("schools/<int:org_pk>/stages/new/", views.stage_create, name="stage_create"),
    path("stages/<int:pk>/file/", views.stage_file, name="stage_file"),
    path("team/", views.team, name="team"),
    path("team/<int:pk>/remove/", views.team_remove, name="team_remove"),
]
