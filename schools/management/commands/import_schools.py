from django.core.management.base import BaseCommand

from schools.models import ImportKind

from ._importing import add_scope_arguments, map_options, resolve_scope, run_command


class Command(BaseCommand):
    help = (
        "Import organisations from a CSV or XLSX file (matched by INN, OGRN, FIS OKO login, "
        "code, then the name within the row's municipality)."
    )

    def add_arguments(self, parser):
        add_scope_arguments(parser)
        parser.add_argument(
            "--create-municipalities",
            action="store_true",
            help="create the municipalities of the file that are not in the region yet "
            "(names close to an existing one are never created)",
        )
        parser.add_argument(
            "--year",
            type=int,
            help="the year of the context questionnaire's columns (pupils, teachers …)",
        )

    def handle(self, *args, path, **options):
        scope = resolve_scope(
            region=options.get("region"), municipality=options.get("municipality")
        )
        run_command(
            self,
            path=path,
            dry_run=options.get("dry_run", False),
            skip_invalid=options.get("skip_invalid", False),
            verbosity=options["verbosity"],
            kind=ImportKind.SCHOOLS,
            year=options.get("year"),
            create_municipalities=options.get("create_municipalities", False),
            map_options=map_options(options.get("map") or [], ImportKind.SCHOOLS),
            mapping_name=options.get("mapping") or "",
            **scope,
        )
