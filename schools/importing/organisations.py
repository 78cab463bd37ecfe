"""Import of organisations: check every row, match it to the registry, then apply.

Matching order (issue 4): ИНН, then ОГРН, then regional code — across the whole registry — and
then the exact normalised name (``schools/normalize.py``) within the target municipality. A
row matched to an organisation of another municipality is a *conflict*: reported, never moved.
Rows of one file that name the same organisation (the Moscow registry lists each *building*:
same name, address and phone, different X/Y) are merged into one and the merge is reported.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from network_portal.ui.links import safe_href

from ..models import Municipality, Organisation
from ..normalize import normalize_name, sort_key
from ..validators import inn_is_valid, ogrn_is_valid
from .reader import Table
from .values import (
    CellError,
    Issue,
    abbreviate,
    clean_text,
    parse_decimal,
    parse_identifier,
    parse_kind,
)

TEXT_FIELDS = ("full_name", "short_name", "address", "director_name", "phone", "email", "website")
UPDATABLE = (*TEXT_FIELDS, "kind", "inn", "ogrn", "code", "latitude", "longitude")
_COORD = Decimal("0.000001")
_MAX_LENGTH = {name: Organisation._meta.get_field(name).max_length for name in TEXT_FIELDS}


@dataclass
class Record:
    lines: list[int]
    values: dict
    municipality: Municipality
    key: str
    coordinates: set = field(default_factory=set)
    #: Name fields typed in the file (not derived from another column).
    given_names: set[str] = field(default_factory=set)


@dataclass
class Change:
    action: str  # new | updated | unchanged
    record: Record
    organisation: Organisation | None = None
    fields: list[str] = field(default_factory=list)


@dataclass
class Plan:
    total_rows: int
    changes: list[Change] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    invalid_lines: set[int] = field(default_factory=set)

    def counts(self) -> dict[str, int]:
        counts = {"new": 0, "updated": 0, "unchanged": 0}
        for change in self.changes:
            counts[change.action] += 1
        counts["invalid"] = len(self.invalid_lines)
        counts["conflicts"] = sum(1 for i in self.issues if i.severity == "conflict")
        counts["warnings"] = sum(1 for i in self.issues if i.severity == "warning")
        counts["rows"] = self.total_rows
        counts["merged"] = sum(len(c.record.lines) - 1 for c in self.changes)
        return counts


def _cell(row_values: list[str], index: dict[str, int], name: str) -> str:
    i = index.get(name)
    return clean_text(row_values[i]) if i is not None and i < len(row_values) else ""


def plan_organisations(
    *,
    table: Table,
    mapping: dict[str, str],
    municipality: Municipality | None,
    municipalities: dict[str, Municipality] | None = None,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Check each row and decide new / updated / unchanged; nothing is written.

    ``municipality`` puts every row there; without it the mapped municipality column is
    looked up in ``municipalities`` (normalised name → object).
    """
    index = {f: table.headers.index(h) for f, h in mapping.items() if h in table.headers}
    plan = Plan(total_rows=len(table.rows))
    for line in table.recovered_lines:
        plan.issues.append(
            Issue(
                line,
                mapping.get("full_name", ""),
                _("Unescaped quotes inside a value; the row was read by the recovery rule."),
                "warning",
                "recovered_quotes",
            )
        )
    records: dict[str, Record] = {}
    seen_rows: dict[tuple, int] = {}
    for n, row in enumerate(table.rows):
        if progress and n % 500 == 0:
            progress(int(50 * n / max(len(table.rows), 1)))
        if row.error:  # more or fewer values than columns: no value can be trusted
            plan.issues.append(Issue(row.line, row.error_column, row.error, code="row_width"))
            plan.invalid_lines.add(row.line)
            continue
        values, errors = _row_values(row.values, index, mapping, row.line)
        target = municipality
        mun_text = _cell(row.values, index, "municipality")
        if target is None:
            target = _find_municipality(mun_text, municipalities or {})
            if target is None:
                errors.append(
                    Issue(
                        row.line,
                        mapping.get("municipality", ""),
                        _("Municipality «%(value)s» is not in the registry.") % {"value": mun_text}
                        if mun_text
                        else _("The municipality is not given."),
                    )
                )
        elif "municipality" in index and not mun_text:
            plan.issues.append(
                Issue(
                    row.line,
                    mapping["municipality"],
                    _("The district (okrug) is empty; the row goes to «%(municipality)s».")
                    % {"municipality": target},
                    "warning",
                    "empty_district",
                )
            )
        if errors:
            plan.issues.extend(errors)
            plan.invalid_lines.add(row.line)
            continue
        fingerprint = tuple(sorted((k, str(v)) for k, v in values.items()))
        if fingerprint in seen_rows:
            plan.issues.append(
                Issue(
                    row.line,
                    "",
                    _("The row repeats line %(line)s (only the row number or id differ).")
                    % {"line": seen_rows[fingerprint]},
                    "warning",
                    "duplicate_row",
                )
            )
        else:
            seen_rows[fingerprint] = row.line
        key = _record_key(values, target)
        if key in records:
            _merge(records[key], values, row.line, plan)
        else:
            records[key] = Record([row.line], values, target, key)
            records[key].coordinates.add((values.get("latitude"), values.get("longitude")))
        records[key].given_names.update(
            name for name in ("full_name", "short_name") if _cell(row.values, index, name)
        )
    for record in records.values():
        if len(record.coordinates) > 1:
            plan.issues.append(
                Issue(
                    record.lines[0],
                    mapping.get("full_name", ""),
                    _(
                        "Lines %(lines)s are buildings of one organisation (different coordinates); "
                        "merged into one organisation."
                    )
                    % {"lines": ", ".join(map(str, record.lines))},
                    "warning",
                    "buildings",
                )
            )
    _match(plan, list(records.values()), mapping)
    return plan


