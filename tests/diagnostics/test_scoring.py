"""The scoring is a pure function: these tests touch no database."""

from decimal import Decimal

from diagnostics import scoring
from diagnostics.scoring import FactorSpec, IndicatorSpec, InstrumentSpec, OptionSpec

D = Decimal


def question(id_, factor=1, weight=1, required=True, scores=(0, 1, 2)):
    return IndicatorSpec(
        id=id_,
        code=f"{factor}.{id_}",
        factor_code=factor,
        text=f"Вопрос {id_}",
        weight=D(weight),
        required=required,
        options=tuple(
            OptionSpec(id=id_ * 10 + n, text=f"в{n}", score=D(s)) for n, s in enumerate(scores)
        ),
    )


def computed(id_, source, bands, factor=1, weight=1):
    return IndicatorSpec(
        id=id_,
        code=f"{factor}.{id_}",
        factor_code=factor,
        text=source,
        weight=D(weight),
        required=False,
        computed=True,
        source=source,
        options=tuple(
            OptionSpec(id=id_ * 10 + n, text=f"от {m}", score=D(s), min_value=D(m))
            for n, (m, s) in enumerate(bands)
        ),
    )


def instrument(*indicators, factors=(1,)):
    return InstrumentSpec(
        version=1,
        factors=tuple(FactorSpec(code=c, name=f"Фактор {c}") for c in factors),
        indicators=indicators,
    )


def test_all_worst_answers_give_high_100():
    spec = instrument(question(1), question(2))
    [result] = scoring.score_profile(instrument=spec, answers={1: 12, 2: 22}, computed={})
    assert result.level == "high"
    assert result.score == D("100.00")


def test_weighted_score_and_contributions_add_up():
    spec = instrument(question(1, weight=3), question(2, weight=1))
    [result] = scoring.score_profile(instrument=spec, answers={1: 11, 2: 22}, computed={})
    # (3 · 1/2 + 1 · 2/2) / 4 = 62.5 %
    assert result.score == D("62.50")
    assert result.level == "medium"
    contributions = [D(i["contribution"]) for i in result.items]
    assert contributions == [D("37.50"), D("25.00")]
    assert sum(contributions) == result.score


def test_level_thresholds_are_inclusive():
    assert scoring.level_for(score=D(65), medium_from=D(35), high_from=D(65)) == "high"
    assert scoring.level_for(score=D("64.99"), medium_from=D(35), high_from=D(65)) == "medium"
    assert scoring.level_for(score=D(35), medium_from=D(35), high_from=D(65)) == "medium"
    assert scoring.level_for(score=D("34.99"), medium_from=D(35), high_from=D(65)) == "low"


def test_unanswered_optional_question_is_left_out_not_counted_as_zero():
    spec = instrument(question(1), question(2, required=False))
    [result] = scoring.score_profile(instrument=spec, answers={1: 12}, computed={})
    assert result.score == D("100.00")
    statuses = {i["code"]: i["status"] for i in result.items}
    assert statuses == {"1.1": "ok", "1.2": "unanswered"}


def test_zero_weight_indicator_is_shown_but_does_not_count():
    spec = instrument(question(1), question(2, weight=0))
    [result] = scoring.score_profile(instrument=spec, answers={1: 10, 2: 22}, computed={})
    assert result.score == D("0.00")
    assert result.level == "low"
    assert result.items[1]["status"] == "zero_weight"
    assert result.items[1]["contribution"] == "0"


def test_all_weights_zero_gives_no_level_rather_than_low():
    spec = instrument(question(1, weight=0), question(2, weight=0))
    [result] = scoring.score_profile(instrument=spec, answers={1: 12, 2: 22}, computed={})
    assert result.level is None
    assert result.score is None


def test_factor_without_indicators_or_answers_gets_no_level():
    spec = instrument(question(1, factor=1), factors=(1, 2))
    results = scoring.score_profile(instrument=spec, answers={}, computed={})
    assert [(r.factor_code, r.level) for r in results] == [(1, None), (2, None)]


def test_computed_indicator_uses_the_highest_band_not_above_the_value():
    ovz = computed(5, "share_ovz", [(0, 0), (7, 1), (12, 2)], factor=9)
    spec = instrument(ovz, factors=(9,))
    for value, level in ((D("6.99"), "low"), (D(7), "medium"), (D("16"), "high")):
        [result] = scoring.score_profile(instrument=spec, answers={}, computed={"share_ovz": value})
        assert result.level == level, value
        assert result.items[0]["value"] == str(value)


def test_missing_computed_data_is_explained_and_left_out():
    spec = instrument(question(1), computed(2, "teacher_vacancies", [(0, 0), (3, 2)]))
    [result] = scoring.score_profile(
        instrument=spec, answers={1: 11}, computed={"teacher_vacancies": None}
    )
    assert result.score == D("50.00")
    assert result.items[1]["status"] == "no_data"


def test_decreasing_bands_for_internet_and_computers():
    internet = computed(1, "stable_internet", [(0, 2), (1, 0)])
    spec = instrument(internet)
    [no] = scoring.score_profile(instrument=spec, answers={}, computed={"stable_internet": D(0)})
    [yes] = scoring.score_profile(instrument=spec, answers={}, computed={"stable_internet": D(1)})
    assert (no.level, yes.level) == ("high", "low")


def test_value_below_every_band_is_not_counted():
    spec = instrument(computed(1, "share_ovz", [(5, 1), (10, 2)]))
    [result] = scoring.score_profile(instrument=spec, answers={}, computed={"share_ovz": D(1)})
    assert result.level is None
    assert result.items[0]["status"] == "no_band"


def test_an_option_of_another_question_counts_as_unanswered():
    spec = instrument(question(1), question(2))
    [result] = scoring.score_profile(instrument=spec, answers={1: 22, 2: 22}, computed={})
    assert result.items[0]["status"] == "unanswered"
    assert result.score == D("100.00")


def test_missing_required_lists_questions_by_factor():
    spec = instrument(
        question(1, factor=1),
        question(2, factor=1, required=False),
        question(3, factor=2),
        computed(4, "share_ovz", [(0, 0)], factor=2),
        factors=(1, 2),
    )
    missing = scoring.missing_required(instrument=spec, answers={1: 10, 3: 999})
    assert {code: [i.id for i in items] for code, items in missing.items()} == {2: [3]}


def test_compare_levels():
    assert scoring.compare_levels("high", "medium") == "improved"
    assert scoring.compare_levels("low", "low") == "unchanged"
    assert scoring.compare_levels("low", "high") == "worsened"
    assert scoring.compare_levels(None, "high") == "unknown"


def test_share_below_threshold():
    assert scoring.share_below_threshold([(50, 5), (50, 0), (10, None)]) == D("5.00")
    assert scoring.share_below_threshold([(0, 0)]) is None
