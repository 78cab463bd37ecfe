from django.core.management.base import BaseCommand

from schools.models import AssessmentKind, ImportKind

from ._importing import add_scope_arguments, map_options, resolve_scope, run_command


class Command(BaseCommand):
    help = (
        "Import ВПР/ОГЭ/ЕГЭ results from a CSV or XLSX file for organisations in the registry "
        "(by INN, OGRN, FIS OKO login, code, or the name within the row's municipality)."
    )

    def add_arguments(self, parser):
        add_scope_arguments(parser)
        parser.add_argument("--kind", required=True, choices=AssessmentKind.values)
        parser.add_argument("--year", required=True, type=int, help="year the school year ends")

    def handle(self, *args, path, kind, year, **options):
        scope = resolve_scope(
            region=options.get("region"), municipality=options.get("municipality")
        )
        run_command(
            self,
            path=path,
            dry_run=options.get("dry_run", False),
            skip_invalid=options.get("skip_invalid", False),
            verbosity=options["verbosity"],
            kind=ImportKind.RESULTS,
            assessment=kind,
            year=year,
            map_options=map_options(options.get("map") or [], ImportKind.RESULTS),
            mapping_name=options.get("mapping") or "",
            **scope,
        )
