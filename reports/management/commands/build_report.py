"""``python manage.py build_report school|partnership|municipality "NAME" --output PATH``."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from partnerships.models import Partnership
from reports.documents import report_pdf
from reports.selectors import Period
from reports.views import default_period
from schools.models import Municipality, Organisation


def _find(subject: str, name: str):
    if subject == "school":
        qs = Organisation.objects.schools().filter(
            Q(short_name__iexact=name) | Q(full_name__iexact=name)
        )
        if not qs.exists():
            qs = Organisation.objects.schools().filter(short_name__icontains=name)
    elif subject == "partnership":
        qs = Partnership.objects.filter(title__iexact=name) or Partnership.objects.filter(
            title__icontains=name
        )
    else:
        qs = Municipality.objects.filter(name__iexact=name) or Municipality.objects.filter(
            name__icontains=name
        )
    found = list(qs[:2])
    if not found:
        raise CommandError(f"No {subject} named {name!r}.")
    if len(found) > 1:
        raise CommandError(f"Several {subject}s match {name!r}; give the exact name.")
    return found[0]


class Command(BaseCommand):
    help = "Build a progress report (PDF) of a school, a partnership or a municipality."

    def add_arguments(self, parser):
        parser.add_argument("subject", choices=["school", "partnership", "municipality"])
        parser.add_argument("name", help="short or full name (exact, else a unique substring)")
        parser.add_argument("--output", required=True, help="path of the PDF to write")
        parser.add_argument("--start", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--end", type=date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, subject, name, output, start=None, end=None, **options):
        obj = _find(subject, name)
        default = default_period(end)  # the school year up to --end (or today)
        period = Period(start or default.start, end or default.end)
        if period.end < period.start:
            raise CommandError("--end is before --start.")
        _, content = report_pdf(subject=subject, pk=obj.pk, period=period)
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.stdout.write(f"{path} ({len(content) // 1024} KB): {obj}")
