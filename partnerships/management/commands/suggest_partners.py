"""``python manage.py suggest_partners "СОШ № 5" [--top N]`` — ranked partners with reasons."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from partnerships.selectors import partner_suggestions
from schools.selectors import SchoolNotFound, school_find


class Command(BaseCommand):
    help = "Print the ranked partner candidates of a supported school with scores and reasons."

    def add_arguments(self, parser):
        parser.add_argument(
            "school", help="name (or part of it), INN, OGRN or FIS OKO login of the school"
        )
        parser.add_argument("--top", type=int, default=5, help="how many candidates (default 5)")
        parser.add_argument(
            "--municipality", default="", help="choose among same-named schools by municipality"
        )

    def handle(self, *args, school: str, top: int, municipality: str = "", **options):
        with translation.override(settings.LANGUAGE_CODE):  # the portal's language, Russian
            self._suggest(school, top, municipality)

    def _suggest(self, school: str, top: int, municipality: str = "") -> None:
        try:
            organisation = school_find(query=school, municipality=municipality)
        except SchoolNotFound as exc:
            raise CommandError(str(exc)) from exc
        needs, ranked = partner_suggestions(organisation=organisation, top=top)
        self.stdout.write(f"{organisation.short_name} ({organisation.municipality})")
        high = sum(1 for level in needs.levels.values() if level == "high")
        self.stdout.write(
            _("Risk factors: %(high)s high, %(medium)s medium")
            % {"high": high, "medium": len(needs.levels) - high}
        )
        if not ranked:
            self.stdout.write(_("No suitable partner found."))
        for place, match in enumerate(ranked, start=1):
            score = number_format(match.score, decimal_pos=1)
            self.stdout.write(f"\n{place}. {match.candidate.name} — {score} %")
            for reason in match.reasons:
                self.stdout.write(f"   • {reason}")
