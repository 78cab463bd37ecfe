from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartnershipsConfig(AppConfig):
    name = "partnerships"
    verbose_name = _("Partnerships")

    def ready(self) -> None:
        from network_portal.accounts.models import Role
        from network_portal.documents.registry import register
        from network_portal.ui import slots
        from network_portal.ui.figures import register_help

        from .card import card_facts, partnerships_section_context
        from .documents import AGREEMENT_DOCUMENT, PAIRING_PLAN_JOB
        from .figures import HELP
        from .selectors import panel_context

        register_help(HELP)
        register(AGREEMENT_DOCUMENT)
        register(PAIRING_PLAN_JOB)
        # The partnership page: the parts of higher apps (events, practices to describe).
        slots.declare("partnerships.detail")
        slots.register(
            "schools.card",
            slots.Contribution(
                key="partnerships",
                title=_("Partnerships"),
                template="partnerships/_card_section.html",
                context=partnerships_section_context,
                facts=card_facts,
                order=40,
            ),
        )
        slots.register(
            "home",
            slots.Contribution(
                key="partnerships",
                roles=(Role.COORDINATOR, Role.METHODOLOGIST, Role.DIRECTOR, Role.PARTNER),
                template="partnerships/_panel.html",
                context=lambda request, user: panel_context(user=user),
                order=35,
            ),
        )
