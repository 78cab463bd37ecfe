"""The category rules of a region as a JSON file a region can publish, and load back.

Format (documented in schools/README.md, «Category rules as a file»)::

    {
      "format": "network-portal/category-rules",
      "version": 1,
      "region": "Заречная область",
      "description": ["Учитываемые клетки …", "ШНОР — …", …],
      "rules": {"cell_kinds": ["vpr"], "cell_grades": [4, 5], "min_participants": 10,
                "shnor_share_below": "30", …}
    }

``description`` is the rule in words (ignored on load). In ``rules`` every key is a field of
:class:`schools.models.CategoryRules`; a missing key takes its default, an unknown one is an
error; decimals are strings («"30.5"», a comma is accepted too) or numbers; an empty
``leader_share_4_5_min`` is ``null``. A file is checked by the same form as the rules page,
so it cannot hold what the page refuses.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from . import selectors, services
from .categorization import Thresholds, rules_description
from .forms import CategoryRulesForm
from .models import CategoryRules, Region

FORMAT = "network-portal/category-rules"
VERSION = 1


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        text = format(value.normalize(), "f")
        return text
    return value


def thresholds_for(rules: CategoryRules) -> Thresholds:
    vpr_only = rules.region_id in selectors.regions_with_vpr_only([rules.region_id])
    return Thresholds.from_rules(rules, vpr_only=vpr_only)


def rules_export(*, rules: CategoryRules) -> dict[str, Any]:
    fields = CategoryRulesForm._meta.fields
    return {
        "format": FORMAT,
        "version": VERSION,
        "region": rules.region.name,
        "description": rules_description(thresholds_for(rules)),
        "rules": {name: _plain(getattr(rules, name)) for name in fields},
    }


def rules_dumps(*, rules: CategoryRules) -> str:
    return json.dumps(rules_export(rules=rules), ensure_ascii=False, indent=2) + "\n"


def rules_load(*, region: Region, text: str | bytes, user: Any) -> CategoryRules:
    """Check a rules file and save it as the region's rules (recomputed after the commit).

    Raises :class:`ValidationError` with Russian messages; nothing is saved then."""
    try:
        data = json.loads(text)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValidationError(_("The file is not JSON: %(error)s") % {"error": exc}) from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValidationError(
            _('The file is not a category rules file ("format" must be "%(format)s").')
            % {"format": FORMAT}
        )
    if data.get("version") != VERSION:
        raise ValidationError(
            _("Unsupported version %(version)s of the rules file (expected %(expected)s).")
            % {"version": data.get("version"), "expected": VERSION}
        )
    values = data.get("rules")
    if not isinstance(values, dict):
        raise ValidationError(_('The file has no "rules" object.'))
    fields = CategoryRulesForm._meta.fields
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise ValidationError(
            _("Unknown rules in the file: %(names)s.") % {"names": ", ".join(unknown)}
        )
    defaults = CategoryRules(region=region)
    form_data: dict[str, Any] = {}
    for name in fields:
        value = values.get(name, _plain(getattr(defaults, name)))
        if value is None:
            value = ""
        elif isinstance(value, bool):
            value = "on" if value else ""
        elif isinstance(value, int | float):
            value = str(value)
        form_data[name] = value
    rules, _created = CategoryRules.objects.get_or_create(region=region)
    form = CategoryRulesForm(data=form_data, instance=rules)
    if not form.is_valid():
        raise ValidationError(
            [
                f"{form.fields[name].label if name in form.fields else name}: {message}"
                for name, messages in form.errors.items()
                for message in messages
            ]
        )
    return services.category_rules_save(rules=form.save(commit=False), user=user)
