"""Import of organisations: check every row, match it to the registry, then apply.

Matching order (issues 4 and 14): ИНН, then ОГРН, then the ФИС ОКО login, then the regional
code — across the whole registry — and then the exact normalised name
(``schools/normalize.py``) **within the row's own municipality** only. A row matched to an
organisation of another municipality is a *conflict*: reported, never moved. Each row's
municipality is its municipality column (a region-wide file); when the import is for one
chosen municipality, a row naming another municipality is a conflict too — never put into
the chosen one. Rows of one file that name the same organisation (the Moscow registry lists
each *building*: same name, address and phone, different X/Y) are merged into one and the
merge is reported; two rows with the same login are an error.

Columns of the ФИС ОКО context questionnaire go into the school's ``SchoolContext`` of the
import's year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from network_portal.ui.links import safe_href

from ..models import Municipality, Organisation, SchoolContext
from ..normalize import normalize_name, sort_key
from ..validators import (
    inn_is_valid,
    login_is_valid,
    login_region_code,
    normalize_login,
    ogrn_is_valid,
)
from .municipalities import MunicipalityLookup
from .reader import Table
from .values import (
    CellError,
    Issue,
    abbreviate,
    clean_text,
    parse_count,
    parse_decimal,
    parse_identifier,
    parse_kind,
    parse_settlement,
    parse_yes_no,
)

TEXT_FIELDS = ("full_name", "short_name", "address", "director_name", "phone", "email", "website")
UPDATABLE = (*TEXT_FIELDS, "kind", "inn", "ogrn", "login", "code", "latitude", "longitude")
CONTEXT_COUNTS = (
    "students",
    "teachers",
    "teachers_highest_category",
    "teachers_under_30",
    "classrooms",
    "computers_for_pupils",
    "computers_with_internet",
    "settlement_size",
)
CONTEXT_FLAGS = ("is_boarding", "is_correctional", "is_evening")
CONTEXT_VALUES = (
    *CONTEXT_COUNTS,
    "internet_speed_mbps",
    "settlement_type",
    *CONTEXT_FLAGS,
    "grade_pupils",
    "computers_per_student",
    "stable_internet",
)
GRADE_FIELDS = {f"pupils_{grade}": str(grade) for grade in (4, 5, 6, 7, 8)}


def context_fields_in(mapping: dict[str, str]) -> list[str]:
    """The context questionnaire fields the mapping takes from the file."""
    names = (*CONTEXT_COUNTS, "internet_speed_mbps", "settlement_type", *CONTEXT_FLAGS)
    return [f for f in (*names, *GRADE_FIELDS) if mapping.get(f)]


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
    #: The context questionnaire's values of this school (``SchoolContext`` fields).
    context: dict = field(default_factory=dict)


@dataclass
class Change:
    action: str  # new | updated | unchanged
    record: Record
    organisation: Organisation | None = None
    fields: list[str] = field(default_factory=list)
    #: Context fields that change (the stored context, ``None`` when there is none yet).
    context_fields: list[str] = field(default_factory=list)
    context: SchoolContext | None = None


@dataclass
class Plan:
    total_rows: int
    changes: list[Change] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    invalid_lines: set[int] = field(default_factory=set)
    lookup: MunicipalityLookup | None = None
    year: int | None = None

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
    lookup: MunicipalityLookup | None = None,
    year: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Plan:
    """Check each row and decide new / updated / unchanged; nothing is written.

    ``municipality`` is the chosen municipality (a methodologist's import): every row must
    belong to it. Without it each row's municipality column is looked up in ``lookup`` (the
    import's region). ``year`` is the year of the context questionnaire's columns.
    """
    index = {f: table.headers.index(h) for f, h in mapping.items() if h in table.headers}
    plan = Plan(total_rows=len(table.rows), lookup=lookup, year=year)
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
    logins: dict[str, int] = {}
    login_lines: list[tuple[int, str]] = []
    context_names = context_fields_in(mapping)
    if lookup is not None and "municipality" in index:
        lookup.prepare(_cell(row.values, index, "municipality") for row in table.rows)
    for n, row in enumerate(table.rows):
        if progress and n % 500 == 0:
            progress(int(50 * n / max(len(table.rows), 1)))
        if row.error:  # more or fewer values than columns: no value can be trusted
            plan.issues.append(Issue(row.line, row.error_column, row.error, code="row_width"))
            plan.invalid_lines.add(row.line)
            continue
        values, errors = _row_values(row.values, index, mapping, row.line)
        plan.issues.extend(e for e in errors if e.severity == "warning")
        errors = [e for e in errors if e.severity != "warning"]
        context, context_errors = _context_values(row.values, index, context_names)
        errors.extend(Issue(row.line, mapping.get(c, c), m) for c, m in context_errors)
        target, mun_issue = row_municipality(
            row.values, index, mapping, row.line, municipality=municipality, lookup=lookup
        )
        if mun_issue is not None:
            errors.append(mun_issue)
        if "district" in index and not _cell(row.values, index, "district") and target:
            plan.issues.append(
                Issue(
                    row.line,
                    mapping["district"],
                    _("The district (okrug) is empty; the row goes to «%(municipality)s».")
                    % {"municipality": target},
                    "warning",
                    "empty_district",
                )
            )
        login = values.get("login")
        if login:
            if login in logins:
                errors.append(
                    Issue(
                        row.line,
                        mapping["login"],
                        _("Login %(login)s is already given on line %(line)s.")
                        % {"login": login, "line": logins[login]},
                        code="duplicate_login",
                    )
                )
            else:
                logins[login] = row.line
                login_lines.append((row.line, login))
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
            records[key] = Record([row.line], values, target, key, context=context)
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
    if year is None and context_names:
        plan.issues.append(
            Issue(
                1,
                ", ".join(mapping[f] for f in context_names),
                _(
                    "The columns of the context questionnaire were not loaded: give the year "
                    "they are for (--year, or the year in the wizard)."
                ),
                "warning",
                "context_without_year",
            )
        )
    bad_region = mixed_region_lines(login_lines, lookup.region if lookup else None, mapping, plan)
    kept = [r for r in records.values() if not set(r.lines) & bad_region]
    _match(plan, kept, mapping)
    if year is not None and context_names:
        _plan_contexts(plan, year)
    return plan


def row_municipality(
    row: list[str],
    index: dict[str, int],
    mapping: dict[str, str],
    line: int,
    *,
    municipality: Municipality | None,
    lookup: MunicipalityLookup | None,
) -> tuple[Municipality | None, Issue | None]:
    """The municipality a row belongs to, or the issue that refuses the row.

    With a chosen municipality, a row whose municipality column names another one is a
    conflict — it is never put into the chosen municipality (issue 14: one town's «МБОУ СОШ
    № 1» received another town's results).
    """
    column = mapping.get("municipality", "")
    has_column = "municipality" in index
    text = _cell(row, index, "municipality")
    if has_column and not text:
        return None, Issue(
            line, column, _("The municipality cell is empty."), code="empty_municipality"
        )
    if municipality is not None:
        if not has_column:
            return municipality, None
        found = None
        if lookup is not None:
            found, _reason = lookup.find(text, line)
        same = normalize_name(text) == normalize_name(municipality.name) or (
            found is not None and found.pk == municipality.pk
        )
        if same:
            return municipality, None
        return None, Issue(
            line,
            column,
            _(
                "The row belongs to «%(row)s», the import to «%(target)s»: the row was not "
                "imported (rows of other municipalities are never attributed to the chosen one)."
            )
            % {"row": text, "target": municipality},
            "conflict",
            "other_municipality_row",
        )
    if lookup is None or not has_column:
        return None, Issue(
            line, column, _("The municipality is not given."), code="empty_municipality"
        )
    found, reason = lookup.find(text, line)
    if found is None:
        return None, Issue(line, column, reason, code="unknown_municipality")
    return found, None


def mixed_region_lines(
    login_lines: list[tuple[int, str]], region, mapping: dict[str, str], plan
) -> set[int]:
    """Lines whose login carries another region's code than the import's region (or, when the
    region has no code, than most of the file): a file mixing two regions."""
    codes = [(line, login_region_code(login), login) for line, login in login_lines]
    expected = getattr(region, "code", "") or ""
    if not expected:
        counted: dict[str, int] = {}
        for _line, code, _login in codes:
            counted[code] = counted.get(code, 0) + 1
        if len(counted) < 2:
            return set()
        expected = max(sorted(counted), key=lambda c: counted[c])
    bad = set()
    for line, code, login in codes:
        if code != expected:
            plan.issues.append(
                Issue(
                    line,
                    mapping.get("login", ""),
                    _(
                        "Login %(login)s is of region %(code)s, the import is for region "
                        "%(expected)s: the file mixes two regions."
                    )
                    % {"login": login, "code": code, "expected": expected},
                    code="mixed_regions",
                )
            )
            plan.invalid_lines.add(line)
            bad.add(line)
    return bad


def _context_values(
    row: list[str], index: dict[str, int], names: list[str]
) -> tuple[dict, list[tuple[str, str]]]:
    values: dict = {}
    errors: list[tuple[str, str]] = []
    grades: dict[str, int] = {}
    for name in names:
        text = _cell(row, index, name)
        try:
            if name in CONTEXT_COUNTS or name in GRADE_FIELDS:
                number = parse_count(text)
                if number is not None:
                    if name in GRADE_FIELDS:
                        grades[GRADE_FIELDS[name]] = number
                    else:
                        values[name] = number
            elif name == "internet_speed_mbps":
                number = parse_decimal(text)
                if number is not None:
                    if number < 0 or number >= 10**6:
                        raise CellError(_("The internet speed must be from 0 to 999999."))
                    values[name] = number.quantize(Decimal("0.01"))
            elif name == "settlement_type":
                values[name] = parse_settlement(text)
            else:
                values[name] = parse_yes_no(text)
        except CellError as exc:
            errors.append((name, str(exc)))
    if grades:
        values["grade_pupils"] = grades
    # The «500+» context factor "too few computers" reads computers per pupil.
    if values.get("students") and values.get("computers_for_pupils") is not None:
        values["computers_per_student"] = (
            Decimal(values["computers_for_pupils"]) / values["students"]
        ).quantize(Decimal("0.001"))
    # No computer for pupils has internet: no stable internet access for learning, the
    # seed-001 context factor of the risk zone (any other answer says nothing of stability).
    if values.get("computers_for_pupils") and values.get("computers_with_internet") == 0:
        values["stable_internet"] = False
    teachers = values.get("teachers")
    for name, message in (
        ("teachers_highest_category", _("More teachers of the highest category than teachers.")),
        ("teachers_under_30", _("More teachers under 30 than teachers.")),
    ):
        if teachers is not None and (values.get(name) or 0) > teachers:
            errors.append((name, message))
    computers = values.get("computers_for_pupils")
    if computers is not None and (values.get("computers_with_internet") or 0) > computers:
        errors.append(
            ("computers_with_internet", _("More computers with internet than computers."))
        )
    return values, errors


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
    login = normalize_login(_cell(row, index, "login"))
    if login:
        if login_is_valid(login):
            values["login"] = login
        else:
            line_errors.append(
                (
                    "login",
                    _(
                        "Login «%(value)s» is not a FIS OKO login: letters, the region's two-digit "
                        "code and the number, e.g. sch220028."
                    )
                    % {"value": login},
                )
            )
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
    warnings: list[Issue] = []
    if website and not safe_href(website):  # «javascript://%0aalert()» is no website
        # Dropped, and said so; the school itself still loads (real registries carry typos
        # such as «http//:sch262.zao.mskobr.ru»).
        del values["website"]
        warnings.append(
            Issue(
                line,
                mapping.get("website", "website"),
                _("The website «%(value)s» is not an http(s) link.") % {"value": website[:60]},
                "warning",
                "website",
            )
        )
    no_key = not any(values.get(k) for k in ("inn", "ogrn", "login", "code", "full_name"))
    if no_key and not any(name == "login" for name, _m in line_errors):
        line_errors.append(
            ("full_name", _("The row has neither a name nor an INN, OGRN, login or code."))
        )
    if values.get("full_name"):
        values.setdefault("short_name", abbreviate(values["full_name"]))
        values["full_name"] = values["full_name"][:500]
        values["kind"] = parse_kind(_cell(row, index, "kind"), values["full_name"])
    return values, warnings + [
        Issue(line, mapping.get(name, name), message) for name, message in line_errors
    ]


def _record_key(values: dict, municipality: Municipality) -> str:
    for name in ("inn", "ogrn", "login", "code"):
        if values.get(name):
            return f"{name}:{values[name]}"
    where = municipality.pk or f"new:{normalize_name(municipality.name)}"
    return f"name:{where}:{normalize_name(values.get('full_name', ''))}"


def _merge(record: Record, values: dict, line: int, plan: Plan) -> None:
    record.lines.append(line)
    record.coordinates.add((values.get("latitude"), values.get("longitude")))
    for name, value in values.items():
        if name not in record.values:
            record.values[name] = value


def _match(plan: Plan, records: list[Record], mapping: dict[str, str]) -> None:
    keys = ("inn", "ogrn", "login", "code")
    wanted = {name: {r.values[name] for r in records if r.values.get(name)} for name in keys}
    names = {normalize_name(r.values.get("full_name", "")) for r in records} - {""}
    mun_ids = {r.municipality.pk for r in records} - {None}
    query = Q(inn__in=wanted["inn"]) | Q(ogrn__in=wanted["ogrn"]) | Q(login__in=wanted["login"])
    query |= Q(code__in=wanted["code"])
    query |= Q(municipality_id__in=mun_ids, normalized_name__in=names)
    by: dict[str, dict] = {"inn": {}, "ogrn": {}, "login": {}, "code": {}, "name": {}}
    for org in Organisation.objects.filter(query).select_related("municipality"):
        for name in keys:
            value = getattr(org, name)
            if value:
                by[name].setdefault(value, org)
        by["name"].setdefault((org.municipality_id, org.normalized_name), []).append(org)
    claimed: dict[tuple[str, str], tuple[int, int | None]] = {}
    for record in records:
        values = record.values
        org, matched_by = None, "full_name"
        for name in keys:
            if values.get(name) and values[name] in by[name]:
                org, matched_by = by[name][values[name]], name
                break
        if org is None and values.get("full_name") and record.municipality.pk:
            found = by["name"].get(
                (record.municipality.pk, normalize_name(values["full_name"])), []
            )
            if len(found) > 1:
                plan.issues.append(
                    Issue(
                        record.lines[0],
                        mapping.get("full_name", ""),
                        _(
                            "%(count)s organisations of «%(municipality)s» are called "
                            "«%(name)s»; add the login or INN to tell them apart."
                        )
                        % {
                            "count": len(found),
                            "municipality": record.municipality,
                            "name": values["full_name"],
                        },
                        code="same_name",
                    )
                )
                plan.invalid_lines.update(record.lines)
                continue
            org = found[0] if found else None
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
    for name, label in (("inn", _("INN")), ("ogrn", _("OGRN")), ("login", _("Login"))):
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
    # A school matched by its name that already has another login is another school.
    login = record.values.get("login")
    if org is not None and login and org.login and org.login != login:
        plan.issues.append(
            Issue(
                record.lines[0],
                mapping.get("login", ""),
                _("«%(name)s» has the login %(old)s in the registry, the file gives %(new)s.")
                % {"name": org, "old": org.login, "new": login},
                "conflict",
                "login_differs",
            )
        )
        plan.invalid_lines.update(record.lines)
        return False
    for name in ("inn", "ogrn", "login"):
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


def _plan_contexts(plan: Plan, year: int) -> None:
    """Which schools' context of ``year`` the questionnaire's columns change."""
    org_ids = [c.organisation.pk for c in plan.changes if c.organisation is not None]
    stored = {
        c.organisation_id: c
        for c in SchoolContext.objects.filter(organisation_id__in=org_ids, year=year)
    }
    for change in plan.changes:
        values = change.record.context
        if not values:
            continue
        current = stored.get(change.organisation.pk) if change.organisation else None
        change.context = current
        fields = []
        for name, value in values.items():
            old = getattr(current, name) if current is not None else None
            if name == "grade_pupils":
                if any((old or {}).get(k) != v for k, v in value.items()):
                    fields.append(name)
            elif name == "settlement_type":
                if (old or "") != value:
                    fields.append(name)
            elif old != value:
                fields.append(name)
        change.context_fields = fields
        if fields and change.action == "unchanged":
            change.action = "updated"


def _apply_contexts(plan: Plan) -> None:
    new, updated = [], []
    for change in plan.changes:
        if not change.context_fields:
            continue
        values = dict(change.record.context)
        context = change.context
        if context is None:
            org = change.organisation
            context = SchoolContext(organisation=org, year=plan.year)
            new.append(context)
        else:
            context.version = F("version") + 1  # an open edit of this row becomes stale
            updated.append(context)
        for name in change.context_fields:
            value = values[name]
            if name == "grade_pupils":
                value = {**(context.grade_pupils or {}), **value}
            setattr(context, name, value)
    SchoolContext.objects.bulk_create(new, batch_size=500)
    if updated:
        SchoolContext.objects.bulk_update(updated, [*CONTEXT_VALUES, "version"], batch_size=500)


def apply_organisations(plan: Plan) -> dict[str, int]:
    """Write the plan's changes in one transaction (bulk, for 5,000-row files)."""
    new, updated = [], []
    now = timezone.now()
    with transaction.atomic():
        if plan.lookup is not None:
            plan.lookup.save_created()
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
                org.version = F("version") + 1  # an open edit of the profile becomes stale
                updated.append(org)
        for org in new:  # a municipality created above got its key after the objects were built
            org.municipality = org.municipality
        Organisation.objects.bulk_create(new, batch_size=500)
        if updated:
            Organisation.objects.bulk_update(
                updated,
                [*UPDATABLE, "normalized_name", "sort_name", "updated_at", "version"],
                batch_size=500,
            )
        for change, org in zip((c for c in plan.changes if c.action == "new"), new, strict=True):
            change.organisation = org
        _apply_contexts(plan)
    return {"created_ids": [o.pk for o in new], "updated_ids": [o.pk for o in updated]}
