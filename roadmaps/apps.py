from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoadmapsConfig(AppConfig):
    name = "roadmaps"
    verbose_name = _("Roadmaps")

    def ready(self) -> None:
        from network_portal.accounts.models import Role
        from network_portal.ui import slots
        from network_portal.ui.figures import register_help
        from schools import card_cache

        from . import card, counts, selectors
        from .figures import HELP
        from .models import (
            EngagementConcern,
            Evidence,
            QuarterRating,
            ReviewComment,
            Roadmap,
            RoadmapItem,
            SchoolCounts,
        )

        register_help(HELP)
        # A save or deletion of these replaces only their schools' cached pages (a roadmap's
        # rows show on its school's card and roadmap pages; an item's responsible schools are
        # counted too, to be safe); any other write to them replaces every page's.
        card_cache.register(Roadmap, schools=["organisation"])
        card_cache.register(
            RoadmapItem,
            schools=["responsible_organisation", "co_responsible_organisation"],
            via=["roadmap"],
        )
        card_cache.register(Evidence, via=["item"])
        # (no delete receivers of their own: their deletions keep Django's fast delete)
        card_cache.register(ReviewComment, via=["roadmap"], deletes=False)
        card_cache.register(QuarterRating, via=["roadmap"])
        card_cache.register(EngagementConcern, schools=["organisation"], via=["roadmap"])
        card_cache.register(SchoolCounts, schools=["organisation"], deletes=False)
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
