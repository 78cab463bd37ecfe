"""``python manage.py suggest_partners "СОШ № 5" [--top N]`` — ranked partners with reasons."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from partnerships.selectors import partner_suggestions
from schools.models import Organisation
from schools.normalize import normalize_name


class Command(BaseCommand):
    help = "Print the ranked partner candidates of a supported school with scores and reasons."

    def add_arguments(self, parser):
        parser.add_argument("school", help="name (or part of it) or INN of the school")
        parser.add_argument("--top", type=int, default=5, help="how many candidates (default 5)")

    def handle(self, *args, school: str, top: int, **options):
        with translation.override(settings.LANGUAGE_CODE):  # the portal's language, Russian
            self._suggest(school, top)

    def _suggest(self, school: str, top: int) -> None:
        organisation = self._find(school)
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

    def _find(self, query: str) -> Organisation:
        query = query.strip()
        schools = Organisation.objects.schools().select_related("municipality")
        if query.isdigit():
            found = list(schools.filter(inn=query))
        else:
            found = list(
                schools.filter(
                    Q(short_name__iexact=query)
                    | Q(full_name__iexact=query)
                    | Q(normalized_name=normalize_name(query))
                )
            )
            if not found:
                found = list(
                    schools.filter(Q(short_name__icontains=query) | Q(full_name__icontains=query))
                )
                if len(found) > 1:
                    exact = [o for o in found if _digits_match(o.short_name, query)]
                    found = exact or found
        if not found:
            raise CommandError(_("School «%(query)s» not found.") % {"query": query})
        if len(found) > 1:
            names = "; ".join(
                _("%(name)s (INN %(inn)s)") % {"name": o.short_name, "inn": o.inn}
                for o in found[:10]
            )
            raise CommandError(
                ngettext(
                    "Found %(n)s school: %(names)s. Give the exact name or the INN.",
                    "Found %(n)s schools: %(names)s. Give the exact name or the INN.",
                    len(found),
                )
                % {"n": len(found), "names": names}
            )
        return found[0]


def _digits_match(name: str, query: str) -> bool:
    """«СОШ № 5» must not also match «СОШ № 52»: compare the trailing numbers."""
    import re

    a, b = re.findall(r"\d+", name), re.findall(r"\d+", query)
    return bool(a and b and a[-1] == b[-1])
