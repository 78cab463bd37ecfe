from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Practice and mentor bank")

    def ready(self) -> None:
        from network_portal.access.policy import scope_for
        from network_portal.accounts.models import Role
        from network_portal.documents.registry import register
        from network_portal.notifications.registry import register_reminder
        from network_portal.ui import slots

        from . import sections
        from .documents import PASSPORT
        from .reminders import KINDS

        register(PASSPORT)
        for kind in KINDS:
            register_reminder(kind)
        slots.register(
            "schools.card",
            slots.Contribution(
                key="practices",
                title=_("Practices for your risk factors"),
                template="knowledge/_practices_section.html",
                context=sections.card_context,
                facts=sections.card_facts,
                order=70,
            ),
        )
        slots.register(
            "roadmaps.detail",
            slots.Contribution(
                key="practices",
                template="knowledge/_practices_section.html",
                context=sections.roadmap_context,
                facts=sections.roadmap_facts,
                order=50,
            ),
        )
        for slot, context in (
            ("partnerships.detail", sections.partnership_context),
            ("events.detail", sections.event_context),
        ):
            slots.register(
                slot,
                slots.Contribution(
                    key="practices",
                    template="knowledge/_describe_section.html",
                    context=context,
                    order=50,
                ),
            )
        slots.register(
            "home",
            slots.Contribution(
                key="knowledge",
                roles=(Role.COORDINATOR, Role.METHODOLOGIST, Role.DIRECTOR, Role.TEACHER),
                template="knowledge/_panel.html",
                context=lambda request, user: sections.panel_context(user, scope_for(user)),
                order=90,
            ),
        )