def _row_values(
    row: list[str], index: dict[str, int], mapping: dict[str, str], line: int
) -> tuple[dict, list[Issue]]:
    """The row's values by field, and its problems (field, Russian message)."""
    line_errors: list[tuple[str, str]] = []
    values: dict = {}
    for name in TEXT_FIELDS:
        text = _cell(row, index, name)
        if text:
            values[name] = text[: _MAX_LENGTH[name]]
    if not values.get("full_name") and values.get("short_name"):
        values["full_name"] = values["short_name"]
    for name, check, message in (
        ("inn", inn_is_valid, _("INN %(value)s has a wrong check digit or length.")),
        ("ogrn", ogrn_is_valid, _("OGRN %(value)s has a wrong check digit or length.")),
    ):
        text = parse_identifier(_cell(row, index, name))
        if text:
            if check(text):
                values[name] = text
            else:
                line_errors.append((name, message % {"value": text}))
    code = _cell(row, index, "code")
    if code:
        values["code"] = code[:50]
    for name, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        try:
            number = parse_decimal(_cell(row, index, name))
        except CellError as exc:
            line_errors.append((name, str(exc)))
            continue
        if number is not None:
            if not low <= number <= high:
                line_errors.append(
                    (name, _("The coordinate %(value)s is out of range.") % {"value": number})
                )
            else:
                values[name] = number.quantize(_COORD)
    website = values.get("website")
    if website and not safe_href(website):  # «javascript://%0aalert()» is no website
        del values["website"]
        line_errors.append(
            (
                "website",
                _("The website «%(value)s» is not an http(s) link.") % {"value": website[:60]},
            )
        )
    if not any(values.get(k) for k in ("inn", "ogrn", "code", "full_name")):
        line_errors.append(("full_name", _("The row has neither a name nor an INN, OGRN or code.")))
    if values.get("full_name"):
        values.setdefault("short_name", abbreviate(values["full_name"]))
        values["full_name"] = values["full_name"][:500]
        values["kind"] = parse_kind(_cell(row, index, "kind"), values["full_name"])
    return values, [Issue(line, mapping.get(name, name), message) for name, message in line_errors]


