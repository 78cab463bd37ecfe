"""Category recompute, overrides and the import task (services and tasks)."""

from schools.models import CategoryAssignment, ImportRun, ImportStatus
from schools.services import categories_recompute, category_override
from schools.tasks import run_import

from .factories import AssessmentResultFactory


def _results(org, below):
    for year, share in zip((2024, 2025, 2026), below, strict=True):
        for subject in ("math", "russian"):
            AssessmentResultFactory(
                organisation=org,
                year=year,
                subject=subject,
                participants=100,
                below_threshold=share,
            )


def test_recompute_keeps_history_and_is_idempotent(world):
    _results(world.school, (20, 20, 20))
    categories_recompute(organisation_ids=[world.school.pk])
    assert (
        CategoryAssignment.objects.get(
            organisation=world.school, year=2026, is_current=True
        ).category
        == "shnor"
    )
    assert categories_recompute(organisation_ids=[world.school.pk])["changed"] == 0
    world.school.results.filter(year__in=(2025, 2026)).update(below_threshold=1)
    categories_recompute(organisation_ids=[world.school.pk])
    rows = CategoryAssignment.objects.filter(organisation=world.school, year=2026).order_by(
        "created_at", "pk"
    )
    assert [(r.category, r.is_current) for r in rows] == [("shnor", False), ("other", True)]


def test_override_survives_recompute(world, users):
    _results(world.school, (20, 20, 20))
    categories_recompute(organisation_ids=[world.school.pk])
    category_override(
        organisation=world.school,
        year=2026,
        category="risk",
        reason="Проверка показала другое",
        user=users.methodologist,
    )
    counts = categories_recompute(organisation_ids=[world.school.pk])
    current = CategoryAssignment.objects.get(organisation=world.school, year=2026, is_current=True)
    assert current.is_override and current.category == "risk" and counts["overridden"] >= 1
    assert current.reason_texts  # the rules' reasons stay visible next to the override


def test_import_task_does_nothing_for_a_run_that_is_not_queued(world):
    run = ImportRun.objects.create(
        kind="schools", file_name="a.csv", status=ImportStatus.DONE, municipality=world.mun
    )
    run_import(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
