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
    "physics": "физика",
    "chemistry": "химия",
    "biology": "биология",
    "geography": "география",
    "history": "история",
    "social": "обществознание",
    "literature": "литература",
    "informatics": "информатика",
    "english": "английский язык",
    "foreign": "иностранный язык",
    "surroundings": "окружающий мир",
    "total": "все предметы",
}
KIND_LABEL = {"oge": "ОГЭ", "ege": "ЕГЭ", "vpr": "ВПР"}


@dataclass(frozen=True)
class Thresholds:
    """Mirror of ``CategoryRules`` with the same defaults (used when a region has none).

    Shares are compared «не менее» (≥) as published rules write them; a *cell* is one
    school × year × kind × grade × subject. ``cell_kinds``, ``cell_grades`` and
    ``cell_subjects`` choose the cells the ШНОР and leader rules look at (empty: ОГЭ and ЕГЭ,
    every grade, mathematics and Russian); a cell with fewer than ``min_participants`` is left
    out of both rules, and the reasons say so. ``vpr_only`` is not a rule but a fact about the
    region's data: with no ОГЭ/ЕГЭ result at all, ВПР counts by default.
    """

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
    shnsu_village: bool = False
    shnsu_settlement_population_max: int | None = None
    shnsu_special_school: bool = False
    max_students_per_teacher: float | None = None
    leader_max_share_below: float = 3.0
    leader_share_4_5_min: float | None = None
    leader_years: int = 3
    include_vpr: bool = False
    min_participants: int = 1
    cell_kinds: tuple[str, ...] = ()
    cell_grades: tuple[int, ...] = ()
    cell_subjects: tuple[str, ...] = ()
    vpr_only: bool = False

    @classmethod
    def from_rules(cls, rules, *, vpr_only: bool = False) -> Thresholds:
        values = {}
        for name in cls.__dataclass_fields__:
            if name == "vpr_only":
                continue
            value = getattr(rules, name)
            if isinstance(value, Decimal):
                value = float(value)
            elif isinstance(value, list):
                value = tuple(value)
            values[name] = value
        return cls(**values, vpr_only=vpr_only)

    @property
    def kinds(self) -> tuple[str, ...]:
        if self.cell_kinds:
            return tuple(k for k in ("oge", "ege", "vpr") if k in self.cell_kinds)
        return ("oge", "ege", "vpr") if self.include_vpr or self.vpr_only else ("oge", "ege")

    @property
    def subjects(self) -> tuple[str, ...]:
        """The chosen subjects; «математика» stands for its basic and profile levels too."""
        if not self.cell_subjects:
            return MANDATORY_SUBJECTS
        chosen = set(self.cell_subjects)
        if "math" in chosen:
            chosen |= set(MATH_SUBJECTS)
        return tuple(sorted(chosen))

    def counts_cell(self, kind: str, subject: str, grade: int | None) -> bool:
        if kind not in self.kinds or subject not in self.subjects:
            return False
        return not self.cell_grades or grade is None or grade in self.cell_grades


@dataclass(frozen=True)
class ResultFact:
    year: int
    kind: str
    subject: str
    participants: int
    average_score: float | None = None
    #: pupils below the base threshold; for ВПР the count of «2»
    below_threshold: int | None = None
    grade: int | None = None
    #: marks «4» and «5» together, when the file gives counts of marks
    marks_4_5: int | None = None

    @property
    def share_below(self) -> float | None:
        if self.below_threshold is None or not self.participants:
            return None
        return 100.0 * self.below_threshold / self.participants

    @property
    def share_4_5(self) -> float | None:
        if self.marks_4_5 is None or not self.participants:
            return None
        return 100.0 * self.marks_4_5 / self.participants


