"""The seed-002 success criteria as pure functions: no database."""

from datetime import date

from reports.criteria import (
    criterion_no_below_threshold,
    criterion_positive_dynamics,
    criterion_roadmap_done,
)


def row(year, kind="oge", subject="math", participants=50, average=15.0, below=0):
    return {
        "org": 1,
        "year": year,
        "kind": kind,
        "subject": subject,
        "participants": participants,
        "average": average,
        "below": below,
    }


def item(due, status="planned", completed=None):
    return {"due_date": due, "status": status, "completed_at": completed}


def test_no_below_threshold_met_only_when_nobody_is_below_in_the_last_year():
    results = [row(2025, below=3), row(2026, below=0), row(2026, subject="russian", below=0)]
    verdict = criterion_no_below_threshold(results=results, year=2026)
    assert verdict.met is True
    assert "0 of 100" in verdict.value or "0 из 100" in verdict.value


def test_no_below_threshold_not_met_counts_pupils_and_share():
    results = [
        row(2026, below=2),
        row(2026, kind="ege", subject="russian", participants=30, below=1),
    ]
    verdict = criterion_no_below_threshold(results=results, year=2026)
    assert verdict.met is False
    assert "3" in verdict.value and "80" in verdict.value
    assert len(verdict.details) == 2


def test_no_below_threshold_without_results_is_not_judged():
    verdict = criterion_no_below_threshold(results=[row(2024)], year=2026)
    assert verdict.met is None


def test_ignores_vpr_and_other_subjects():
    results = [row(2026, kind="vpr", below=10), row(2026, subject="physics", below=5), row(2026)]
    assert criterion_no_below_threshold(results=results, year=2026).met is True


def test_positive_dynamics_needs_every_subject_to_grow():
    years = (2024, 2025, 2026)
    growing = [row(2024, average=14), row(2026, average=15)]
    growing += [row(2024, subject="russian", average=25), row(2026, subject="russian", average=26)]
    assert criterion_positive_dynamics(results=growing, years=years).met is True
    falling = [*growing, row(2024, kind="ege", subject="russian", average=70)]
    falling.append(row(2026, kind="ege", subject="russian", average=65))
    verdict = criterion_positive_dynamics(results=falling, years=years)
    assert verdict.met is False
    assert any("−5,0" in d or "−5.0" in d for d in verdict.details)


def test_positive_dynamics_uses_first_and_last_year_with_data():
    years = (2024, 2025, 2026)
    results = [row(2025, average=14), row(2026, average=14.5)]
    assert criterion_positive_dynamics(results=results, years=years).met is True


def test_positive_dynamics_with_one_year_is_not_judged():
    assert criterion_positive_dynamics(results=[row(2026)], years=(2024, 2025, 2026)).met is None


def test_positive_dynamics_weights_schools_by_participants():
    years = (2024, 2026)
    a = [row(2024, average=10, participants=10), row(2026, average=20, participants=10)]
    b = [row(2024, average=30, participants=90), row(2026, average=25, participants=90)]
    # (10*10+30*90)/100 = 28 → (20*10+25*90)/100 = 24.5: falls although one school grew
    assert criterion_positive_dynamics(results=a + b, years=years).met is False


def test_roadmap_done_when_every_due_item_is_done():
    day = date(2026, 6, 30)
    items = [
        item(date(2026, 3, 1), "done", date(2026, 2, 27)),
        item(date(2026, 5, 1), "cancelled"),
        item(date(2026, 9, 1)),  # due later: not judged yet
    ]
    verdict = criterion_roadmap_done(items=items, day=day)
    assert verdict.met is True
    assert "1" in verdict.value


def test_roadmap_not_done_with_an_overdue_item():
    day = date(2026, 6, 30)
    items = [item(date(2026, 3, 1), "done"), item(date(2026, 4, 1), "in_progress")]
    verdict = criterion_roadmap_done(items=items, day=day)
    assert verdict.met is False
    assert "50" in verdict.value


def test_item_done_after_the_period_counts_as_not_done_then():
    day = date(2026, 6, 30)
    items = [item(date(2026, 3, 1), "done", date(2026, 8, 1))]
    assert criterion_roadmap_done(items=items, day=day).met is False


def test_roadmap_without_due_items_is_not_judged():
    assert criterion_roadmap_done(items=[], day=date(2026, 6, 30)).met is None
