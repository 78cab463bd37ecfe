from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = _("Roadmaps")

    def ready(self) -> None:
        from network_portal.accounts.models import Role
        from network_portal.ui import slots
        from network_portal.ui.figures import register_help

        from . import card, counts, selectors
        from .figures import HELP

        register_help(HELP)
        counts.connect()  # the overview's per-school counts, kept on change
        # The roadmap page: the parts of higher apps (events that served its items, practices).
        slots.declare("roadmaps.detail")
        slots.register(
            "schools.card",
            slots.Contribution(
                key="roadmaps",
                title=_("Roadmap and engagement"),
                template="roadmaps/_card_section.html",
                context=card.roadmaps_section_context,
                facts=card.card_facts,
                order=40,
            ),
        )
        slots.register(
            "home",
            slots.Contribution(
                key="roadmaps",
                roles=(Role.CURATOR, Role.DIRECTOR, Role.METHODOLOGIST),
                template="roadmaps/_panel.html",
                context=lambda request, user: selectors.panel_context(user=user),
                order=40,
            ),
        )