@dataclass(frozen=True)
class ContextFact:
    year: int
    students: int | None = None
    share_ovz: float | None = None
    share_non_native: float | None = None
    stable_internet: bool | None = None
    computers_per_student: float | None = None
    teacher_vacancies: int | None = None
    teachers: int | None = None
    settlement_type: str = ""
    settlement_size: int | None = None
    is_boarding: bool | None = None
    is_correctional: bool | None = None
    is_evening: bool | None = None

    @property
    def students_per_teacher(self) -> float | None:
        if not self.students or not self.teachers:
            return None
        return self.students / self.teachers


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


def num(value: float) -> str:
    """A threshold as written, up to three decimals: 30 → "30", 30.5 → "30,5", 29.99 → "29,99"."""
    text = f"{round(float(value), 3):.3f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _label(kind: str, subject: str, grade: int | None = None) -> str:
    text = f"{SUBJECT_DATIVE.get(subject, SUBJECT_NOMINATIVE.get(subject, subject))} {KIND_LABEL.get(kind, kind)}"
    return f"{text} ({grade} класс)" if grade else text


def cell_label(kind: str, subject: str, grade: int | None = None, year: int | None = None) -> str:
    """«математика ВПР 4 класс 2021»."""
    parts = [SUBJECT_NOMINATIVE.get(subject, subject), KIND_LABEL.get(kind, kind)]
    if grade:
        parts.append(f"{grade} класс")
    if year:
        parts.append(str(year))
    return " ".join(parts)


def plural(n: int, one: str, few: str, many: str) -> str:
    """Russian plural: 1 участник, 2 участника, 5 участников."""
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} и {items[-1]}"


def _subject_rank(subject: str) -> tuple:
    if subject in MATH_SUBJECTS:
        return (0, MATH_SUBJECTS.index(subject))
    return (1, 0) if subject == "russian" else (2, subject)


def _order(item) -> tuple:
    (kind, subject, grade), _by_year = item
    return (("oge", "ege", "vpr").index(kind), _subject_rank(subject), grade or 0)


def cells_text(t: Thresholds) -> str:
    """Which cells count, in words: «ВПР, 4 и 5 класс × математика, русский язык»."""
    kinds = ", ".join(KIND_LABEL[k] for k in t.kinds)
    if t.cell_grades and "vpr" in t.kinds:
        kinds += f", {_and([str(g) for g in sorted(t.cell_grades)])} класс"
    elif "vpr" in t.kinds:
        kinds += " (все классы)"
    chosen = t.cell_subjects or ("math", "russian")
    subjects = sorted(chosen, key=_subject_rank)
    return f"{kinds} × {', '.join(SUBJECT_NOMINATIVE.get(s, s) for s in subjects)}"


def cells_count(t: Thresholds) -> int | None:
    """How many cells a school has at most in a year, when the choice fixes it."""
    if not t.cell_kinds:
        return None
    subjects = len(t.cell_subjects or ("math", "russian"))
    total = 0
    for kind in t.kinds:
        if kind == "vpr":
            if not t.cell_grades:
                return None
            total += subjects * len(t.cell_grades)
        else:
            total += subjects
    return total


def _series(results: Iterable[ResultFact], t: Thresholds) -> tuple[dict, dict]:
    """(kind, subject, grade) → year → fact for the counted cells with enough participants,
    and the same for the counted cells with fewer (left out of the ШНОР and leader rules)."""
    series: dict[tuple, dict[int, ResultFact]] = defaultdict(dict)
    small: dict[tuple, dict[int, ResultFact]] = defaultdict(dict)
    for fact in results:
        if not fact.participants or not t.counts_cell(fact.kind, fact.subject, fact.grade):
            continue
        target = series if fact.participants >= t.min_participants else small
        target[(fact.kind, fact.subject, fact.grade)][fact.year] = fact
    return series, small


_EPS = 1e-9


def _at_least(count: int, participants: int, percent: float) -> bool:
    """count / participants ≥ percent % without rounding surprises (3 of 10 is 30 %)."""
    return 100.0 * count >= percent * participants - _EPS


def _share_phrase(kind: str, count: int, participants: int) -> str:
    what = "«2»" if kind == "vpr" else "ниже порога"
    return f"{what} у {count} из {participants} ({fmt(100.0 * count / participants)} %)"


