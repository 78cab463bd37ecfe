from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Network events")

    def ready(self) -> None:
        from network_portal.documents.registry import register

        from .certificates import CERTIFICATE

        register(CERTIFICATE)
