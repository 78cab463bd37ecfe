"""Scoring of a risk profile: a pure function, no database (seed 001, «500+» risk profiles).

A factor's score is the weighted share of the maximum risk its indicators reached::

    score = 100 · Σ(weight · score/max_score) / Σ(weight)      over the indicators that count

An indicator counts when it was answered (questions) or its data exist (computed indicators) and
its weight is above zero. Unanswered optional questions and missing data are listed in the
explanation but leave the denominator, so they neither raise nor lower the score. A factor with
nothing that counts gets no level at all (``level=None``) rather than a made-up «low».
Each indicator's *contribution* is its part of the score in percentage points; contributions
add up to the factor's score, which is what the explanation on the profile page shows.

The level: ``score ≥ high_from`` → high, ``score ≥ medium_from`` → medium, otherwise low.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

#: The level vocabulary of the portal, defined here only (the lowest app, a pure module):
#: ``models.Level`` (the choices), ``partnerships.matching`` and ``knowledge.results`` import it.
HIGH, MEDIUM, LOW = "high", "medium", "low"
#: Severity order of the levels (low < medium < high).
LEVEL_ORDER = {LOW: 0, MEDIUM: 1, HIGH: 2}

#: Computed indicators: where the value comes from, as shown next to it on the profile page.
COMPUTED_SOURCES: dict[str, dict[str, Any]] = {
    "share_ovz": {
        "label": _("Share of students with disabilities (ОВЗ)"),
        "unit": "%",
        "source": _("school context"),
    },
    "teacher_vacancies": {
        "label": _("Teacher vacancies"),
        "unit": "",
        "source": _("school context"),
    },
    "stable_internet": {
        "label": _("Stable internet access (1 — yes, 0 — no)"),
        "unit": "",
        "source": _("school context"),
    },
    "computers_per_student": {
        "label": _("Computers per student"),
        "unit": "",
        "source": _("school context"),
    },
    "share_non_native": {
        "label": _("Share of non-native speakers"),
        "unit": "%",
        "source": _("school context"),
    },
    "share_below_threshold": {
        "label": _("Share of OGE/EGE participants below the base threshold"),
        "unit": "%",
        "source": _("OGE and EGE results"),
    },
}


@dataclass(frozen=True)
class OptionSpec:
    id: int
    text: str
    score: Decimal
    min_value: Decimal | None = None


@dataclass(frozen=True)
class IndicatorSpec:
    id: int
    code: str
    factor_code: int
    text: str
    options: tuple[OptionSpec, ...]
    weight: Decimal = Decimal(1)
    required: bool = True
    computed: bool = False
    source: str = ""
    help_text: str = ""

    @property
    def max_score(self) -> Decimal:
        return max((o.score for o in self.options), default=Decimal(0))


@dataclass(frozen=True)
class FactorSpec:
    code: int
    name: str
    short_name: str = ""
    medium_from: Decimal = Decimal(35)
    high_from: Decimal = Decimal(65)


@dataclass(frozen=True)
class InstrumentSpec:
    version: int
    factors: tuple[FactorSpec, ...]
    indicators: tuple[IndicatorSpec, ...]


@dataclass
class FactorResult:
    factor_code: int
    level: str | None  # None: nothing to score
    score: Decimal | None  # 0–100, two decimals
    items: list[dict[str, Any]] = field(default_factory=list)


def _q(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def level_for(*, score: Decimal, medium_from: Decimal, high_from: Decimal) -> str:
    if score >= high_from:
        return HIGH
    if score >= medium_from:
        return MEDIUM
    return LOW


def band_for(indicator: IndicatorSpec, value: Decimal) -> OptionSpec | None:
    """The band of a computed indicator: the highest ``min_value`` not above the value."""
    bands = [o for o in indicator.options if o.min_value is not None and o.min_value <= value]
    return max(bands, key=lambda o: o.min_value) if bands else None


def _item(indicator: IndicatorSpec, **data: Any) -> dict[str, Any]:
    return {
        "indicator_id": indicator.id,
        "code": indicator.code,
        "text": indicator.text,
        "kind": "computed" if indicator.computed else "question",
        "source": indicator.source,
        "weight": str(indicator.weight),
        "max_score": str(indicator.max_score),
        **data,
    }


def score_profile(
    *,
    instrument: InstrumentSpec,
    answers: Mapping[int, int],
    computed: Mapping[str, Decimal | None],
) -> list[FactorResult]:
    """Score every factor of the instrument.

    ``answers`` maps indicator id → chosen option id (questions); ``computed`` maps a source key
    of :data:`COMPUTED_SOURCES` → its value (``None`` or absent: no data). An answer whose
    option does not belong to the indicator is treated as unanswered (forms reject it earlier).
    """
    results = []
    by_factor: dict[int, list[IndicatorSpec]] = {}
    for indicator in instrument.indicators:
        by_factor.setdefault(indicator.factor_code, []).append(indicator)
    for factor in instrument.factors:
        items: list[dict[str, Any]] = []
        counted: list[tuple[dict[str, Any], Decimal, Decimal]] = []  # item, weight, ratio
        for indicator in by_factor.get(factor.code, []):
            option: OptionSpec | None = None
            value: Decimal | None = None
            if indicator.computed:
                raw = computed.get(indicator.source)
                value = None if raw is None else Decimal(str(raw))
                option = band_for(indicator, value) if value is not None else None
                status = "no_data" if value is None else "ok"
                if value is not None and option is None:
                    status = "no_band"
            else:
                chosen = answers.get(indicator.id)
                option = next((o for o in indicator.options if o.id == chosen), None)
                status = "ok" if option else "unanswered"
            item = _item(
                indicator,
                status=status,
                answer=option.text if option else "",
                option_id=option.id if option else None,
                value=None if value is None else str(value),
                score=None if option is None else str(option.score),
                contribution="0",
            )
            items.append(item)
            if option is None:
                continue
            if indicator.weight <= 0 or indicator.max_score <= 0:
                item["status"] = "zero_weight"
                continue
            counted.append((item, indicator.weight, option.score / indicator.max_score))
        total_weight = sum((w for _, w, _ in counted), Decimal(0))
        if not counted or total_weight <= 0:
            results.append(FactorResult(factor.code, None, None, items))
            continue
        score = Decimal(0)
        for item, weight, ratio in counted:
            contribution = 100 * weight * ratio / total_weight
            item["contribution"] = str(_q(contribution))
            item["share_of_weight"] = str(_q(100 * weight / total_weight))
            score += contribution
        score = _q(score)
        level = level_for(score=score, medium_from=factor.medium_from, high_from=factor.high_from)
        results.append(FactorResult(factor.code, level, score, items))
    return results


def missing_required(
    *, instrument: InstrumentSpec, answers: Mapping[int, int]
) -> dict[int, list[IndicatorSpec]]:
    """Required questions without a valid answer, grouped by factor code (for the submit check)."""
    missing: dict[int, list[IndicatorSpec]] = {}
    for indicator in instrument.indicators:
        if indicator.computed or not indicator.required:
            continue
        chosen = answers.get(indicator.id)
        if not any(o.id == chosen for o in indicator.options):
            missing.setdefault(indicator.factor_code, []).append(indicator)
    return missing


def compare_levels(before: str | None, after: str | None) -> str:
    """``improved`` / ``unchanged`` / ``worsened`` / ``unknown`` between two levels of a factor."""
    if before is None or after is None:
        return "unknown"
    diff = LEVEL_ORDER[after] - LEVEL_ORDER[before]
    if diff < 0:
        return "improved"
    if diff > 0:
        return "worsened"
    return "unchanged"


def share_below_threshold(results: Sequence[tuple[int, int | None]]) -> Decimal | None:
    """Percentage of participants below the base threshold over (participants, below) rows."""
    participants = sum(p for p, b in results if b is not None and p)
    below = sum(b for p, b in results if b is not None and p)
    if not participants:
        return None
    return _q(Decimal(100) * below / participants)