def rule_shnor(year: int, series: dict, t: Thresholds) -> list[dict]:
    """At least K of the counted cells (with enough participants) have a share of «2» (ОГЭ,
    ЕГЭ: below the base threshold) of at least the limit, in enough of the years."""
    window = range(year - t.window_years + 1, year + 1)
    years_with_data, low_years, lines, per_year = set(), [], [], []
    for y in window:
        low, cells = [], 0
        for (kind, subject, grade), by_year in sorted(series.items(), key=_order):
            fact = by_year.get(y)
            if fact is None or fact.below_threshold is None:
                continue
            years_with_data.add(y)
            cells += 1
            if _at_least(fact.below_threshold, fact.participants, t.shnor_share_below):
                low.append(
                    f"{cell_label(kind, subject, grade, y)}: "
                    f"{_share_phrase(kind, fact.below_threshold, fact.participants)}, "
                    f"порог {num(t.shnor_share_below)} %"
                )
        if cells and len(low) >= t.shnor_subjects_min:
            low_years.append(y)
            lines.extend(low)
            per_year.append(
                f"{y}: {len(low)} из {cells} "
                f"{plural(cells, 'учтённой клетки', 'учтённых клеток', 'учтённых клеток')} "
                "с долей не менее "
                f"{num(t.shnor_share_below)} % (нужно не менее {t.shnor_subjects_min})"
            )
    needed = min(t.shnor_years_min, len(years_with_data))
    if not years_with_data or len(low_years) < max(needed, 1):
        return []
    if t.window_years > 1:
        per_year.append(
            f"низкие результаты в {len(low_years)} из {len(years_with_data)} "
            f"{plural(len(years_with_data), 'года', 'лет', 'лет')} с данными "
            f"за {window.start}–{window.stop - 1} (нужно не менее {needed})"
        )
    return [{"rule": SHNOR, "text": text} for text in [*lines, *per_year]]


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
                        f"(порог снижения {num(t.risk_decline_percent)} %)"
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
            f"(меньше {num(t.min_computers_per_student)})"
        )
    shortage = []
    if (
        context.teacher_vacancies is not None
        and context.teacher_vacancies >= t.teacher_vacancies_min
    ):
        shortage.append(f"вакансий {context.teacher_vacancies}")
    ratio = context.students_per_teacher
    if (
        t.max_students_per_teacher is not None
        and ratio is not None
        and ratio > t.max_students_per_teacher
    ):
        shortage.append(
            f"{fmt(ratio)} обучающихся на одного педагога "
            f"(больше {num(t.max_students_per_teacher)})"
        )
    if shortage:
        # One factor however it shows (seed 001 counts «дефицит кадров» once).
        factors.append("дефицит педагогических кадров: " + ", ".join(shortage))
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
            f"доля обучающихся с ОВЗ {fmt(context.share_ovz)} % (порог {num(t.shnsu_ovz_share)} %)"
        )
    if (
        context.share_non_native is not None
        and context.share_non_native >= t.shnsu_non_native_share
    ):
        factors.append(
            f"доля детей-инофонов {fmt(context.share_non_native)} % "
            f"(порог {num(t.shnsu_non_native_share)} %)"
        )
    if t.shnsu_village and context.settlement_type == "village":
        factors.append("сельская школа")
    if (
        t.shnsu_settlement_population_max is not None
        and context.settlement_size is not None
        and context.settlement_size <= t.shnsu_settlement_population_max
    ):
        factors.append(
            f"населённый пункт {context.settlement_size} жит. "
            f"(не более {t.shnsu_settlement_population_max})"
        )
    if t.shnsu_special_school:
        kinds = [
            name
            for flag, name in (
                (context.is_boarding, "школа-интернат"),
                (context.is_correctional, "коррекционная школа"),
                (context.is_evening, "вечерняя школа"),
            )
            if flag
        ]
        if kinds:
            factors.append(", ".join(kinds))
    if len(factors) < t.shnsu_factors_min:
        return []
    return [{"rule": SHNSU, "text": "сложный социальный контекст: " + "; ".join(factors)}]


