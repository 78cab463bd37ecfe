"""Pure rules of roadmaps, testable without a database."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.utils.formats import number_format

from .models import ItemStatus, item_completed_late, item_is_overdue

#: Levels of a risk factor for which the draft proposes measures (seed 001: «высокий» and
#: «средний» risks get measures; low ones are watched only).
DRAFT_LEVELS = ("high", "medium")
#: How many typical measures a draft proposes for a high / medium factor.
MEASURES_PER_LEVEL = {"high": 3, "medium": 2}


@dataclass
class Progress:
    """Completion of a group of items: done items over all non-cancelled items. Items closed
    «без подтверждения» are counted apart (``unconfirmed``), never as done; items closed after
    their due date are counted in ``late`` as well as in ``done``."""

    total: int = 0
    done: int = 0
    in_progress: int = 0
    overdue: int = 0
    cancelled: int = 0
    unconfirmed: int = 0
    late: int = 0

    @property
    def active(self) -> int:
        return self.total - self.cancelled

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.active) if self.active else None

    def add(
        self, *, status: str, due_date: date, today: date, completed_at: date | None = None
    ) -> None:
        self.total += 1
        if status == ItemStatus.DONE:
            self.done += 1
        elif status == ItemStatus.UNCONFIRMED:
            self.unconfirmed += 1
        elif status == ItemStatus.CANCELLED:
            self.cancelled += 1
        elif status == ItemStatus.IN_PROGRESS:
            self.in_progress += 1
        if item_is_overdue(status=status, due_date=due_date, today=today):
            self.overdue += 1
        if item_completed_late(status=status, due_date=due_date, completed_at=completed_at):
            self.late += 1


def progress_of(items: Iterable, *, today: date) -> Progress:
    progress = Progress()
    for item in items:
        progress.add(
            status=item.status,
            due_date=item.due_date,
            today=today,
            completed_at=getattr(item, "completed_at", None),
        )
    return progress


def progress_by(items: Iterable, key, *, today: date) -> dict:
    """Progress grouped by ``key(item)`` (a module, a factor), in first-seen order."""
    groups: dict = {}
    for item in items:
        groups.setdefault(key(item), Progress()).add(
            status=item.status,
            due_date=item.due_date,
            today=today,
            completed_at=getattr(item, "completed_at", None),
        )
    return groups


def closing_needs_proof(
    *, status: str, has_target: bool, has_actual: bool, has_evidence: bool
) -> bool:
    """Issue 15: an item with a target is closed as «выполнено» only with its actual value or
    evidence; without either it may only be closed as «выполнено без подтверждения»."""
    return status == ItemStatus.DONE and has_target and not has_actual and not has_evidence


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end - timedelta(days=1)


def draft_schedule(*, start: date, durations: list[int]) -> list[tuple[date, date]]:
    """Start and due dates for proposed measures: they start together (staggered by a fortnight
    so that a school is not swamped in one week) and last their typical duration."""
    schedule = []
    for index, days in enumerate(durations):
        begin = start + timedelta(days=14 * (index % 3))
        schedule.append((begin, begin + timedelta(days=max(days, 1))))
    return schedule


def number_text(value) -> str:
    """A stored number as the active language writes it, without trailing zeros: «12,5», «10»,
    «0» in Russian — never «12.50» or «0.00». Empty for ``None``."""
    if value is None:
        return ""
    value = Decimal(value)
    return number_format(value.normalize() if value % 1 else int(value))
