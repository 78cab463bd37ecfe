from django.urls import path

from . import views

app_name = "partnerships"

urlpatterns = [
    path("", views.partnership_list, name="list"),
    path("new/", views.partnership_create, name="create"),
    path("<int:pk>/", views.partnership_detail, name="detail"),
    path("<int:pk>/edit/", views.partnership_edit, name="edit"),
    path("<int:pk>/transition/", views.partnership_transition, name="transition"),
    path("<int:pk>/agreements/new/", views.agreement_create, name="agreement_create"),
    path("schools/<int:org_pk>/suggestions/", views.suggest, name="suggest"),
    path("organisations/<int:org_pk>/", views.organisation_card, name="organisation"),
    path("organisations/<int:org_pk>/strengths/", views.strengths, name="strengths"),
    path("strengths/<int:pk>/delete/", views.strength_delete, name="strength_delete"),
    path("plans/", views.plan_list, name="plans"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/approve/", views.plan_approve, name="plan_approve"),
    path("plans/<int:pk>/retry/", views.plan_retry, name="plan_retry"),
    path("settings/", views.matching_settings, name="settings"),
    path("networks/", views.network_list, name="networks"),
    path("networks/new/", views.network_edit, name="network_create"),
    path("networks/<int:pk>/", views.network_detail, name="network_detail"),
    path("networks/<int:pk>/edit/", views.network_edit, name="network_edit"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/pdf/", views.agreement_pdf, name="agreement_pdf"),
    path("agreements/<int:pk>/scan/", views.agreement_scan_upload, name="agreement_scan"),
    path(
        "agreements/<int:pk>/scan/download/",
        views.agreement_scan_download,
        name="agreement_scan_download",
    ),
    path(
        "agreements/<int:pk>/transition/",
        views.agreement_transition,
        name="agreement_transition",
    ),
    path("templates/<str:kind>/", views.template_edit, name="template_edit"),
]
