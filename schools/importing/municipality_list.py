"""A region's list of municipalities (name, ОКТМО, optional centroid), loaded by a coordinator.

Rows are matched by ОКТМО, then by the normalised name; a name only close to one in the
region («город Заречный» for «г. Заречный») is refused «похоже на …», never created. The whole
list is refused when a row is wrong (nothing is written), each problem with its line and
column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from ..models import Municipality, Region
from ..normalize import normalize_name
from .columns import normalize_header
from .municipalities import similar_name
from .reader import Table
from .values import CellError, Issue, clean_text, parse_decimal

_HEADERS = {
    "name": (
        "муниципалитет",
        "наименование",
        "наименованиемо",
        "муниципальноеобразование",
        "название",
        "мо",
        "name",
        "municipality",
    ),
    "oktmo": ("октмо", "кодоктмо", "oktmo"),
    "latitude": ("широта", "lat", "latitude"),
    "longitude": ("долгота", "lon", "lng", "longitude"),
}
_COORD = Decimal("0.000001")


@dataclass
class MunicipalityListPlan:
    new: list[Municipality] = field(default_factory=list)
    updated: list[tuple[Municipality, list[str]]] = field(default_factory=list)
    unchanged: int = 0
    issues: list[Issue] = field(default_factory=list)

    @property
    def invalid(self) -> bool:
        return any(i.severity != "warning" for i in self.issues)


def plan_municipality_list(*, table: Table, region: Region) -> MunicipalityListPlan:
    columns = {}
    for i, header in enumerate(table.headers):
        key = normalize_header(header)
        for name, aliases in _HEADERS.items():
            if key in aliases and name not in columns:
                columns[name] = (i, header)
    plan = MunicipalityListPlan()
    if "name" not in columns:
        plan.issues.append(Issue(1, "", _("The file has no column of municipality names.")))
        return plan
    existing = list(Municipality.objects.filter(region=region))
    by_name = {normalize_name(m.name): m for m in existing}
    by_oktmo = {m.oktmo: m for m in existing if m.oktmo}
    seen: dict[str, int] = {}

    def cell(row, name):
        i = columns.get(name, (None, ""))[0]
        return clean_text(row.values[i]) if i is not None and i < len(row.values) else ""

    for row in table.rows:
        header = {name: columns.get(name, (0, ""))[1] for name in _HEADERS}
        if row.error:
            plan.issues.append(Issue(row.line, row.error_column, row.error))
            continue
        name = cell(row, "name")
        errors = []
        if not name:
            errors.append(("name", _("The municipality name is empty.")))
        oktmo = re.sub(r"\s", "", cell(row, "oktmo"))
        if oktmo and not re.fullmatch(r"\d{8}|\d{11}", oktmo):
            errors.append(
                ("oktmo", _("ОКТМО %(value)s must have 8 or 11 digits.") % {"value": oktmo})
            )
        coords = {}
        for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
            try:
                number = parse_decimal(cell(row, key))
            except CellError as exc:
                errors.append((key, str(exc)))
                continue
            if number is not None and not low <= number <= high:
                errors.append(
                    (key, _("The coordinate %(value)s is out of range.") % {"value": number})
                )
            elif number is not None:
                coords[key] = number.quantize(_COORD)
        key = normalize_name(name)
        if key and key in seen:
            errors.append(
                (
                    "name",
                    _("«%(name)s» is already on line %(line)s.")
                    % {"name": name, "line": seen[key]},
                )
            )
        seen.setdefault(key, row.line)
        if errors:
            plan.issues.extend(Issue(row.line, header[c], m) for c, m in errors)
            continue
        found = by_oktmo.get(oktmo) if oktmo else None
        found = found or by_name.get(key)
        if found is None:
            similar = similar_name(name, {k: m.name for k, m in by_name.items()})
            if similar:
                plan.issues.append(
                    Issue(
                        row.line,
                        header["name"],
                        _(
                            "«%(name)s» is not in the region; похоже на «%(similar)s». Correct "
                            "the name (the list never creates a close name)."
                        )
                        % {"name": name, "similar": similar},
                    )
                )
                continue
            municipality = Municipality(region=region, name=name[:200], oktmo=oktmo, **coords)
            plan.new.append(municipality)
            by_name[key] = municipality
            continue
        values = {"name": name[:200], "oktmo": oktmo, **coords}
        changed = [
            f
            for f, v in values.items()
            if v not in ("", None)
            and getattr(found, f) != v
            and not (f == "name" and normalize_name(found.name) == key)
        ]
        for f in changed:
            setattr(found, f, values[f])
        if changed:
            plan.updated.append((found, changed))
        else:
            plan.unchanged += 1
    return plan


def apply_municipality_list(plan: MunicipalityListPlan) -> None:
    with transaction.atomic():
        Municipality.objects.bulk_create(plan.new)
        for municipality, fields in plan.updated:
            municipality.save(update_fields=fields)
