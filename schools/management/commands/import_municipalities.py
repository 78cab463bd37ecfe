"""``python manage.py import_municipalities LIST.csv --region "NAME"`` — a region's
municipalities (name, ОКТМО, optional centroid latitude/longitude) from a CSV or XLSX list."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from schools.importing.municipality_list import apply_municipality_list, plan_municipality_list
from schools.importing.reader import ImportFileError, read_table

from ._importing import resolve_scope


class Command(BaseCommand):
    help = "Create or update a region's municipalities from a list (name, OKTMO, lat/lon)."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--region", required=True)
        parser.add_argument("--dry-run", action="store_true", help="check and report only")

    def handle(self, *args, path, region, dry_run=False, **options):
        region = resolve_scope(region=region, municipality=None)["region"]
        file = Path(path)
        if not file.is_file():
            raise CommandError(_("File %(path)s not found.") % {"path": path})
        try:
            table = read_table(file.read_bytes(), file_name=file.name)
        except ImportFileError as exc:
            raise CommandError(str(exc)) from exc
        plan = plan_municipality_list(table=table, region=region)
        out = self.stdout
        out.write(
            _("new: %(new)s, updated: %(updated)s, unchanged: %(unchanged)s")
            % {"new": len(plan.new), "updated": len(plan.updated), "unchanged": plan.unchanged}
        )
        for municipality in plan.new:
            out.write("  + " + municipality.name)
        for municipality, fields in plan.updated:
            out.write(f"  ~ {municipality.name}: {', '.join(fields)}")
        for issue in plan.issues:
            column = f" [{issue.column}]" if issue.column else ""
            out.write(
                "  "
                + _("line %(line)s%(column)s: %(message)s")
                % {"line": issue.line, "column": column, "message": issue.message}
            )
        if plan.invalid:
            raise CommandError(_("The list has errors; nothing was changed."))
        if dry_run:
            out.write(_("Check only: nothing was changed."))
            return
        apply_municipality_list(plan)
        out.write(self.style.SUCCESS(_("Municipalities saved.")))
