"""Import of assessment results (ВПР, ОГЭ, ЕГЭ) for organisations already in the registry.

Rows are matched to organisations like the organisation import does (ИНН, ОГРН, ФИС ОКО login,
code, then the exact normalised name **within the row's own municipality** — its municipality
column, or the chosen municipality — never across municipalities) and to existing results by
(organisation, year, assessment, subject, grade). A row of another municipality than the
chosen one is a conflict, never attributed to a same-named school of the chosen one.

A row is rejected — reported with its line, column and reason — for a wrong check digit, a
negative count, more pupils below the threshold (or with high results) than participants,
counts of marks «2»…«5» that do not add up to the participants, a share of a mark that
disagrees with its count (beyond rounding), a year in the future or different from the chosen
one, an unknown subject or organisation. For ВПР the count of «2» is "below the threshold".
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ..models import AssessmentKind, AssessmentResult, Municipality, Organisation, Subject
from ..normalize import normalize_name
from ..validators import inn_is_valid, login_is_valid, normalize_login, ogrn_is_valid
from .municipalities import MunicipalityLookup
from .organisations import row_municipality
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
    "average_mark",
    "count_2",
    "count_3",
    "count_4",
    "count_5",
    "below_threshold",
    "high_results",
    "middle_or_above",
)
MARKS = (2, 3, 4, 5)
#: Translated only when a row breaks them (a region's file has 100,000 rows).
_MORE_THAN_PARTICIPANTS = (
    (
        "below_threshold",
        gettext_noop("More pupils below the threshold (%(n)s) than participants (%(p)s)."),
    ),
    (
        "high_results",
        gettext_noop("More pupils with high results (%(n)s) than participants (%(p)s)."),
    ),
    (
        "middle_or_above",
        gettext_noop("More pupils in the band (%(n)s) than participants (%(p)s)."),
    ),
)
#: A share may differ from 100 × count / participants by this much (rounding to whole %).
SHARE_TOLERANCE = Decimal("0.6")


@dataclass
class ResultChange:
    action: str  # new | updated | unchanged
    line: int
    organisation_id: int
    key: tuple
    values: dict
    result: AssessmentResult | None = None
    #: The school as the registry names it, and the fields that change (for the preview).
    name: str = ""
    fields: list[str] = field(default_factory=list)


@dataclass
class ResultPlan:
    total_rows: int
    changes: list[ResultChange] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    invalid_lines: set[int] = field(default_factory=set)
    columns: list[str] = field(default_factory=list)

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
    municipality: Municipality | None = None,
    lookup: MunicipalityLookup | None = None,
    progress: Callable[[int], None] | None = None,
) -> ResultPlan:
    """Check each row; nothing is written. ``municipality`` is the chosen municipality (every
    row must be of it), ``lookup`` the region's municipalities for the municipality column,
    ``municipality_ids`` the municipalities whose schools may receive results."""
    index = {f: table.headers.index(h) for f, h in mapping.items() if h in table.headers}

    def cell(row: list[str], name: str) -> str:
        i = index.get(name)
        return clean_text(row[i]) if i is not None and i < len(row) else ""

    plan = ResultPlan(total_rows=len(table.rows))
    present = [name for name in RESULT_VALUES if name in index]
    allowed = set(municipality_ids) if municipality_ids is not None else None
    orgs = _organisations(table, index, allowed)
    if lookup is not None and "municipality" in index:
        lookup.prepare(cell(row.values, "municipality") for row in table.rows)
    parsed = []
    for n, row in enumerate(table.rows):
        if progress and n % 500 == 0:
            progress(int(50 * n / max(len(table.rows), 1)))
        if row.error:  # more or fewer values than columns: no value can be trusted
            plan.issues.append(Issue(row.line, row.error_column, row.error, code="row_width"))
            plan.invalid_lines.add(row.line)
            continue
        errors: list[tuple[str, str]] = []
        row_mun, mun_issue = None, None
        if "municipality" in index or municipality is not None:
            row_mun, mun_issue = row_municipality(
                row.values, index, mapping, row.line, municipality=municipality, lookup=lookup
            )
        if mun_issue is not None:
            plan.issues.append(mun_issue)
            plan.invalid_lines.add(row.line)
            continue
        org, matched_by = _find(row.values, index, orgs, errors, cell, row_mun)
        if (
            org is not None
            and "municipality" in index
            and row_mun is not None
            and org.municipality_id != row_mun.pk
        ):
            plan.issues.append(
                Issue(
                    row.line,
                    mapping.get(matched_by, ""),
                    _(
                        "«%(name)s» is registered in «%(other)s», the row names «%(row)s»; its "
                        "results were not imported."
                    )
                    % {"name": org, "other": org.municipality, "row": row_mun},
                    "conflict",
                    "other_municipality",
                )
            )
            plan.invalid_lines.add(row.line)
            continue
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
        for name in present:
            try:
                if name == "average_score":
                    number = parse_decimal(cell(row.values, name))
                    if number is not None and not Decimal(0) <= number <= Decimal(100):
                        raise CellError(_("The average score must be from 0 to 100."))
                    values[name] = number.quantize(Decimal("0.01")) if number is not None else None
                elif name == "average_mark":
                    number = parse_decimal(cell(row.values, name))
                    if number is not None and not Decimal(1) <= number <= Decimal(5):
                        raise CellError(_("The average mark must be from 1 to 5."))
                    values[name] = number.quantize(Decimal("0.01")) if number is not None else None
                else:
                    values[name] = parse_count(cell(row.values, name))
            except CellError as exc:
                errors.append((name, str(exc)))
        if "participants" in values and values["participants"] is None:
            errors.append(("participants", _("The number of participants is missing.")))
        participants = values.get("participants") or 0
        errors.extend(_check_marks(row.values, values, mapping, cell, participants, kind))
        for name, message in _MORE_THAN_PARTICIPANTS:
            if values.get(name) is not None and values[name] > participants:
                errors.append((name, _(message) % {"n": values[name], "p": participants}))
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


def _check_marks(row, values: dict, mapping, cell, participants: int, kind: str) -> list:
    """Counts of «2»…«5» add up to the participants; a share agrees with its count; a share
    without its count gives the count. For ВПР the count of «2» is "below the threshold"."""
    errors: list[tuple[str, str]] = []
    shares: dict[int, Decimal] = {}
    for mark in MARKS:
        if f"share_{mark}" not in mapping:
            continue
        try:
            share = parse_decimal(cell(row, f"share_{mark}"))
        except CellError as exc:
            errors.append((f"share_{mark}", str(exc)))
            continue
        if share is None:
            continue
        if not Decimal(0) <= share <= Decimal(100):
            errors.append((f"share_{mark}", _("A share must be from 0 to 100 %.")))
            continue
        shares[mark] = share
    if errors or not participants:
        return errors
    for mark, share in shares.items():
        count = values.get(f"count_{mark}")
        if count is None and f"count_{mark}" not in mapping:
            values[f"count_{mark}"] = int(
                (share * participants / 100).quantize(Decimal(1), rounding="ROUND_HALF_UP")
            )
            continue
        if count is not None:
            exact = Decimal(100) * count / participants
            if abs(exact - share) > SHARE_TOLERANCE:
                errors.append(
                    (
                        f"share_{mark}",
                        _(
                            "The share of «%(mark)s» is %(share)s %%, but %(count)s of "
                            "%(participants)s is %(exact)s %%."
                        )
                        % {
                            "mark": mark,
                            "share": share,
                            "count": count,
                            "participants": participants,
                            "exact": exact.quantize(Decimal("0.01")),
                        },
                    )
                )
    counts = [values.get(f"count_{mark}") for mark in MARKS]
    if all(c is not None for c in counts) and sum(counts) != participants:
        errors.append(
            (
                "count_2",
                _(
                    "Marks «2»–«5» add up to %(total)s (%(counts)s), the participants are "
                    "%(participants)s."
                )
                % {
                    "total": sum(counts),
                    "counts": " + ".join(map(str, counts)),
                    "participants": participants,
                },
            )
        )
    elif any(c is not None and c > participants for c in counts):
        errors.append(("count_2", _("More marks than participants.")))
    if kind == AssessmentKind.VPR and values.get("below_threshold") is None:
        values["below_threshold"] = values.get("count_2")
    return errors


def _organisations(table: Table, index: dict[str, int], municipality_ids) -> dict[str, dict]:
    def column(name: str) -> set[str]:
        i = index.get(name)
        rows = (r for r in table.rows if not r.error)
        return {clean_text(r.values[i]) for r in rows if i is not None} - {""}

    inns = {parse_identifier(v) for v in column("inn")}
    ogrns = {parse_identifier(v) for v in column("ogrn")}
    logins = {normalize_login(v) for v in column("login")}
    codes = column("code")
    names = {normalize_name(v) for v in column("full_name")}
    # Identifiers name one organisation wherever it is; a name only within the municipality
    # (every district has its «СОШ № 1»).
    by_name = Q(normalized_name__in=names)
    if municipality_ids is not None:
        by_name &= Q(municipality_id__in=list(municipality_ids))
    query = Q(inn__in=inns) | Q(ogrn__in=ogrns) | Q(login__in=logins) | Q(code__in=codes)
    query |= by_name
    queryset = (
        Organisation.objects.filter(query)
        .select_related("municipality")
        .only(
            "pk",
            "inn",
            "ogrn",
            "login",
            "code",
            "normalized_name",
            "municipality_id",
            "short_name",
            "full_name",
            "municipality__name",
        )
    )
    by: dict[str, dict] = {"inn": {}, "ogrn": {}, "login": {}, "code": {}, "name": {}}
    for org in queryset:
        for name in ("inn", "ogrn", "login", "code"):
            if getattr(org, name):
                by[name].setdefault(getattr(org, name), org)
        if municipality_ids is None or org.municipality_id in municipality_ids:
            by["name"].setdefault(org.normalized_name, []).append(org)
    return by


def _find(row, index, orgs, errors, cell, row_mun=None) -> tuple[Organisation | None, str]:
    """The organisation of the row and the field that found it (``None`` and an error).

    A name is looked up only among the schools of the row's municipality (``row_mun``): its
    municipality column or the chosen municipality. Without either, a name alone does not
    identify a school in a region."""
    checks = (
        ("inn", inn_is_valid),
        ("ogrn", ogrn_is_valid),
        ("login", login_is_valid),
        ("code", None),
    )
    for name, check in checks:
        if name == "code":
            text = cell(row, name)
        elif name == "login":
            text = normalize_login(cell(row, name))
        else:
            text = parse_identifier(cell(row, name))
        if not text:
            continue
        if name == "login" and not check(text):
            errors.append(
                (
                    name,
                    _(
                        "Login «%(value)s» is not a FIS OKO login: letters, the region's "
                        "two-digit code and the number, e.g. sch220028."
                    )
                    % {"value": text},
                )
            )
            return None, name
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
    if name and row_mun is None:
        errors.append(
            (
                "full_name",
                _(
                    "A name alone does not identify a school in a region: give the login or INN, "
                    "a municipality column or the municipality of the import."
                ),
            )
        )
        return None, "full_name"
    if name:
        found = [
            o for o in orgs["name"].get(normalize_name(name), []) if o.municipality_id == row_mun.pk
        ]
        if len(found) == 1:
            return found[0], "full_name"
        if len(found) > 1:
            errors.append(
                (
                    "full_name",
                    _("Several organisations are called «%(name)s»; add the login or INN.")
                    % {"name": name},
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
    columns = value_columns(mapping, kind)
    plan.columns = columns
    for line, org, key, values in parsed:
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
            plan.changes.append(
                ResultChange("new", line, key[0], key, values, name=str(org), fields=columns)
            )
            continue
        changed = [name for name in columns if getattr(result, name) != values.get(name)]
        plan.changes.append(
            ResultChange(
                "updated" if changed else "unchanged",
                line,
                key[0],
                key,
                values,
                result,
                name=str(org),
                fields=changed,
            )
        )


def value_columns(mapping: dict[str, str], kind: str) -> list[str]:
    """The result fields the file gives: mapped, or derived (a count from its share, for ВПР
    "below the threshold" from the count of «2»)."""
    given = {name for name in RESULT_VALUES if name in mapping}
    given |= {f"count_{m}" for m in MARKS if f"share_{m}" in mapping}
    if kind == AssessmentKind.VPR and "count_2" in given:
        given.add("below_threshold")
    return [name for name in RESULT_VALUES if name in given]


def apply_results(plan: ResultPlan, mapping: dict[str, str], kind: str = "") -> None:
    new, updated = [], []
    columns = value_columns(mapping, kind)
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
        AssessmentResult.objects.bulk_create(new, batch_size=2000)
        if updated and columns:
            AssessmentResult.objects.bulk_update(updated, columns, batch_size=500)


def check_year(year: int) -> str | None:
    """A Russian message when the chosen year cannot hold results yet."""
    if year > timezone.now().year:
        return _("The year %(year)s is in the future.") % {"year": year}
    if year < 2000:
        return _("The year %(year)s is too early.") % {"year": year}
    return None
