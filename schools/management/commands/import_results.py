from django.core.management.base import BaseCommand

from schools.models import AssessmentKind, ImportKind

from ._importing import run_command


class Command(BaseCommand):
    help = "Import ВПР/ОГЭ/ЕГЭ results from a CSV or XLSX file for organisations in the registry."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--kind", required=True, choices=AssessmentKind.values)
        parser.add_argument("--year", required=True, type=int, help="year the school year ends")
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows without the invalid ones",
        )

    def handle(self, *args, path, kind, year, dry_run=False, skip_invalid=False, **options):
        run_command(
            self,
            path=path,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            verbosity=options["verbosity"],
            kind=ImportKind.RESULTS,
            assessment=kind,
            year=year,
        )