def _subject_group(subject: str) -> str:
    return "math" if subject in MATH_SUBJECTS else subject


def _missing_cells(facts: list[tuple[tuple, ResultFact]], t: Thresholds) -> list[str]:
    """The chosen cells absent from one year (with enough participants); with no explicit
    choice of kinds, mathematics and Russian must be there (seed 002)."""
    present = {(k, _subject_group(s), g) for (k, s, g), _f in facts}
    if not t.cell_kinds:
        groups = {s for _k, s, _g in present}
        return [SUBJECT_NOMINATIVE[s] for s in ("math", "russian") if s not in groups]
    kinds = t.kinds
    wanted = [
        (kind, subject, grade)
        for kind in kinds
        for subject in sorted(t.cell_subjects or ("math", "russian"), key=_subject_rank)
        for grade in (sorted(t.cell_grades) if kind == "vpr" and t.cell_grades else [None])
    ]
    return [
        cell_label(kind, subject, grade)
        for kind, subject, grade in wanted
        if not any(
            k == kind and s == subject and (grade is None or g == grade) for k, s, g in present
        )
    ]


def rule_leader(year: int, series: dict, t: Thresholds) -> list[dict]:
    """Stable high results: every year of the period has every chosen cell with enough
    participants, a share of «2» (below the threshold) of at most the limit in each,
    «4»+«5» of at least the limit when the region sets one, and no average score falling.
    One year is enough when the region says so (a region with one year of ВПР)."""
    years = range(year - t.leader_years + 1, year + 1)
    worst, least, cells = 0.0, None, 0
    for y in years:
        facts = [(key, by_year[y]) for key, by_year in series.items() if y in by_year]
        if not facts or _missing_cells(facts, t):
            return []
        for _key, fact in facts:
            share = fact.share_below
            if share is None or share > t.leader_max_share_below + _EPS:
                return []
            worst = max(worst, share)
            if t.leader_share_4_5_min is not None:
                high = fact.share_4_5
                if high is None or not _at_least(
                    fact.marks_4_5, fact.participants, t.leader_share_4_5_min
                ):
                    return []
                least = high if least is None else min(least, high)
            cells += 1
    falls, changes = _declines(year, series, replace(t, risk_decline_percent=0.0001))
    if falls:
        return []
    period = f"{years.start} г." if len(years) == 1 else f"{years.start}–{years.stop - 1} гг."
    what = "«2»" if t.kinds == ("vpr",) else "не преодолевших порог («2» в ВПР)"
    text = (
        f"в {period} все учитываемые клетки ({cells_text(t)}; {cells} с не менее "
        f"{t.min_participants} {plural(t.min_participants, 'участником', 'участниками', 'участниками')}): "
        f"доля {what} не выше {num(t.leader_max_share_below)} % (наибольшая: {fmt(worst)} %)"
    )
    if least is not None:
        text += (
            f"; доля «4» и «5» не менее {num(t.leader_share_4_5_min)} % "
            f"(наименьшая: {fmt(least)} %)"
        )
    reasons = [{"rule": LEADER, "text": text}]
    if changes:
        reasons.append({"rule": LEADER, "text": "средний балл не снижался: " + "; ".join(changes)})
    return reasons


