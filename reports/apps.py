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
        # The roadmap reminder kinds read schools and roadmaps: a change of either that an
        # item's timestamp does not show makes the next reminder run sweep.
        from network_portal.notifications.watermark import sweep_after_changes_of
        from roadmaps.models import Roadmap
        from schools.models import Organisation

        sweep_after_changes_of(Organisation, Roadmap)
