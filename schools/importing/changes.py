"""What an import changes, field by field, old → new (the preview and the dry run show it)."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from ..models import AssessmentResult, Organisation, SchoolContext, Subject
from .columns import CONTEXT_FIELDS, SCHOOL_FIELDS


def _text(value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, Decimal):
        return format(value.normalize(), "f").replace(".", ",")
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in sorted(value.items()))
    return str(value)


def _label(model, name: str) -> str:
    labels = {**SCHOOL_FIELDS, **CONTEXT_FIELDS}
    if model is Organisation and name in labels:
        return str(labels[name])
    return str(model._meta.get_field(name).verbose_name)


def change_rows(plan, run, *, limit: int) -> list[dict]:
    """The plan's new and updated rows as ``{"line", "name", "action", "fields": [{"label",
    "old", "new"}]}``, the first ``limit`` of them."""
    rows: list[dict] = []
    for change in plan.changes:
        if change.action == "unchanged":
            continue
        if len(rows) >= limit:
            break
        if hasattr(change, "record"):
            rows.append(_organisation_row(change))
        else:
            rows.append(_result_row(change))
    return rows


def _organisation_row(change) -> dict:
    record, org = change.record, change.organisation
    fields = []
    names = change.fields if org is not None else [k for k in record.values if k != "kind"]
    for name in names:
        old = getattr(org, name) if org is not None else None
        fields.append(
            {
                "label": _label(Organisation, name),
                "old": _text(old),
                "new": _text(record.values.get(name)),
            }
        )
    context = change.context
    for name in change.context_fields:
        old = getattr(context, name) if context is not None else None
        fields.append(
            {
                "label": str(SchoolContext._meta.get_field(name).verbose_name),
                "old": _text(old),
                "new": _text(record.context.get(name)),
            }
        )
    name = str(org) if org is not None else record.values.get("short_name", "")
    return {
        "line": record.lines[0],
        "name": f"{name} ({record.municipality})",
        "action": change.action,
        "fields": fields,
    }


def _result_row(change) -> dict:
    _org, year, _kind, subject, grade = change.key
    what = Subject(subject or Subject.TOTAL).label
    if grade:
        what = _("%(subject)s, grade %(grade)s") % {"subject": what, "grade": grade}
    fields = []
    for name in change.fields:
        old = getattr(change.result, name) if change.result is not None else None
        fields.append(
            {
                "label": str(AssessmentResult._meta.get_field(name).verbose_name),
                "old": _text(old),
                "new": _text(change.values.get(name)),
            }
        )
    return {
        "line": change.line,
        "name": f"{change.name}: {what} {year}",
        "action": change.action,
        "fields": fields,
    }
