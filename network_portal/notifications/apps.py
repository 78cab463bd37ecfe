from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "network_portal.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        from .watermark import connect_signals

        connect_signals()
