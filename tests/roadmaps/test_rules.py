"""Pure rules: overdue is computed, progress, quarters, draft schedule."""

from datetime import date
from types import SimpleNamespace

from roadmaps.models import item_is_overdue
from roadmaps.rules import draft_schedule, progress_by, progress_of, quarter_bounds, quarter_of

TODAY = date(2026, 5, 10)


def test_open_item_past_due_date_is_overdue():
    assert item_is_overdue(status="planned", due_date=date(2026, 5, 9), today=TODAY)
    assert item_is_overdue(status="in_progress", due_date=date(2026, 1, 1), today=TODAY)


def test_item_due_today_or_closed_is_not_overdue():
    assert not item_is_overdue(status="planned", due_date=TODAY, today=TODAY)
    assert not item_is_overdue(status="done", due_date=date(2026, 1, 1), today=TODAY)
    assert not item_is_overdue(status="cancelled", due_date=date(2026, 1, 1), today=TODAY)


def _item(status, due=date(2026, 6, 1), module="teaching"):
    return SimpleNamespace(status=status, due_date=due, module=module)


def test_progress_counts_done_over_non_cancelled_items():
    items = [_item("done"), _item("done"), _item("planned", date(2026, 1, 1)), _item("cancelled"),
             _item("in_progress")]  # fmt: skip
    p = progress_of(items, today=TODAY)
    assert (p.total, p.done, p.cancelled, p.active, p.overdue, p.in_progress) == (5, 2, 1, 4, 1, 1)
    assert p.percent == 50


def test_progress_of_nothing_has_no_percent():
    assert progress_of([], today=TODAY).percent is None
    assert progress_of([_item("cancelled")], today=TODAY).percent is None


def test_progress_by_module():
    groups = progress_by(
        [_item("done", module="a"), _item("planned", module="a"), _item("done", module="b")],
        lambda i: i.module,
        today=TODAY,
    )
    assert groups["a"].percent == 50 and groups["b"].percent == 100


def test_quarters():
    assert quarter_of(date(2026, 5, 10)) == (2026, 2)
    assert quarter_of(date(2026, 12, 31)) == (2026, 4)
    assert quarter_bounds(2026, 4) == (date(2026, 10, 1), date(2026, 12, 31))
    assert quarter_bounds(2026, 1) == (date(2026, 1, 1), date(2026, 3, 31))


def test_draft_schedule_staggers_starts_and_keeps_due_after_start():
    schedule = draft_schedule(start=TODAY, durations=[90, 30, 0, 60])
    assert [s for s, _ in schedule] == [TODAY, date(2026, 5, 24), date(2026, 6, 7), TODAY]
    assert all(due > start for start, due in schedule)
