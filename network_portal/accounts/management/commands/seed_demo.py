"""Build the demo municipality of seed 001 with one user per role. Running it twice changes
nothing: each app's ``demo.run()`` finds its objects by natural keys."""

import importlib
import inspect

from django.core.management.base import BaseCommand
from django.db import transaction

#: In dependency order; a module that does not exist yet is skipped.
DEMO_MODULES = (
    "schools.demo",
    "network_portal.accounts.demo",
    "diagnostics.demo",
    "partnerships.demo",
    "roadmaps.demo",
    "events.demo",
    "reports.demo",  # a second municipality with its own methodologist (issue 15)
    "knowledge.demo",
)
#: Modules whose ``run()`` returns the logins it created (role → e-mail).
LOGIN_MODULES = ("network_portal.accounts.demo", "reports.demo")


class Command(BaseCommand):
    help = "Load the demo municipality (seed 001) and one user per role."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="demo12345", help="password of the demo users")

    def handle(self, *args, password: str, **options):
        logins: dict[str, str] = {}
        with transaction.atomic():
            for module_name in DEMO_MODULES:
                try:
                    module = importlib.import_module(module_name)
                except ModuleNotFoundError as exc:
                    if exc.name != module_name:
                        raise
                    continue
                kwargs = (
                    {"password": password}
                    if "password" in inspect.signature(module.run).parameters
                    else {}
                )
                result = module.run(**kwargs)
                if module_name in LOGIN_MODULES:
                    logins.update(result)
                self.stdout.write(f"  {module_name}: {result}")
        self.stdout.write(self.style.SUCCESS(f"Демо-данные загружены. Входы (пароль: {password}):"))
        for role, email in logins.items():
            self.stdout.write(f"  {role:12} {email}")
