from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Network events")

    def ready(self) -> None:
        from network_portal.accounts.models import Role
        from network_portal.documents.registry import register
        from network_portal.ui.dashboard import Panel, register_panel
        from schools.card import CardSection, register_section

        from .card import card_facts, events_section_context, panel_context
        from .certificates import CERTIFICATE

        register(CERTIFICATE)
        register_section(
            CardSection(
                key="events",
                title=_("Network events"),
                template="events/_card_section.html",
                context=events_section_context,
                facts=card_facts,
                order=60,
            )
        )
        register_panel(
            Panel(
                key="events",
                # the other roles see events in their reports panels (reports.dashboards)
                roles=(Role.PARTNER,),
                template="events/_panel.html",
                context=panel_context,
                order=60,
            )
        )
        # the events that served a partnership / a roadmap's items, on their pages
        from partnerships.sections import PageSection
        from partnerships.sections import register_section as register_page_section

        from .sections import partnership_events_context, roadmap_events_context

        register_page_section(
            PageSection(
                page="partnership",
                key="events",
                template="events/_served_events.html",
                context=partnership_events_context,
            )
        )
        register_page_section(
            PageSection(
                page="roadmap",
                key="events",
                template="events/_served_events.html",
                context=roadmap_events_context,
            )
        )
