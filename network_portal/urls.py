from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

from network_portal.accounts import views as accounts_views
from network_portal.ui import views as ui_views

admin.site.login = accounts_views.admin_login  # one login page for everybody
admin.site.site_header = _("Network partnerships portal: administration")
admin.site.site_title = _("Network partnerships portal")
admin.site.index_title = _("Administration")

urlpatterns = [
    path("healthz", ui_views.healthz, name="healthz"),
    path("accounts/", include("network_portal.accounts.urls")),
    path("admin/", admin.site.urls),
    path("documents/", include("network_portal.documents.urls")),
    path("schools/", include("schools.urls")),
    path("diagnostics/", include("diagnostics.urls")),
    path("partnerships/", include("partnerships.urls")),
    path("roadmaps/", include("roadmaps.urls")),
    path("events/", include("events.urls")),
    path("knowledge/", include("knowledge.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("network_portal.notifications.urls")),
    path("", include("network_portal.ui.urls")),
]

handler400 = "network_portal.ui.errors.bad_request"
handler403 = "network_portal.ui.errors.permission_denied"
handler404 = "network_portal.ui.errors.page_not_found"
handler500 = "network_portal.ui.errors.server_error"
