from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports, dashboards and reminders")

    def ready(self) -> None:
        from network_portal.ui.figures import register_help

        from . import dashboards, reminders
        from .documents import register_kinds
        from .monitoring import HELP

        register_help(HELP)
        register_kinds()
        dashboards.register_panels()
        reminders.register_reminders()
