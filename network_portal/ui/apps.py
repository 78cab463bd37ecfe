from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UiConfig(AppConfig):
    name = "network_portal.ui"
    label = "ui"
    verbose_name = _("User interface")

    def ready(self) -> None:
        from . import slots

        # «Главная»: the panels of the domain apps, each shown to the roles it names.
        slots.declare("home")
