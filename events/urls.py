from django.urls import path

from . import feeds, public, views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("planning/", views.planning, name="planning"),
    path("calendar/", views.calendar_settings, name="calendar"),
    path("<int:pk>/", views.event_detail, name="detail"),
    path("<int:pk>/edit/", views.event_edit, name="edit"),
    path("<int:pk>/publish/", views.event_publish, name="publish"),
    path("<int:pk>/cancel/", views.event_cancel, name="cancel"),
    path("<int:pk>/register/", views.register, name="register"),
    path("<int:pk>/unregister/", views.unregister, name="unregister"),
    path("<int:pk>/registrations/", views.registrations, name="registrations"),
    path("<int:pk>/attendance/", views.attendance, name="attendance"),
    path("<int:pk>/sign-in-sheet/", views.sign_in_sheet, name="sign_in_sheet"),
    path("<int:pk>/certificate/", views.certificate, name="certificate"),
    path("<int:pk>/report/", views.report_edit, name="report"),
    path("<int:pk>/materials/", views.material_add, name="material_add"),
    path(
        "<int:pk>/materials/<int:material_pk>/", views.material_download, name="material_download"
    ),
    path(
        "<int:pk>/materials/<int:material_pk>/delete/",
        views.material_delete,
        name="material_delete",
    ),
    # Public: no login, no personal data (network_portal/access/public.py: "events:public_").
    path("public/", public.public_index, name="public_index"),
    path("public/m/<int:municipality_id>/", public.public_list, name="public_list"),
    path("public/m/<int:municipality_id>/embed/", public.public_embed, name="public_embed"),
    path(
        "public/m/<int:municipality_id>/calendar.ics",
        feeds.municipality_feed,
        name="public_feed",
    ),
    path("public/<int:pk>/", public.public_detail, name="public_detail"),
    path("public/calendar/<str:key>.ics", feeds.personal_feed, name="public_personal_feed"),
    path("public/certificates/", public.public_certificate_verify, name="public_certificate_check"),
    path(
        "public/certificates/<str:code>/",
        public.public_certificate_verify,
        name="public_certificate_verify",
    ),
]
