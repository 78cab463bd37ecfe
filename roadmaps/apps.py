from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = _("Roadmaps")

    def ready(self) -> None:
        from network_portal.accounts.models import Role
        from network_portal.ui.dashboard import Panel, register_panel
        from network_portal.ui.figures import register_help
        from schools.card import CardSection, register_section

        from . import card, selectors
        from .figures import HELP

        register_help(HELP)
        register_section(
            CardSection(
                key="roadmaps",
                title=_("Roadmap and engagement"),
                template="roadmaps/_card_section.html",
                context=card.roadmaps_section_context,
                facts=card.card_facts,
                order=40,
            )
        )
        register_panel(
            Panel(
                key="roadmaps",
                roles=(Role.CURATOR, Role.DIRECTOR, Role.METHODOLOGIST),
                template="roadmaps/_panel.html",
                context=lambda user, scope: selectors.panel_context(user=user),
                order=40,
            )
        )
