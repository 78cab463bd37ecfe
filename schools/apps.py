from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Schools and results")

    def ready(self) -> None:
        from network_portal.ui.figures import register_help

        from .figures import HELP

        register_help(HELP)
