from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Network events")

    def ready(self) -> None:
        from network_portal.access.policy import scope_for
        from network_portal.accounts.models import Role
        from network_portal.documents.registry import register
        from network_portal.ui import slots
        from schools import card_cache

        from .card import SHOWN_ON, card_facts, events_section_context, panel_context
        from .certificates import CERTIFICATE
        from .models import Registration
        from .sections import partnership_events_context, roadmap_events_context, roadmap_facts

        register(CERTIFICATE)
        # A registration is shown on the cards of its person's schools (the events the staff
        # attended), on its event's organiser's card and on the roadmap pages of the items the
        # event served (how many attended): its saves replace only these schools' pages. Its
        # deletions (an event's or a person's, never a service's) keep Django's fast delete.
        card_cache.register(
            Registration,
            lookups={
                "event": SHOWN_ON,
                "user": ("role_assignments__organisation",),
            },
            deletes=False,
        )
        # The event page: the parts of higher apps (practices to describe).
        slots.declare("events.detail")
        slots.register(
            "schools.card",
            slots.Contribution(
                key="events",
                title=_("Network events"),
                template="events/_card_section.html",
                context=events_section_context,
                facts=card_facts,
                order=60,
            ),
        )
        slots.register(
            "home",
            slots.Contribution(
                key="events",
                # the other roles see events in their reports panels (reports.dashboards)
                roles=(Role.PARTNER,),
                template="events/_panel.html",
                context=lambda request, user: panel_context(user, scope_for(user)),
                order=60,
            ),
        )
        # the events that served a partnership / a roadmap's items, on their pages
        slots.register(
            "partnerships.detail",
            slots.Contribution(
                key="events",
                template="events/_served_events.html",
                context=partnership_events_context,
            ),
        )
        slots.register(
            "roadmaps.detail",
            slots.Contribution(
                key="events",
                template="events/_served_events.html",
                context=roadmap_events_context,
                facts=roadmap_facts,
            ),
        )
