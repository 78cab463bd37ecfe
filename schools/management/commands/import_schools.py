from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schools.models import ImportKind, Municipality

from ._importing import run_command


class Command(BaseCommand):
    help = "Import organisations from a CSV or XLSX file (matched by INN, OGRN, code, name)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--municipality",
            help="put every row into this municipality; otherwise the file's municipality column "
            "is matched to the registry",
        )
        parser.add_argument("--dry-run", action="store_true", help="check and report only")
        parser.add_argument(
            "--skip-invalid",
            action="store_true",
            help="import the valid rows without the invalid ones",
        )

    def handle(self, *args, path, municipality=None, dry_run=False, skip_invalid=False, **options):
        target = None
        if municipality:
            found = list(Municipality.objects.filter(name__iexact=municipality.strip()))
            if len(found) != 1:
                raise CommandError(
                    _("Municipality «%(name)s» is not in the registry.") % {"name": municipality}
                    if not found
                    else _("Several municipalities are called «%(name)s».") % {"name": municipality}
                )
            target = found[0]
        run_command(
            self,
            path=path,
            dry_run=dry_run,
            skip_invalid=skip_invalid,
            verbosity=options["verbosity"],
            kind=ImportKind.SCHOOLS,
            municipality=target,
        )
