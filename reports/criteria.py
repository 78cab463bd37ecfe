"""The success criteria of the regional project (seed 002, «Ожидаемые результаты»).

«Рост качества образования» is judged by:
1. no pupils below the base threshold on the state final attestation (ГИА-9, ГИА-11);
2. positive dynamics of the average score in mathematics and Russian over three years;
3. the roadmap of the school carried out.

Each criterion is a pure function of plain rows, so that a unit test (and a curator reading the
printed report) can check the arithmetic. ``met`` is ``None`` when there is not enough data to
judge — the report says so instead of pretending the criterion failed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

#: Assessments of the state final attestation: ОГЭ = ГИА-9, ЕГЭ = ГИА-11.
GIA_KINDS = ("oge", "ege")
#: Compulsory subjects of ГИА, in the order they are printed.
GIA_SUBJECTS = ("math", "math_profile", "math_base", "russian")
#: Statuses of a roadmap item that close it (mirrors roadmaps.models.CLOSED_ITEM_STATUSES).
DONE = "done"
CANCELLED = "cancelled"
#: Closed without its actual value or evidence: never done, still overdue past its due date.
UNCONFIRMED = "unconfirmed"

CRITERIA_TITLES = {
    "no_below": gettext_lazy("No pupils below the base threshold on GIA-9 and GIA-11"),
    "dynamics": gettext_lazy(
        "Positive three-year dynamics of the average score in mathematics and Russian"
    ),
    "roadmap": gettext_lazy("The roadmap carried out"),
}

SERIES_LABELS = {
    ("oge", "math"): gettext_lazy("OGE, mathematics"),
    ("oge", "russian"): gettext_lazy("OGE, Russian"),
    ("ege", "math"): gettext_lazy("EGE, mathematics"),
    ("ege", "math_profile"): gettext_lazy("EGE, mathematics (profile)"),
    ("ege", "math_base"): gettext_lazy("EGE, mathematics (basic)"),
    ("ege", "russian"): gettext_lazy("EGE, Russian"),
    ("oge", "math_profile"): gettext_lazy("OGE, mathematics"),
    ("oge", "math_base"): gettext_lazy("OGE, mathematics"),
}


@dataclass(frozen=True)
class CriterionResult:
    key: str
    met: bool | None
    #: One line with the numbers behind the verdict.
    value: str
    details: tuple[str, ...] = field(default_factory=tuple)

    @property
    def title(self) -> str:
        return str(CRITERIA_TITLES[self.key])

    @property
    def short_verdict(self) -> str:
        if self.met is None:
            return _("no data")
        return self.verdict

    @property
    def verdict(self) -> str:
        if self.met is None:
            return _("not enough data")
        return _("met") if self.met else _("not met")


def fmt(value: float | None, decimals: int = 1) -> str:
    if value is None:
        return "—"
    return number_format(round(value, decimals), decimal_pos=decimals)


def signed(value: float, decimals: int = 1) -> str:
    text = fmt(abs(value), decimals)
    if round(value, decimals) > 0:
        return f"+{text}"
    if round(value, decimals) < 0:
        return f"−{text}"
    return text


def gia_rows(results: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in results if r["kind"] in GIA_KINDS and r["subject"] in GIA_SUBJECTS]


def criterion_no_below_threshold(
    *, results: Iterable[dict[str, Any]], year: int
) -> CriterionResult:
    """Seed 002: «Отсутствие обучающихся, не преодолевших базовый порог на ГИА-9, ГИА-11».

    Judged on the last year of the report: the pupils below the threshold in mathematics and
    Russian on ОГЭ and ЕГЭ are summed; met only when there are participants and none below.
    """
    rows = [r for r in gia_rows(results) if r["year"] == year and r["below"] is not None]
    participants = sum(r["participants"] for r in rows)
    below = sum(r["below"] for r in rows)
    if not participants:
        return CriterionResult("no_below", None, _("no GIA results for %(year)s") % {"year": year})
    share = 100.0 * below / participants
    details = tuple(
        _("%(series)s: %(below)s of %(n)s")
        % {
            "series": SERIES_LABELS.get((r["kind"], r["subject"]), r["subject"]),
            "below": r["below"],
            "n": r["participants"],
        }
        for r in sorted(rows, key=lambda r: (r["kind"], r["subject"]))
    )
    value = _("%(year)s: %(below)s of %(n)s pupils below the threshold (%(share)s %%)") % {
        "year": year,
        "below": below,
        "n": participants,
        "share": fmt(share),
    }
    return CriterionResult("no_below", below == 0, value, details)


def score_series(
    *, results: Iterable[dict[str, Any]], years: Sequence[int]
) -> dict[tuple[str, str], list[float | None]]:
    """Average score per (assessment, subject) and year; a participant-weighted mean when the
    rows belong to several schools."""
    sums: dict[tuple[str, str, int], list[float]] = {}
    for r in gia_rows(results):
        if r["average"] is None or not r["participants"] or r["year"] not in years:
            continue
        acc = sums.setdefault((r["kind"], r["subject"], r["year"]), [0.0, 0.0])
        acc[0] += float(r["average"]) * r["participants"]
        acc[1] += r["participants"]
    series: dict[tuple[str, str], list[float | None]] = {}
    for kind in GIA_KINDS:
        for subject in GIA_SUBJECTS:
            values = [
                (sums[(kind, subject, y)][0] / sums[(kind, subject, y)][1])
                if (kind, subject, y) in sums
                else None
                for y in years
            ]
            if any(v is not None for v in values):
                series[(kind, subject)] = values
    return series


def criterion_positive_dynamics(
    *, results: Iterable[dict[str, Any]], years: Sequence[int]
) -> CriterionResult:
    """Seed 002: «Положительная динамика среднего балла по математике и русскому языку на ГИА
    в течение 3-х лет».

    For every assessment and subject with data, the average score of the last year with data is
    compared with the first one in the three-year window; met when each of them grew.
    """
    series = score_series(results=results, years=years)
    judged = []
    details = []
    for key, values in series.items():
        points = [(y, v) for y, v in zip(years, values, strict=True) if v is not None]
        if len(points) < 2:
            continue
        (y0, v0), (y1, v1) = points[0], points[-1]
        delta = v1 - v0
        judged.append(round(delta, 2) > 0)
        details.append(
            _("%(series)s: %(first)s (%(y0)s) → %(last)s (%(y1)s), %(delta)s")
            % {
                "series": SERIES_LABELS.get(key, key[1]),
                "first": fmt(v0),
                "y0": y0,
                "last": fmt(v1),
                "y1": y1,
                "delta": signed(delta),
            }
        )
    if not judged:
        return CriterionResult(
            "dynamics", None, _("fewer than two years of GIA results in the period")
        )
    grew = sum(judged)
    value = _("the average score grew in %(grew)s of %(n)s subjects") % {
        "grew": grew,
        "n": len(judged),
    }
    return CriterionResult("dynamics", all(judged), value, tuple(details))


def item_is_done_by(item: dict[str, Any], day: date) -> bool:
    return item["status"] == DONE and (item["completed_at"] is None or item["completed_at"] <= day)


def item_is_done_late(item: dict[str, Any]) -> bool:
    """«Выполнено с опозданием»: closed (with or without confirmation) after its due date."""
    return (
        item["status"] in (DONE, UNCONFIRMED)
        and item.get("completed_at") is not None
        and item["completed_at"] > item["due_date"]
    )


def item_is_overdue_on(item: dict[str, Any], day: date) -> bool:
    """«Просрочено» is computed, never stored: open (or closed later) and past its due date."""
    if item["status"] == CANCELLED:
        return False
    return item["due_date"] < day and not item_is_done_by(item, day)


def criterion_roadmap_done(*, items: Iterable[dict[str, Any]], day: date) -> CriterionResult:
    """Seed 002: «Реализация дорожной карты».

    Every item due by ``day`` (the end of the period, or today if earlier) and not cancelled
    must be done by then. Items due later are not judged yet.
    """
    due = [i for i in items if i["status"] != CANCELLED and i["due_date"] <= day]
    if not due:
        return CriterionResult("roadmap", None, _("no roadmap items due in the period"))
    done = sum(1 for i in due if item_is_done_by(i, day))
    overdue = sum(1 for i in due if item_is_overdue_on(i, day))
    value = _("%(done)s of %(due)s items due are done (%(share)s %%), %(overdue)s overdue") % {
        "done": done,
        "due": len(due),
        "share": fmt(100.0 * done / len(due), 0),
        "overdue": overdue,
    }
    return CriterionResult("roadmap", done == len(due), value)


def criteria_for(
    *, results: list[dict[str, Any]], items: list[dict[str, Any]], years: Sequence[int], day: date
) -> list[CriterionResult]:
    return [
        criterion_no_below_threshold(results=results, year=years[-1]),
        criterion_positive_dynamics(results=results, years=years),
        criterion_roadmap_done(items=items, day=day),
    ]
