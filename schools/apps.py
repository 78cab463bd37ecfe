from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Schools and results")

    def ready(self) -> None:
        from network_portal.ui import slots
        from network_portal.ui.figures import register_help

        from .figures import HELP

        register_help(HELP)
        # The school card: sections of higher apps, each headed by its title. The whole card
        # stays under 15 queries (issue 4, tests/schools/test_views.py): a section reads its
        # scalar facts with the organisation (``slots.facts``), its lists in one query each,
        # and checks rights in Python (``schools.selectors.organisation_permissions``).
        slots.declare("schools.card", isolated=True, obj_name="organisation")
