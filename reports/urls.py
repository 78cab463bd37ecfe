from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_list, name="list"),
    path("order/<str:subject>/", views.report_order, name="order"),
    path("order-all/", views.report_order_bundle, name="order_bundle"),
    path("impact/", views.impact, name="impact"),
    path("monitoring/", views.monitoring, name="monitoring"),
    path("monitoring/export/<str:fmt>/", views.monitoring_export, name="monitoring_export"),
    path("monitoring/watch/<int:pk>/", views.monitoring_watch, name="monitoring_watch"),
    path("commitments/", views.commitments, name="commitments"),
]
