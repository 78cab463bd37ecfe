from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = _("Diagnostics")

    def ready(self) -> None:
        from network_portal.accounts.models import Role
        from network_portal.ui.dashboard import Panel, register_panel
        from schools.card import CardSection, register_section

        from . import card, exports

        exports.register_kinds()

        register_section(
            CardSection(
                key="diagnostics_profile",
                title=_("Risk profile"),
                template="diagnostics/_card_profile.html",
                context=card.profile_section,
                order=20,
            )
        )
        register_section(
            CardSection(
                key="diagnostics_stages",
                title=_("Transformation path"),
                template="diagnostics/_card_stages.html",
                context=card.stages_section,
                order=30,
            )
        )
        register_panel(
            Panel(
                key="diagnostics",
                roles=(Role.METHODOLOGIST, Role.COORDINATOR, Role.DIRECTOR, Role.TEACHER),
                template="diagnostics/_panel.html",
                context=card.home_panel,
                order=30,
            )
        )
