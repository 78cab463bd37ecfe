from datetime import date

from django.core.management.base import BaseCommand

from network_portal.notifications.services import reminders_send


class Command(BaseCommand):
    help = "Send the reminders that are due (each exactly once) and print how many were sent."

    def add_arguments(self, parser):
        parser.add_argument("--today", type=date.fromisoformat, help="YYYY-MM-DD (for testing)")
        parser.add_argument("--kind", action="append", dest="kinds", help="only this kind")

    def handle(self, *args, today=None, kinds=None, **options):
        result = reminders_send(today=today, kinds=kinds)
        self.stdout.write(
            f"Sent {result.emails} e-mails ({result.notifications} reminders); "
            f"failed {result.failed}, will be retried."
        )
        for error in result.errors[:20]:
            self.stderr.write(error)
