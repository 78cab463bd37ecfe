from django.urls import path

from . import views

app_name = "schools"

urlpatterns = [
    path("", views.school_list, name="list"),
    path("export/<str:fmt>/", views.export, name="export"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/context/", views.context_edit, name="context_edit"),
    path("<int:pk>/category/", views.category_override, name="category_override"),
    path(
        "<int:pk>/category/<int:year>/withdraw/",
        views.category_override_withdraw,
        name="category_override_withdraw",
    ),
    path("rules/", views.rules, name="rules"),
    path("rules/print/", views.rules_print, name="rules_print"),
    path("rules/export/", views.rules_export, name="rules_export"),
    path("rules/load/", views.rules_load_view, name="rules_load"),
    path("imports/", views.imports, name="imports"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/municipalities/", views.municipality_list, name="municipality_list"),
    path(
        "imports/municipalities/confirm/",
        views.municipality_list_confirm,
        name="municipality_list_confirm",
    ),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/mapping/", views.import_mapping, name="import_mapping"),
    path("imports/<int:pk>/preview/", views.import_preview, name="import_preview"),
]
