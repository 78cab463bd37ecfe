from django.urls import path

from . import public, views

app_name = "knowledge"

urlpatterns = [
    path("", views.practice_list, name="practice_list"),
    path("practices.xlsx", views.practice_export, name="practice_export"),
    path("new/", views.practice_create, name="practice_create"),
    path(
        "new/partnership/<int:partnership_pk>/",
        views.practice_from_partnership,
        name="practice_from_partnership",
    ),
    path("new/event/<int:event_pk>/", views.practice_from_event, name="practice_from_event"),
    path("<int:pk>/", views.practice_detail, name="practice_detail"),
    path("<int:pk>/edit/", views.practice_edit, name="practice_edit"),
    path("<int:pk>/status/", views.practice_transition, name="practice_transition"),
    path("<int:pk>/comment/", views.practice_comment, name="practice_comment"),
    path("<int:pk>/results/", views.practice_refresh_results, name="practice_results"),
    path("<int:pk>/materials/", views.material_add, name="material_add"),
    path(
        "<int:pk>/materials/<int:material_pk>/",
        views.material_download,
        name="material_download",
    ),
    path(
        "<int:pk>/materials/<int:material_pk>/delete/",
        views.material_delete,
        name="material_delete",
    ),
    path("<int:pk>/adopt/", views.practice_adopt, name="practice_adopt"),
    path("<int:pk>/passport/", views.practice_passport, name="practice_passport"),
    path("mentors/", views.mentor_list, name="mentor_list"),
    path("mentors.xlsx", views.mentor_export, name="mentor_export"),
    path("mentors/new/", views.mentor_create, name="mentor_create"),
    path("mentors/<int:pk>/", views.mentor_detail, name="mentor_detail"),
    path("mentors/<int:pk>/edit/", views.mentor_edit, name="mentor_edit"),
    path("mentors/<int:mentor_pk>/book/", views.mentorship_create, name="mentorship_create"),
    path("mentors/for-school/<int:school_pk>/", views.mentor_suggest, name="mentor_suggest"),
    path("mentorships/<int:pk>/", views.mentorship_detail, name="mentorship_detail"),
    path("mentorships/<int:pk>/status/", views.mentorship_transition, name="mentorship_transition"),
    path("mentorships/<int:pk>/goals/", views.goal_add, name="goal_add"),
    path("mentorships/<int:pk>/goals/<int:goal_pk>/done/", views.goal_done, name="goal_done"),
    path("mentorships/<int:pk>/meetings/", views.meeting_add, name="meeting_add"),
    # Public: no login, no personal data (network_portal/access/public.py: "knowledge:public_").
    path("public/", public.public_list, name="public_list"),
    path("public/<int:pk>/", public.public_detail, name="public_detail"),
]
