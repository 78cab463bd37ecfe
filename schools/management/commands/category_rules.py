"""Export, load or print a region's category rules (schools/README.md, «Category rules»)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from schools import services
from schools.categorization import rules_description
from schools.models import Region
from schools.rules_file import rules_dumps, rules_load, thresholds_for
from schools.selectors import rules_for_region


class Command(BaseCommand):
    help = (
        "Export a region's category rules to a JSON file, load them from one (and recompute "
        "the categories), or print them in words."
    )

    def add_arguments(self, parser):
        parser.add_argument("--region", required=True, help="the region's name")
        action = parser.add_mutually_exclusive_group(required=True)
        action.add_argument("--export", metavar="FILE", help="write the rules ('-': stdout)")
        action.add_argument("--load", metavar="FILE", help="read the rules and recompute")
        action.add_argument("--describe", action="store_true", help="print the rules in words")

    def handle(self, *args, region, export=None, load=None, describe=False, **options):
        found = Region.objects.filter(name=region).first()
        if found is None:
            raise CommandError(f"Регион «{region}» не найден.")
        rules = rules_for_region(region=found)
        if export:
            text = rules_dumps(rules=rules)
            if export == "-":
                self.stdout.write(text, ending="")
            else:
                Path(export).write_text(text, encoding="utf-8")
                self.stdout.write(f"Правила региона «{found}» записаны в {export}.")
            return
        if describe:
            for paragraph in rules_description(thresholds_for(rules)):
                self.stdout.write(paragraph)
            return
        try:
            text = Path(load).read_bytes()
        except OSError as exc:
            raise CommandError(f"Не удалось прочитать {load}: {exc.strerror}") from exc
        try:
            with transaction.atomic():
                rules_load(region=found, text=text, user=None)
        except ValidationError as exc:
            raise CommandError("Правила не загружены:\n" + "\n".join(exc.messages)) from exc
        counts = services.categories_recompute(region_id=found.pk)
        self.stdout.write(
            f"Правила региона «{found}» загружены; категории пересчитаны: школ {counts['schools']}, "
            f"изменилось {counts['changed']}, без изменений {counts['unchanged']}, "
            f"задано вручную {counts['overridden']}."
        )
