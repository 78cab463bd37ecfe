"""``seed_demo`` run twice changes nothing: no row added, removed or rewritten."""

import io

import pytest
from django.apps import apps
from django.core.management import call_command

#: The apps whose rows the demo writes (history tables of simple-history included).
PORTAL_APPS = {
    "accounts", "audit", "documents", "notifications",
    "schools", "diagnostics", "partnerships", "roadmaps", "events",
}  # fmt: skip
#: Set again on purpose at each run, so that ``--password`` takes effect.
REWRITTEN = {("accounts", "user"): {"password"}}


def _snapshot() -> dict[str, dict]:
    """{model label: {pk: {column: repr(value)}}}"""
    rows = {}
    for model in apps.get_models():
        meta = model._meta
        if meta.app_label not in PORTAL_APPS:
            continue
        skip = REWRITTEN.get((meta.app_label, meta.model_name), set())
        names = [f.attname for f in meta.concrete_fields if f.attname not in skip]
        rows[meta.label] = {
            row[meta.pk.attname]: {k: repr(v) for k, v in row.items()}
            for row in model._default_manager.values(*names)
        }
    return rows


def _differences(first: dict, second: dict) -> dict[str, str]:
    changed = {}
    for label, before in first.items():
        after = second[label]
        added, gone = set(after) - set(before), set(before) - set(after)
        columns = sorted(
            {
                c
                for pk in set(before) & set(after)
                for c in before[pk]
                if before[pk][c] != after[pk][c]
            }
        )
        if added or gone or columns:
            changed[label] = f"{len(added)} added, {len(gone)} gone, rewritten: {columns}"
    return changed


@pytest.mark.django_db
def test_seed_demo_twice_changes_nothing():
    call_command("seed_demo", password="demo12345", stdout=io.StringIO())
    first = _snapshot()
    assert sum(len(r) for r in first.values()) > 500, "the demo wrote next to nothing"
    call_command("seed_demo", password="demo12345", stdout=io.StringIO())
    changed = _differences(first, _snapshot())
    assert not changed, f"a second seed_demo changed: {changed}"
