from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("Practice and mentor bank")

    def ready(self) -> None:
        from network_portal.accounts.models import Role
        from network_portal.documents.registry import register
        from network_portal.notifications.registry import register_reminder
        from network_portal.ui.dashboard import Panel, register_panel
        from partnerships.sections import PageSection
        from partnerships.sections import register_section as register_page_section
        from schools.card import CardSection, register_section

        from . import sections
        from .documents import PASSPORT
        from .reminders import KINDS

        register(PASSPORT)
        for kind in KINDS:
            register_reminder(kind)
        register_section(
            CardSection(
                key="practices",
                title=_("Practices for your risk factors"),
                template="knowledge/_practices_section.html",
                context=sections.card_context,
                facts=sections.card_facts,
                order=70,
            )
        )
        register_page_section(
            PageSection(
                page="roadmap",
                key="practices",
                template="knowledge/_practices_section.html",
                context=sections.roadmap_context,
                order=50,
            )
        )
        for page, context in (
            ("partnership", sections.partnership_context),
            ("event", sections.event_context),
        ):
            register_page_section(
                PageSection(
                    page=page,
                    key="practices",
                    template="knowledge/_describe_section.html",
                    context=context,
                    order=50,
                )
            )
        register_panel(
            Panel(
                key="knowledge",
                roles=(Role.COORDINATOR, Role.METHODOLOGIST, Role.DIRECTOR, Role.TEACHER),
                template="knowledge/_panel.html",
                context=sections.panel_context,
                order=90,
            )
        )
