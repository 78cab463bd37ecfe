"""The category rules: ШНОР, ШНСУ, зона риска, школа-лидер. Pure functions, no database.

Sources:

* seed 002 (КБР concept): schools are identified by "the number of pupils who did not pass the
  base threshold in the mandatory subjects of ГИА" and success is "positive dynamics of the
  average score in mathematics and Russian over three years";
* seed 001: the risk zone of declining results, and the risk zone "by indicators: no stable
  internet access, not enough computers, teacher shortage (at least two factors)";
* DOMAIN.md: ШНСУ — difficult social context (share of pupils with disabilities, non-native
  speakers); школа-лидер — stable high results for 3–5 years.

A school gets one category per year, the first that applies in the order ШНОР, ШНСУ, зона
риска, школа-лидер; the reasons of every other rule that also applies are kept after the main
ones ("также: …"). Reasons are stored texts — a record of why, with the numbers, in Russian,
the language of the documents they end up in — so they are written here in Russian rather than
translated at display time (a change of interface language must not change a past decision).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

SHNOR, SHNSU, RISK, LEADER, OTHER = "shnor", "shnsu", "risk", "leader", "other"
PRIORITY = (SHNOR, SHNSU, RISK, LEADER)

MATH_SUBJECTS = ("math", "math_base", "math_profile")
MANDATORY_SUBJECTS = (*MATH_SUBJECTS, "russian")

SUBJECT_DATIVE = {
    "math": "математике",
    "math_base": "математике (базовой)",
    "math_profile": "математике (профильной)",
    "russian": "русскому языку",
}
SUBJECT_NOMINATIVE = {
    "math": "математика",
    "math_base": "математика (базовая)",
    "math_profile": "математика (профильная)",
    "russian": "русский язык",
}
KIND_LABEL = {"oge": "ОГЭ", "ege": "ЕГЭ", "vpr": "ВПР"}


@dataclass(frozen=True)
class Thresholds:
    """Mirror of ``CategoryRules`` with the same defaults (used when a region has none)."""

    window_years: int = 3
    shnor_share_below: float = 15.0
    shnor_subjects_min: int = 1
    shnor_years_min: int = 2
    risk_decline_percent: float = 5.0
    risk_context_factors_min: int = 2
    min_computers_per_student: float = 0.1
    teacher_vacancies_min: int = 1
    shnsu_ovz_share: float = 17.0
    shnsu_non_native_share: float = 25.0
    shnsu_factors_min: int = 1
    leader_max_share_below: float = 3.0
    leader_years: int = 3
    include_vpr: bool = False

    @classmethod
    def from_rules(cls, rules) -> Thresholds:
        values = {}
        for name in cls.__dataclass_fields__:
            value = getattr(rules, name)
            values[name] = float(value) if isinstance(value, Decimal) else value
        return cls(**values)


@dataclass(frozen=True)
class ResultFact:
    year: int
    kind: str
    subject: str
    participants: int
    average_score: float | None = None
    below_threshold: int | None = None
    grade: int | None = None

    @property
    def share_below(self) -> float | None:
        if self.below_threshold is None or not self.participants:
            return None
        return 100.0 * self.below_threshold / self.participants


@dataclass(frozen=True)
class ContextFact:
    year: int
    students: int | None = None
    share_ovz: float | None = None
    share_non_native: float | None = None
    stable_internet: bool | None = None
    computers_per_student: float | None = None
    teacher_vacancies: int | None = None


@dataclass
class Decision:
    year: int
    category: str
    reasons: list[dict] = field(default_factory=list)

    @property
    def texts(self) -> list[str]:
        return [r["text"] for r in self.reasons]


def fmt(value: float, decimals: int = 1) -> str:
    """18.0 → "18", 13.25 → "13,3" (decimal comma, as the reasons are Russian text)."""
    rounded = round(float(value), decimals)
    if rounded == int(rounded):
        return str(int(rounded))
    return f"{rounded:.{decimals}f}".replace(".", ",")


def _label(kind: str, subject: str, grade: int | None = None) -> str:
    text = f"{SUBJECT_DATIVE.get(subject, subject)} {KIND_LABEL.get(kind, kind)}"
    return f"{text} ({grade} класс)" if grade else text


def _order(item) -> tuple:
    (kind, subject, grade), _by_year = item
    return (("oge", "ege", "vpr").index(kind), MANDATORY_SUBJECTS.index(subject) // 3, grade or 0)


def _series(results: Iterable[ResultFact], t: Thresholds) -> dict[tuple, dict[int, ResultFact]]:
    """(kind, subject, grade) → year → fact, for the mandatory subjects only."""
    kinds = ("oge", "ege", "vpr") if t.include_vpr else ("oge", "ege")
    series: dict[tuple, dict[int, ResultFact]] = defaultdict(dict)
    for fact in results:
        if fact.kind in kinds and fact.subject in MANDATORY_SUBJECTS and fact.participants:
            series[(fact.kind, fact.subject, fact.grade)][fact.year] = fact
    return series


def rule_shnor(year: int, series: dict, t: Thresholds) -> list[dict]:
    """Share below the threshold over the limit in enough subjects, in enough of the years."""
    window = range(year - t.window_years + 1, year + 1)
    years_with_data, low_years, lines = set(), [], []
    for y in window:
        low = []
        for (kind, subject, grade), by_year in sorted(series.items(), key=_order):
            fact = by_year.get(y)
            if fact is None or fact.share_below is None:
                continue
            years_with_data.add(y)
            if fact.share_below > t.shnor_share_below:
                low.append(
                    "доля не преодолевших порог по "
                    f"{_label(kind, subject, grade)} {y}: {fmt(fact.share_below)} % "
                    f"(порог {fmt(t.shnor_share_below)} %)"
                )
        if len(low) >= t.shnor_subjects_min:
            low_years.append(y)
            lines.extend(low)
    needed = min(t.shnor_years_min, len(years_with_data))
    if not years_with_data or len(low_years) < max(needed, 1):
        return []
    summary = (
        f"низкие результаты в {len(low_years)} из {len(years_with_data)} лет с данными "
        f"за {window.start}–{window.stop - 1} (нужно не менее {needed})"
    )
    return [{"rule": SHNOR, "text": text} for text in [*lines, summary]]


def _declines(year: int, series: dict, t: Thresholds) -> tuple[list[dict], list[str]]:
    """Average-score falls of at least the limit between the first and last year with data."""
    window = range(year - t.window_years + 1, year + 1)
    falls, changes = [], []
    for (kind, subject, grade), by_year in sorted(series.items(), key=_order):
        points = [
            (y, by_year[y].average_score)
            for y in window
            if y in by_year and by_year[y].average_score is not None
        ]
        if len(points) < 2:
            continue
        (y0, first), (y1, last) = points[0], points[-1]
        if not first:
            continue
        change = 100.0 * (last - first) / first
        changes.append(
            f"{SUBJECT_NOMINATIVE.get(subject, subject)} {KIND_LABEL.get(kind, kind)}: "
            f"{fmt(first)} → {fmt(last)}"
        )
        if -change >= t.risk_decline_percent:
            falls.append(
                {
                    "rule": "risk_decline",
                    "text": (
                        f"средний балл по {_label(kind, subject, grade)} снизился с {fmt(first)} "
                        f"({y0}) до {fmt(last)} ({y1}): −{fmt(-change)} % "
                        f"(порог снижения {fmt(t.risk_decline_percent)} %)"
                    ),
                }
            )
    return falls, changes


def context_factors(context: ContextFact | None, t: Thresholds) -> list[str]:
    """Seed 001: no stable internet, not enough computers, teacher shortage."""
    if context is None:
        return []
    factors = []
    if context.stable_internet is False:
        factors.append("нет устойчивого доступа к интернету")
    if (
        context.computers_per_student is not None
        and context.computers_per_student < t.min_computers_per_student
    ):
        factors.append(
            f"компьютеров на одного обучающегося {fmt(context.computers_per_student, 2)} "
            f"(меньше {fmt(t.min_computers_per_student, 2)})"
        )
    if (
        context.teacher_vacancies is not None
        and context.teacher_vacancies >= t.teacher_vacancies_min
    ):
        factors.append(f"дефицит педагогических кадров: вакансий {context.teacher_vacancies}")
    return factors


def rule_risk_context(context: ContextFact | None, t: Thresholds) -> list[dict]:
    factors = context_factors(context, t)
    if len(factors) < t.risk_context_factors_min:
        return []
    return [
        {
            "rule": "risk_context",
            "text": (
                f"факторы риска ({len(factors)}, нужно не менее {t.risk_context_factors_min}): "
                + "; ".join(factors)
            ),
        }
    ]


def rule_shnsu(context: ContextFact | None, t: Thresholds) -> list[dict]:
    if context is None:
        return []
    factors = []
    if context.share_ovz is not None and context.share_ovz >= t.shnsu_ovz_share:
        factors.append(
            f"доля обучающихся с ОВЗ {fmt(context.share_ovz)} % (порог {fmt(t.shnsu_ovz_share)} %)"
        )
    if (
        context.share_non_native is not None
        and context.share_non_native >= t.shnsu_non_native_share
    ):
        factors.append(
            f"доля детей-инофонов {fmt(context.share_non_native)} % "
            f"(порог {fmt(t.shnsu_non_native_share)} %)"
        )
    if len(factors) < t.shnsu_factors_min:
        return []
    return [{"rule": SHNSU, "text": "сложный социальный контекст: " + "; ".join(factors)}]


def rule_leader(year: int, series: dict, t: Thresholds) -> list[dict]:
    """Stable high results: every year of the period has data, no subject over the (low)
    share below the threshold, and no average score falling."""
    years = range(year - t.leader_years + 1, year + 1)
    worst = 0.0
    for y in years:
        facts = [by_year[y] for by_year in series.values() if y in by_year]
        if not facts or not any(f.subject in MATH_SUBJECTS for f in facts):
            return []
        if not any(f.subject == "russian" for f in facts):
            return []
        for fact in facts:
            share = fact.share_below
            if share is None:
                return []
            worst = max(worst, share)
            if share > t.leader_max_share_below:
                return []
    falls, changes = _declines(year, series, replace(t, risk_decline_percent=0.0001))
    if falls:
        return []
    return [
        {
            "rule": LEADER,
            "text": (
                f"в {years.start}–{years.stop - 1} гг. доля не преодолевших порог по математике и "
                f"русскому языку не выше {fmt(t.leader_max_share_below)} % "
                f"(наибольшая: {fmt(worst)} %)"
            ),
        },
        {"rule": LEADER, "text": "средний балл не снижался: " + "; ".join(changes)},
    ]


def categorize(
    *,
    year: int,
    results: Iterable[ResultFact],
    contexts: Iterable[ContextFact],
    thresholds: Thresholds,
) -> Decision:
    """The category of one school in one year, with its reasons."""
    t = thresholds
    series = _series(results, t)
    by_year = {c.year: c for c in contexts if c.year <= year}
    context = by_year[max(by_year)] if by_year else None
    falls, _changes = _declines(year, series, t)
    found = {
        SHNOR: rule_shnor(year, series, t),
        SHNSU: rule_shnsu(context, t),
        RISK: falls + rule_risk_context(context, t),
        LEADER: [],
    }
    if not any(found.values()):
        found[LEADER] = rule_leader(year, series, t)
    main = next((c for c in PRIORITY if found[c]), OTHER)
    reasons = list(found.get(main, []))
    for category in PRIORITY:
        if category != main and found[category]:
            reasons.extend({**r, "text": f"также: {r['text']}"} for r in found[category])
    if main == OTHER:
        reasons.append({"rule": OTHER, "text": "ни одно правило категорий не выполнено"})
    return Decision(year=year, category=main, reasons=reasons)


def categorize_all(
    *,
    results: Iterable[ResultFact],
    contexts: Iterable[ContextFact],
    thresholds: Thresholds,
    years: Iterable[int] | None = None,
) -> list[Decision]:
    """A decision for each year with results or context (or the given years)."""
    results, contexts = list(results), list(contexts)
    wanted = sorted(
        set(years) if years is not None else {f.year for f in results} | {c.year for c in contexts}
    )
    return [
        categorize(year=y, results=results, contexts=contexts, thresholds=thresholds)
        for y in wanted
    ]