def _notes(year: int, series: dict, small: dict, t: Thresholds) -> list[dict]:
    """Why cells were left out, and why the result rules could not decide at all."""
    window = range(year - max(t.window_years, t.leader_years) + 1, year + 1)
    left_out = [
        f"{cell_label(kind, subject, grade, y)} "
        f"({fact.participants} {plural(fact.participants, 'участник', 'участника', 'участников')})"
        for (kind, subject, grade), by_year in sorted(small.items(), key=_order)
        for y, fact in sorted(by_year.items())
        if y in window
    ]
    notes = []
    has_data = any(y in window for by_year in series.values() for y in by_year)
    if not has_data:
        why = (
            f"все клетки меньше {t.min_participants} участников"
            if left_out
            else f"нет результатов в учитываемых клетках ({cells_text(t)})"
        )
        notes.append(
            {
                "rule": "no_data",
                "text": (
                    f"категории ШНОР и школа-лидер по результатам не определить: {why} "
                    f"за {window.start}–{window.stop - 1}"
                    if len(window) > 1
                    else f"категории ШНОР и школа-лидер по результатам не определить: {why} "
                    f"за {year}"
                ),
            }
        )
    if left_out:
        notes.append(
            {
                "rule": "small_cells",
                "text": (
                    f"не учтены клетки, где меньше {t.min_participants} участников: "
                    + "; ".join(left_out)
                ),
            }
        )
    return notes


def categorize(
    *,
    year: int,
    results: Iterable[ResultFact],
    contexts: Iterable[ContextFact],
    thresholds: Thresholds,
) -> Decision:
    """The category of one school in one year, with its reasons."""
    t = thresholds
    series, small = _series(results, t)
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
    notes = _notes(year, series, small, t)
    if main == OTHER and not any(n["rule"] == "no_data" for n in notes):
        reasons.append({"rule": OTHER, "text": "ни одно правило категорий не выполнено"})
    reasons.extend(notes)
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


def rules_description(t: Thresholds) -> list[str]:
    """The rules in words, one paragraph each, for the printed page a region publishes."""
    min_p = t.min_participants
    count = cells_count(t)
    cells = cells_text(t) + (
        f" ({count} {plural(count, 'клетка', 'клетки', 'клеток')} в год)" if count else ""
    )
    two = "«2» (в ОГЭ и ЕГЭ — не преодолевших минимальный порог)"
    if t.kinds == ("vpr",):
        two = "«2»"
    years = (
        "в последнем году"
        if t.window_years == 1
        else f"не менее чем в {t.shnor_years_min} из последних {t.window_years} лет "
        "(меньше, если данных меньше)"
    )
    vpr_note = ""
    if not t.cell_kinds and not t.include_vpr:
        vpr_note = (
            " ВПР учитываются, потому что других результатов у региона нет."
            if t.vpr_only
            else " ВПР не учитываются (учитываются, если у региона нет результатов ОГЭ и ЕГЭ)."
        )
    text = [
        f"Учитываемые клетки (школа × год × процедура × класс × предмет): {cells}. "
        f"Клетка, где меньше {min_p} "
        f"{plural(min_p, 'участника', 'участников', 'участников')}, не учитывается ни в "
        "правиле ШНОР, ни в правиле школы-лидера; в обосновании категории она названа." + vpr_note,
        f"ШНОР — школа, у которой не менее {t.shnor_subjects_min} из учитываемых клеток "
        f"с не менее {min_p} {plural(min_p, 'участником', 'участниками', 'участниками')} "
        f"имеют долю отметок {two} не менее {num(t.shnor_share_below)} %, {years}.",
        f"ШНСУ — школа, где выполнено не менее {t.shnsu_factors_min} из условий: "
        + "; ".join(_shnsu_conditions(t))
        + ".",
        f"Зона риска — средний балл по учитываемому предмету снизился не менее чем на "
        f"{num(t.risk_decline_percent)} % между первым и последним годом из последних "
        f"{t.window_years}, или выполнено не менее {t.risk_context_factors_min} из условий: "
        f"нет устойчивого доступа к интернету; компьютеров на обучающегося меньше "
        f"{num(t.min_computers_per_student)}; дефицит педагогических кадров — вакансий "
        f"педагогов не менее {t.teacher_vacancies_min}"
        + (
            f" или больше {num(t.max_students_per_teacher)} обучающихся на одного педагога"
            if t.max_students_per_teacher is not None
            else ""
        )
        + ".",
    ]
    period = (
        "в последнем году" if t.leader_years == 1 else f"в каждом из последних {t.leader_years} лет"
    )
    leader = (
        f"Школа-лидер — {period} есть все учитываемые клетки с не менее {min_p} "
        f"{plural(min_p, 'участником', 'участниками', 'участниками')}, и в каждой доля "
        + (
            "отметок «2» равна нулю"
            if t.leader_max_share_below == 0
            else f"отметок {two} не выше {num(t.leader_max_share_below)} %"
        )
    )
    if t.leader_share_4_5_min is not None:
        leader += f", доля отметок «4» и «5» не менее {num(t.leader_share_4_5_min)} %"
    if t.leader_years > 1:
        leader += "; средний балл ни по одной клетке не снижался"
    text.append(leader + ".")
    text.append(
        "Школе присваивается первая подходящая категория в порядке: ШНОР, ШНСУ, зона риска, "
        "школа-лидер; обоснования остальных сохраняются («также: …»). Доли сравниваются "
        "«не менее» (≥) без округления: 3 из 10 — это 30 %."
    )
    return text


