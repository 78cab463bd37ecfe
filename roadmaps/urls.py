from django.urls import path

from . import views

app_name = "roadmaps"

urlpatterns = [
    path("", views.list, name="list"),
    path("overview/", views.overview, name="overview"),
    path("new/", views.create, name="create"),
    path("library/", views.library, name="library"),
    path("library/new/", views.library_edit, name="library_add"),
    path("library/<int:pk>/", views.library_edit, name="library_edit"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/print/", views.print_view, name="print"),
    path("<int:pk>/export.xlsx", views.export_xlsx, name="export_xlsx"),
    path("<int:pk>/history/", views.history, name="history"),
    path("<int:pk>/items/new/", views.item_add, name="item_add"),
    path("<int:pk>/propose/", views.propose, name="propose"),
    path("<int:pk>/submit/", views.submit, name="submit"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/rate/", views.rate, name="rate"),
    path("ratings/<int:pk>/withdraw/", views.rating_withdraw, name="rating_withdraw"),
    path("<int:pk>/comment/", views.comment, name="comment"),
    path("<int:pk>/concern/", views.concern_raise, name="concern_raise"),
    path("concerns/<int:pk>/resolve/", views.concern_resolve, name="concern_resolve"),
    path("concerns/new/<int:organisation_pk>/", views.concern_new, name="concern_new"),
    path("items/<int:pk>/edit/", views.item_edit, name="item_edit"),
    path("items/<int:pk>/delete/", views.item_delete, name="item_delete"),
    path("items/<int:pk>/quick/", views.item_quick, name="item_quick"),
    path("items/<int:pk>/evidence/", views.evidence_add, name="evidence_add"),
    path("items/<int:pk>/comment/", views.item_comment, name="item_comment"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
]
