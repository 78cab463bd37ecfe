from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DocumentsConfig(AppConfig):
    name = "network_portal.documents"
    label = "documents"
    verbose_name = _("Generated documents")