def _shnsu_conditions(t: Thresholds) -> list[str]:
    conditions = [
        f"доля обучающихся с ОВЗ не менее {num(t.shnsu_ovz_share)} %",
        f"доля детей-инофонов не менее {num(t.shnsu_non_native_share)} %",
    ]
    if t.shnsu_village:
        conditions.append("сельская школа")
    if t.shnsu_settlement_population_max is not None:
        conditions.append(f"населённый пункт не более {t.shnsu_settlement_population_max} жителей")
    if t.shnsu_special_school:
        conditions.append("школа-интернат, коррекционная или вечерняя школа")
    return conditions


# --- Cells for the matcher (partnerships.matching): weak at a school, strong at a leader ------


def cell_key(kind: str, subject: str, grade: int | None) -> str:
    """«vpr:4:math» — the same cell across schools (basic and profile mathematics are one)."""
    return f"{kind}:{grade or ''}:{_subject_group(subject)}"


def _latest(series: dict) -> int | None:
    return max((y for by_year in series.values() for y in by_year), default=None)


def weak_cells(results: Iterable[ResultFact], t: Thresholds) -> dict[str, str]:
    """The counted cells of the school's latest year whose share of «2» (below the threshold)
    reaches the ШНОР limit: cell key → the counts in words."""
    series, _small = _series(results, t)
    year = _latest(series)
    found = {}
    for (kind, subject, grade), by_year in sorted(series.items(), key=_order):
        fact = by_year.get(year)
        if fact is None or fact.below_threshold is None:
            continue
        if _at_least(fact.below_threshold, fact.participants, t.shnor_share_below):
            found[cell_key(kind, subject, grade)] = (
                f"{_share_phrase(kind, fact.below_threshold, fact.participants)} в {year}"
            )
    return found


def strong_cells(results: Iterable[ResultFact], t: Thresholds) -> dict[str, str]:
    """The counted cells of the latest year that meet the leader rule's per-cell criteria —
    «2» at most the leader limit and, when set, «4»+«5» at least its limit: a strength derived
    from results, not declared."""
    series, _small = _series(results, t)
    year = _latest(series)
    found = {}
    for (kind, subject, grade), by_year in sorted(series.items(), key=_order):
        fact = by_year.get(year)
        share = fact.share_below if fact is not None else None
        if share is None or share > t.leader_max_share_below + _EPS:
            continue
        text = _share_phrase(kind, fact.below_threshold, fact.participants)
        if fact.marks_4_5 is not None:
            if t.leader_share_4_5_min is not None and not _at_least(
                fact.marks_4_5, fact.participants, t.leader_share_4_5_min
            ):
                continue
            text += f", «4» и «5» у {fact.marks_4_5} ({fmt(fact.share_4_5)} %)"
        elif t.leader_share_4_5_min is not None:
            continue
        found[cell_key(kind, subject, grade)] = f"{text} в {year}"
    return found
