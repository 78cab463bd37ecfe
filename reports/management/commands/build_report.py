"""``python manage.py build_report school|partnership|municipality "NAME" --output PATH``."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from partnerships.models import Partnership
from reports.documents import report_pdf
from reports.selectors import Period
from reports.views import default_period
from schools.models import Municipality
from schools.selectors import SchoolNotFound, school_find


def _find(subject: str, name: str, municipality: str = ""):
    if subject == "school":
        # By name, INN, OGRN or FIS OKO login; --municipality among same-named schools.
        try:
            return school_find(query=name, municipality=municipality)
        except SchoolNotFound as exc:
            raise CommandError(str(exc)) from exc
    if subject == "partnership":
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
        parser.add_argument(
            "name",
            help="short or full name (exact, else a unique substring); a school also by INN, "
            "OGRN or FIS OKO login",
        )
        parser.add_argument(
            "--municipality", default="", help="a school: choose among same-named schools"
        )
        parser.add_argument("--output", required=True, help="path of the PDF to write")
        parser.add_argument("--start", type=date.fromisoformat, help="YYYY-MM-DD")
        parser.add_argument("--end", type=date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args, subject, name, output, start=None, end=None, **options):
        obj = _find(subject, name, options.get("municipality") or "")
        default = default_period(end)  # the school year up to --end (or today)
        period = Period(start or default.start, end or default.end)
        if period.end < period.start:
            raise CommandError("--end is before --start.")
        _, content = report_pdf(subject=subject, pk=obj.pk, period=period)
        path = Path(output)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        self.stdout.write(f"{path} ({len(content) // 1024} KB): {obj}")
