"""Import of assessment results (ВПР, ОГЭ, ЕГЭ) for organisations already in the registry.

Rows are matched to organisations like the organisation import does (ИНН, ОГРН, code, exact
normalised name) and to existing results by (organisation, year, assessment, subject, grade).
A row is rejected — reported with its line, column and reason — for a wrong check digit, a
negative count, more pupils below the threshold (or with high results) than participants, a
year in the future or different from the chosen one, an unknown subject or organisation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import AssessmentKind, AssessmentResult, Organisation, Subject
from ..normalize import normalize_name
from ..validators import inn_is_valid, ogrn_is_valid
from .reader import Table
from .values import (
    CellError,
    Issue,
    clean_text,
    parse_count,
    parse_decimal,
    parse_identifier,
    parse_subject,
    parse_year,
)

RESULT_VALUES = (
    "participants",
    "average_score",
    "below_threshold",
    "high_results",
    "middle_or_above",
)


@dataclass
class ResultChange:
    action: str  # new | updated | unchanged
    line: int
    organisation_id: int
    key: tuple
    values: dict
    result: AssessmentResult | None = None


@dataclass
class ResultPlan:
    total_rows: int
    changes: list[ResultChange] = field(default_factory=list)
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
        return counts

    @property
    def organisation_ids(self) -> set[int]:
        return {c.organisation_id for c in self.changes if c.action != "unchanged"}


def plan_results(
    *,
    table: Table,
    mapping: dict[str, str],
    kind: str,
    year: int,
    municipality_ids: Iterable[int] | None = None,
    progress: Callable[[int], None] | None = None,
) -> ResultPlan:
    index = {f: table.headers.index(h) for f, h in mapping.items() if h in table.headers}

    def cell(row: list[str], name: str) -> str:
        i = index.get(name)
        return clean_text(row[i]) if i is not None and i < len(row) else ""

    plan = ResultPlan(total_rows=len(table.rows))
    allowed = set(municipality_ids) if municipality_ids is not None else None
    orgs = _organisations(table, index, allowed)
    parsed = []
    for n, row in enumerate(table.rows):
        if progress and n % 500 == 0:
            progress(int(50 * n / max(len(table.rows), 1)))
        if row.error:  # more or fewer values than columns: no value can be trusted
            plan.issues.append(Issue(row.line, row.error_column, row.error, code="row_width"))
            plan.invalid_lines.add(row.line)
            continue
        errors: list[tuple[str, str]] = []
        org, matched_by = _find(row.values, index, orgs, errors, cell)
        if org is not None and allowed is not None and org.municipality_id not in allowed:
            # Identifiers are looked up in the whole registry: a school of another
            # municipality is a conflict, never «not in the registry» (issue 4).
            plan.issues.append(
                Issue(
                    row.line,
                    mapping.get(matched_by, ""),
                    _(
                        "«%(name)s» is registered in «%(other)s», not in the municipality of "
                        "this import; its results were not imported."
                    )
                    % {"name": org, "other": org.municipality},
                    "conflict",
                    "other_municipality",
                )
            )
            plan.invalid_lines.add(row.line)
            continue
        values: dict = {}
        for name in RESULT_VALUES:
            try:
                if name == "average_score":
                    number = parse_decimal(cell(row.values, name))
                    if number is not None and not Decimal(0) <= number <= Decimal(100):
                        raise CellError(_("The average score must be from 0 to 100."))
                    values[name] = number.quantize(Decimal("0.01")) if number is not None else None
                else:
                    values[name] = parse_count(cell(row.values, name))
            except CellError as exc:
                errors.append((name, str(exc)))
        if "participants" in values and values["participants"] is None:
            errors.append(("participants", _("The number of participants is missing.")))
        participants = values.get("participants") or 0
        for name, message in (
            (
                "below_threshold",
                _("More pupils below the threshold (%(n)s) than participants (%(p)s)."),
            ),
            ("high_results", _("More pupils with high results (%(n)s) than participants (%(p)s).")),
            ("middle_or_above", _("More pupils in the band (%(n)s) than participants (%(p)s).")),
        ):
            if values.get(name) is not None and values[name] > participants:
                errors.append((name, message % {"n": values[name], "p": participants}))
        row_year = year
        try:
            given = parse_year(cell(row.values, "year"))
            if given is not None and given != year:
                errors.append(
                    (
                        "year",
                        _("The row is for %(row)s, the import for %(year)s.")
                        % {"row": given, "year": year},
                    )
                )
        except CellError as exc:
            errors.append(("year", str(exc)))
        try:
            subject = parse_subject(cell(row.values, "subject"))
        except CellError as exc:
            errors.append(("subject", str(exc)))
            subject = None
        grade = None
        if kind == AssessmentKind.VPR:
            try:
                grade = parse_count(cell(row.values, "grade"))
                if grade is not None and not 2 <= grade <= 11:
                    raise CellError(_("The grade must be from 2 to 11."))
            except CellError as exc:
                errors.append(("grade", str(exc)))
        if errors:
            plan.issues.extend(Issue(row.line, mapping.get(c, c), m) for c, m in errors)
            plan.invalid_lines.add(row.line)
            continue
        parsed.append((row.line, org, (org.pk, row_year, kind, subject, grade), values))
    _match_results(plan, parsed, kind, mapping)
    return plan


def _organisations(table: Table, index: dict[str, int], municipality_ids) -> dict[str, dict]:
    def column(name: str) -> set[str]:
        i = index.get(name)
        rows = (r for r in table.rows if not r.error)
        return {clean_text(r.values[i]) for r in rows if i is not None} - {""}

    inns = {parse_identifier(v) for v in column("inn")}
    ogrns = {parse_identifier(v) for v in column("ogrn")}
    codes = column("code")
    names = {normalize_name(v) for v in column("full_name")}
    # Identifiers name one organisation wherever it is; a name only within the municipality
    # (every district has its «СОШ № 1»).
    by_name = Q(normalized_name__in=names)
    if municipality_ids is not None:
        by_name &= Q(municipality_id__in=list(municipality_ids))
    query = Q(inn__in=inns) | Q(ogrn__in=ogrns) | Q(code__in=codes) | by_name
    queryset = (
        Organisation.objects.filter(query)
        .select_related("municipality")
        .only(
            "pk",
            "inn",
            "ogrn",
            "code",
            "normalized_name",
            "municipality_id",
            "short_name",
            "full_name",
            "municipality__name",
        )
    )
    by: dict[str, dict] = {"inn": {}, "ogrn": {}, "code": {}, "name": {}}
    for org in queryset:
        for name in ("inn", "ogrn", "code"):
            if getattr(org, name):
                by[name].setdefault(getattr(org, name), org)
        if municipality_ids is None or org.municipality_id in municipality_ids:
            by["name"].setdefault(org.normalized_name, []).append(org)
    return by


def _find(row, index, orgs, errors, cell) -> tuple[Organisation | None, str]:
    """The organisation of the row and the field that found it (``None`` and an error)."""
    for name, check in (("inn", inn_is_valid), ("ogrn", ogrn_is_valid), ("code", None)):
        text = parse_identifier(cell(row, name)) if name != "code" else cell(row, name)
        if not text:
            continue
        if check is not None and not check(text):
            label = _("INN") if name == "inn" else _("OGRN")
            errors.append(
                (
                    name,
                    _("%(label)s %(value)s has a wrong check digit or length.")
                    % {"label": label, "value": text},
                )
            )
            return None, name
        if text in orgs[name]:
            return orgs[name][text], name
    name = cell(row, "full_name")
    if name:
        found = orgs["name"].get(normalize_name(name), [])
        if len(found) == 1:
            return found[0], "full_name"
        if len(found) > 1:
            errors.append(
                (
                    "full_name",
                    _("Several organisations are called «%(name)s»; add the INN.") % {"name": name},
                )
            )
            return None, "full_name"
    errors.append(
        (
            "full_name" if "full_name" in index else "inn",
            _("The organisation is not in the registry (import it first)."),
        )
    )
    return None, ""


def _match_results(plan: ResultPlan, parsed: list, kind: str, mapping: dict[str, str]) -> None:
    org_ids = {key[0] for _line, _org, key, _values in parsed}
    years = {key[1] for _line, _org, key, _values in parsed}
    existing = {
        (r.organisation_id, r.year, r.kind, r.subject, r.grade): r
        for r in AssessmentResult.objects.filter(
            organisation_id__in=org_ids, year__in=years, kind=kind
        )
    }
    seen: dict[tuple, int] = {}
    for line, _org, key, values in parsed:
        if key in seen:
            plan.issues.append(
                Issue(
                    line,
                    mapping.get("subject", ""),
                    _("The same result is already on line %(line)s.") % {"line": seen[key]},
                )
            )
            plan.invalid_lines.add(line)
            continue
        seen[key] = line
        result = existing.get(key)
        if result is None:
            plan.changes.append(ResultChange("new", line, key[0], key, values))
            continue
        changed = any(
            name in mapping and getattr(result, name) != values.get(name) for name in RESULT_VALUES
        )
        plan.changes.append(
            ResultChange("updated" if changed else "unchanged", line, key[0], key, values, result)
        )


def apply_results(plan: ResultPlan, mapping: dict[str, str]) -> None:
    new, updated = [], []
    columns = [name for name in RESULT_VALUES if name in mapping]
    with transaction.atomic():
        for change in plan.changes:
            if change.action == "new":
                org_id, year, kind, subject, grade = change.key
                new.append(
                    AssessmentResult(
                        organisation_id=org_id,
                        year=year,
                        kind=kind,
                        subject=subject or Subject.TOTAL,
                        grade=grade,
                        **{k: v for k, v in change.values.items() if k in columns},
                    )
                )
            elif change.action == "updated":
                for name in columns:
                    setattr(change.result, name, change.values.get(name))
                updated.append(change.result)
        AssessmentResult.objects.bulk_create(new, batch_size=500)
        if updated and columns:
            AssessmentResult.objects.bulk_update(updated, columns, batch_size=500)


def check_year(year: int) -> str | None:
    """A Russian message when the chosen year cannot hold results yet."""
    if year > timezone.now().year:
        return _("The year %(year)s is in the future.") % {"year": year}
    if year < 2000:
        return _("The year %(year)s is too early.") % {"year": year}
    return None