def _find_municipality(text: str, municipalities: dict[str, Municipality]) -> Municipality | None:
    key = normalize_name(text)
    if not key:
        return None
    if key in municipalities:
        return municipalities[key]
    # «Центральный» for «Центральный административный округ»: a unique prefix match.
    found = [m for name, m in municipalities.items() if name.startswith(key + " ")]
    return found[0] if len(found) == 1 else None


def _record_key(values: dict, municipality: Municipality) -> str:
    for name in ("inn", "ogrn", "code"):
        if values.get(name):
            return f"{name}:{values[name]}"
    return f"name:{municipality.pk}:{normalize_name(values.get('full_name', ''))}"


def _merge(record: Record, values: dict, line: int, plan: Plan) -> None:
    record.lines.append(line)
    record.coordinates.add((values.get("latitude"), values.get("longitude")))
    for name, value in values.items():
        if name not in record.values:
            record.values[name] = value


def _match(plan: Plan, records: list[Record], mapping: dict[str, str]) -> None:
    inns = {r.values["inn"] for r in records if r.values.get("inn")}
    ogrns = {r.values["ogrn"] for r in records if r.values.get("ogrn")}
    codes = {r.values["code"] for r in records if r.values.get("code")}
    names = {normalize_name(r.values.get("full_name", "")) for r in records} - {""}
    mun_ids = {r.municipality.pk for r in records}
    query = Q(inn__in=inns) | Q(ogrn__in=ogrns) | Q(code__in=codes)
    query |= Q(municipality_id__in=mun_ids, normalized_name__in=names)
    by: dict[str, dict] = {"inn": {}, "ogrn": {}, "code": {}, "name": {}}
    for org in Organisation.objects.filter(query).select_related("municipality"):
        for name in ("inn", "ogrn", "code"):
            value = getattr(org, name)
            if value:
                by[name].setdefault(value, org)
        by["name"].setdefault((org.municipality_id, org.normalized_name), org)
    claimed: dict[tuple[str, str], tuple[int, int | None]] = {}
    for record in records:
        values = record.values
        org, matched_by = None, "full_name"
        for name in ("inn", "ogrn", "code"):
            if values.get(name) and values[name] in by[name]:
                org, matched_by = by[name][values[name]], name
                break
        if org is None and values.get("full_name"):
            org = by["name"].get((record.municipality.pk, normalize_name(values["full_name"])))
        if org is None:
            if not values.get("full_name"):
                plan.issues.append(
                    Issue(
                        record.lines[0],
                        mapping.get("full_name", ""),
                        _("No organisation with this identifier, and no name to create one."),
                    )
                )
                plan.invalid_lines.update(record.lines)
                continue
            if not _identifiers_free(plan, record, None, by, claimed, mapping):
                continue
            plan.changes.append(Change("new", record))
            continue
        if org.municipality_id != record.municipality.pk:
            plan.issues.append(
                Issue(
                    record.lines[0],
                    mapping.get(matched_by, ""),
                    _(
                        "«%(name)s» is already registered in «%(other)s», not in «%(target)s»; "
                        "the row was not imported (organisations are never moved by an import)."
                    )
                    % {
                        "name": org,
                        "other": org.municipality,
                        "target": record.municipality,
                    },
                    "conflict",
                    "other_municipality",
                )
            )
            plan.invalid_lines.update(record.lines)
            continue
        if not _identifiers_free(plan, record, org, by, claimed, mapping):
            continue
        changed = [f for f in UPDATABLE if f in values and _differs(org, f, values[f])]
        changed = _name_changes(org, values, changed, given=record.given_names)
        plan.changes.append(Change("updated" if changed else "unchanged", record, org, changed))


