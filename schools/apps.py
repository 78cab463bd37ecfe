from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = _("Schools and results")

    def ready(self) -> None:
        from celery.signals import task_prerun
        from django.core.signals import request_started
        from django.db import connections
        from django.db.backends.signals import connection_created

        from network_portal.ui import slots
        from network_portal.ui.figures import register_help

        from . import card_cache
        from .figures import HELP

        # Every write that may feed a school card replaces its cached bodies' token.
        connection_created.connect(card_cache.install, dispatch_uid="schools.card_cache")
        for connection in connections.all(initialized_only=True):
            card_cache.install(connection)
        # a save that raised between its signals leaves nothing for the next request or task
        request_started.connect(card_cache.forget_in_flight, dispatch_uid="schools.card_cache")
        task_prerun.connect(card_cache.forget_in_flight, dispatch_uid="schools.card_cache")

        register_help(HELP)
        # The school card: sections of higher apps, each headed by its title. The whole card
        # stays under 15 queries (issue 4, tests/schools/test_views.py): a section reads its
        # scalar facts with the organisation (``slots.facts``), its lists in one query each,
        # and checks rights in Python (``schools.selectors.organisation_permissions``).
        slots.declare("schools.card", isolated=True, obj_name="organisation")
