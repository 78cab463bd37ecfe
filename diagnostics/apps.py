from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DiagnosticsConfig(AppConfig):
    name = "diagnostics"
    verbose_name = _("Diagnostics")

    def ready(self) -> None:
        from network_portal.access.policy import scope_for
        from network_portal.accounts.models import Role
        from network_portal.ui import slots

        from . import card, heatmap_export

        heatmap_export.register_kinds()

        slots.register(
            "schools.card",
            slots.Contribution(
                key="diagnostics_profile",
                title=_("Risk profile"),
                template="diagnostics/_card_profile.html",
                context=card.profile_section,
                order=20,
            ),
        )
        slots.register(
            "schools.card",
            slots.Contribution(
                key="diagnostics_stages",
                title=_("Transformation path"),
                template="diagnostics/_card_stages.html",
                context=card.stages_section,
                order=30,
            ),
        )
        slots.register(
            "home",
            slots.Contribution(
                key="diagnostics",
                roles=(Role.METHODOLOGIST, Role.COORDINATOR, Role.DIRECTOR, Role.TEACHER),
                template="diagnostics/_panel.html",
                context=lambda request, user: card.home_panel(user, scope_for(user)),
                order=30,
            ),
        )