def _identifiers_free(
    plan: Plan,
    record: Record,
    org: Organisation | None,
    by: dict[str, dict],
    claimed: dict[tuple[str, str], tuple[int, int | None]],
    mapping: dict[str, str],
) -> bool:
    """An ИНН or ОГРН names one organisation: a row that would give another organisation's
    identifier to this one (matched by the other identifier), or the same identifier as an
    earlier row of the file, is a conflict — reported, not imported (both are unique)."""
    for name, label in (("inn", _("INN")), ("ogrn", _("OGRN"))):
        value = record.values.get(name)
        if not value:
            continue
        owner = by[name].get(value)
        if owner is not None and (org is None or owner.pk != org.pk):
            message = _(
                "%(label)s %(value)s already belongs to «%(other)s»; the row was not imported."
            ) % {"label": label, "value": value, "other": owner}
        elif (name, value) in claimed and (org is None or claimed[(name, value)][1] != org.pk):
            message = _(
                "%(label)s %(value)s is also given on line %(line)s for another organisation; "
                "the row was not imported."
            ) % {"label": label, "value": value, "line": claimed[(name, value)][0]}
        else:
            continue
        plan.issues.append(
            Issue(record.lines[0], mapping.get(name, ""), message, "conflict", "identifier_taken")
        )
        plan.invalid_lines.update(record.lines)
        return False
    for name in ("inn", "ogrn"):
        if record.values.get(name):
            claimed[(name, record.values[name])] = (record.lines[0], org.pk if org else None)
    return True


def _name_changes(
    org: Organisation, values: dict, changed: list[str], *, given: set[str]
) -> list[str]:
    """Names change only on a real rename, never on spelling alone.

    A file's spelling of a name (quote characters, spaces, case) often differs from the
    registry's; such a row is matched by the normalised name, or by an identifier on the next
    import. If spelling alone renamed, the second import of the same file would rename what the
    first did not (issue 4: importing a file twice changes nothing). So a name typed in the
    file replaces the registry's only when their normalised forms differ, and a short name
    derived from the full name (``abbreviate``) only comes with a rename of the full name.
    """

    def differs(name: str) -> bool:
        return normalize_name(values[name]) != normalize_name(getattr(org, name))

    renamed = "full_name" in given and differs("full_name")
    keep = []
    for name in changed:
        if name == "full_name" and not renamed:
            continue
        if name == "short_name" and not (differs(name) if name in given else renamed):
            continue
        keep.append(name)
    return keep


def _differs(org: Organisation, name: str, value) -> bool:
    current = getattr(org, name)
    if name in ("latitude", "longitude"):
        return current is None or Decimal(current).quantize(_COORD) != value
    return (current or "") != value


def apply_organisations(plan: Plan) -> dict[str, int]:
    """Write the plan's changes in one transaction (bulk, for 5,000-row files)."""
    new, updated = [], []
    now = timezone.now()
    with transaction.atomic():
        for change in plan.changes:
            values = change.record.values
            if change.action == "new":
                org = Organisation(municipality=change.record.municipality, **values)
                org.normalized_name = normalize_name(org.full_name)
                org.sort_name = sort_key(org.short_name or org.full_name)
                new.append(org)
            elif change.action == "updated":
                org = change.organisation
                for name in change.fields:
                    setattr(org, name, values[name])
                org.normalized_name = normalize_name(org.full_name)
                org.sort_name = sort_key(org.short_name or org.full_name)
                org.updated_at = now
                updated.append(org)
        Organisation.objects.bulk_create(new, batch_size=500)
        if updated:
            Organisation.objects.bulk_update(
                updated, [*UPDATABLE, "normalized_name", "sort_name", "updated_at"], batch_size=500
            )
    return {"created_ids": [o.pk for o in new], "updated_ids": [o.pk for o in updated]}
