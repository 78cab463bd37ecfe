from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = _("Partnerships")

    def ready(self) -> None:
        from network_portal.accounts.models import Role
        from network_portal.documents.registry import register
        from network_portal.ui.dashboard import Panel, register_panel
        from network_portal.ui.figures import register_help
        from schools.card import CardSection, register_section

        from .card import card_facts, partnerships_section_context
        from .documents import AGREEMENT_DOCUMENT, PAIRING_PLAN_JOB
        from .figures import HELP
        from .selectors import panel_context

        register_help(HELP)
        register(AGREEMENT_DOCUMENT)
        register(PAIRING_PLAN_JOB)
        register_section(
            CardSection(
                key="partnerships",
                title=_("Partnerships"),
                template="partnerships/_card_section.html",
                context=partnerships_section_context,
                facts=card_facts,
                order=40,
            )
        )
        register_panel(
            Panel(
                key="partnerships",
                roles=(Role.COORDINATOR, Role.METHODOLOGIST, Role.DIRECTOR, Role.PARTNER),
                template="partnerships/_panel.html",
                context=lambda user, scope: panel_context(user=user),
                order=35,
            )
        )
