"""bench/make_region.py: the region generator other benches build on."""

from bench.make_region import make_region
from schools.models import AssessmentResult, Organisation
from schools.services import categories_recompute


def test_make_region_is_seeded_and_reused(db):
    summary = make_region(
        seed=3, municipalities=3, schools=30, years=3, partners_per_municipality=2
    )
    assert summary.created
    assert len(summary.municipality_ids) == 3 and len(summary.school_ids) == 30
    assert len(summary.partner_ids) == 6 and summary.years == [2023, 2024, 2025]
    assert AssessmentResult.objects.count() == summary.results == 30 * 3 * 4
    assert all(o.inn and len(o.inn) == 10 for o in Organisation.objects.all())
    again = make_region(seed=3, municipalities=3, schools=30, years=3, partners_per_municipality=2)
    assert not again.created and sorted(again.school_ids) == sorted(summary.school_ids)
    counts = categories_recompute(region_id=summary.region_id)
    assert counts["schools"] == 30 and counts["changed"] == 90
