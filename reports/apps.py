from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports, dashboards and reminders")

    def ready(self) -> None:
        from . import dashboards, reminders
        from .documents import register_kinds

        register_kinds()
        dashboards.register_panels()
        reminders.register_reminders()
