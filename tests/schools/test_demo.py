"""The demo municipality comes out as seed 001 describes it."""

from schools import demo
from schools.models import CategoryAssignment

EXPECTED = {
    "МОБУ «ООШ № 1»": "shnor",
    "МОБУ «СОШ № 2»": "shnor",
    "МКОУ «О(С)ОШ № 14»": "shnor",
    "МОБУ «СОШ № 5»": "risk",
    "МОБУ «СОШ № 3»": "risk",
    "МОБУ «СОШ № 47»": "risk",
    "МОБУ «СОШ № 9»": "leader",
    "МОБУ «СОШ № 4»": "leader",
    "МОБУ «СОШ № 16»": "leader",
    "МАОУ «Гимназия № 1»": "leader",
}


def _current(year=2026):
    return {
        a.organisation.short_name: a
        for a in CategoryAssignment.objects.filter(year=year, is_current=True).select_related(
            "organisation"
        )
    }


def test_demo_categories_follow_seed_001(db):
    demo.run()
    current = _current()
    assert {name: a.category for name, a in current.items()} == EXPECTED
    # ООШ № 1, О(С)ОШ № 14 and СОШ № 47 also meet "at least two context factors".
    for name in ("МОБУ «ООШ № 1»", "МКОУ «О(С)ОШ № 14»", "МОБУ «СОШ № 47»"):
        assert any("факторы риска" in t for t in current[name].reason_texts), name
    for name in ("МОБУ «СОШ № 2»", "МОБУ «СОШ № 5»", "МОБУ «СОШ № 3»"):
        assert not any("факторы риска" in t for t in current[name].reason_texts), name


def test_demo_is_idempotent(db):
    demo.run()
    count = CategoryAssignment.objects.count()
    result = demo.run()
    assert CategoryAssignment.objects.count() == count
    assert result["categories_changed"] == 0


def test_demo_leaders_have_high_results_and_shnor_none(db):
    from schools.models import AssessmentResult

    demo.run()
    for name, category in EXPECTED.items():
        high = sum(
            AssessmentResult.objects.filter(organisation__short_name=name, year=2026).values_list(
                "high_results", flat=True
            )
        )
        if category == "leader":
            assert high > 0, name
        if category == "shnor":
            assert high == 0, name


def test_second_run_writes_no_row(db):
    """``make demo`` twice changes nothing: the second run only reads (no UPDATE, no INSERT,
    so no organisation gets a new ``updated_at``)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    demo.run()
    with CaptureQueriesContext(connection) as queries:
        demo.run()
    writes = [q["sql"] for q in queries if q["sql"].split()[0] in ("UPDATE", "INSERT", "DELETE")]
    assert writes == []
