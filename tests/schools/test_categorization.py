"""The category rules as pure functions: no database."""

from dataclasses import replace

from schools.categorization import (
    LEADER,
    OTHER,
    RISK,
    SHNOR,
    SHNSU,
    ContextFact,
    ResultFact,
    Thresholds,
    categorize,
    context_factors,
    fmt,
    rule_shnsu,
    rules_description,
)

T = Thresholds()


def results(
    kind="oge", years=(2024, 2025, 2026), math=(15, 15, 15), rus=(28, 28, 28), below=(1, 1, 1)
):
    facts = []
    for year, m, r, b in zip(years, math, rus, below, strict=True):
        facts.append(ResultFact(year, kind, "math", 100, m, b))
        facts.append(ResultFact(year, kind, "russian", 100, r, b))
    return facts


def test_fmt_uses_decimal_comma_and_drops_zero_decimals():
    assert fmt(18.0) == "18"
    assert fmt(13.25, 1) == "13,2" or fmt(13.25, 1) == "13,3"
    assert fmt(0.05, 2) == "0,05"


def test_shnor_needs_share_over_threshold_in_two_of_three_years():
    decision = categorize(year=2026, results=results(below=(18, 16, 10)), contexts=[], thresholds=T)
    assert decision.category == SHNOR
    assert "математика ОГЭ 2024: ниже порога у 18 из 100 (18 %), порог 15 %" in decision.texts
    assert "2024: 2 из 2 учтённых клеток с долей не менее 15 % (нужно не менее 1)" in decision.texts


def test_one_bad_year_out_of_three_is_not_shnor():
    decision = categorize(year=2026, results=results(below=(18, 10, 10)), contexts=[], thresholds=T)
    assert decision.category != SHNOR


def test_share_exactly_at_the_threshold_counts_as_published_rules_say_not_less_than():
    decision = categorize(year=2026, results=results(below=(15, 15, 15)), contexts=[], thresholds=T)
    assert decision.category == SHNOR
    decision = categorize(year=2026, results=results(below=(14, 14, 14)), contexts=[], thresholds=T)
    assert decision.category != SHNOR


def test_threshold_is_configurable():
    strict = replace(T, shnor_share_below=5.0)
    decision = categorize(
        year=2026, results=results(below=(6, 6, 6)), contexts=[], thresholds=strict
    )
    assert decision.category == SHNOR
    assert decision.texts[0] == "математика ОГЭ 2024: ниже порога у 6 из 100 (6 %), порог 5 %"


def test_only_year_with_data_is_enough_for_a_new_school():
    decision = categorize(
        year=2026,
        results=results(years=(2026,), math=(15,), rus=(28,), below=(30,)),
        contexts=[],
        thresholds=T,
    )
    assert decision.category == SHNOR


def test_falling_average_puts_school_in_risk_zone_with_numbers():
    decision = categorize(
        year=2026, results=results(math=(15, 14.5, 14)), contexts=[], thresholds=T
    )
    assert decision.category == RISK
    assert any(
        "средний балл по математике ОГЭ снизился с 15 (2024) до 14 (2026): −6,7 %" in t
        for t in decision.texts
    )


def test_small_fall_is_below_the_decline_threshold():
    decision = categorize(
        year=2026, results=results(math=(15, 14.9, 14.8)), contexts=[], thresholds=T
    )
    assert decision.category != RISK


def test_two_context_factors_put_school_in_risk_zone():
    context = ContextFact(
        2026, stable_internet=False, computers_per_student=0.05, teacher_vacancies=0
    )
    decision = categorize(year=2026, results=[], contexts=[context], thresholds=T)
    assert decision.category == RISK
    assert "нет устойчивого доступа к интернету" in decision.texts[0]


def test_one_context_factor_is_not_enough():
    context = ContextFact(
        2026, stable_internet=False, computers_per_student=0.5, teacher_vacancies=0
    )
    assert context_factors(context, T) == ["нет устойчивого доступа к интернету"]
    assert categorize(year=2026, results=[], contexts=[context], thresholds=T).category == OTHER


def test_shnsu_from_social_context():
    context = ContextFact(2026, share_ovz=20.0, share_non_native=2.0)
    decision = categorize(year=2026, results=results(), contexts=[context], thresholds=T)
    assert decision.category == SHNSU
    assert "доля обучающихся с ОВЗ 20 % (порог 17 %)" in decision.texts[0]


def test_shnor_wins_and_keeps_other_reasons_as_also():
    context = ContextFact(2026, share_ovz=20.0, stable_internet=False, computers_per_student=0.01)
    decision = categorize(
        year=2026, results=results(below=(20, 20, 20)), contexts=[context], thresholds=T
    )
    assert decision.category == SHNOR
    assert any(t.startswith("также: сложный социальный контекст") for t in decision.texts)
    assert any(t.startswith("также: факторы риска") for t in decision.texts)


def test_leader_needs_three_years_of_low_failure_and_no_fall():
    good = results(math=(16, 16.5, 17), below=(1, 0, 2))
    assert categorize(year=2026, results=good, contexts=[], thresholds=T).category == LEADER
    short = results(years=(2025, 2026), math=(16, 17), rus=(28, 28), below=(0, 0))
    assert categorize(year=2026, results=short, contexts=[], thresholds=T).category == OTHER
    slipping = results(math=(17, 16.9, 16.95), below=(0, 0, 0))
    assert categorize(year=2026, results=slipping, contexts=[], thresholds=T).category == OTHER


def test_leader_needs_both_mathematics_and_russian():
    only_math = [f for f in results(below=(0, 0, 0)) if f.subject == "math"]
    assert categorize(year=2026, results=only_math, contexts=[], thresholds=T).category == OTHER


def test_results_without_below_threshold_do_not_count():
    facts = [ResultFact(y, "ege", "total", 100, None, None) for y in (2024, 2025, 2026)]
    assert categorize(year=2026, results=facts, contexts=[], thresholds=T).category == OTHER


def test_vpr_counts_only_when_the_region_says_so():
    vpr = [ResultFact(y, "vpr", "math", 100, 3.0, 40, grade=5) for y in (2024, 2025, 2026)]
    assert categorize(year=2026, results=vpr, contexts=[], thresholds=T).category == OTHER
    with_vpr = replace(T, include_vpr=True)
    decision = categorize(year=2026, results=vpr, contexts=[], thresholds=with_vpr)
    assert decision.category == SHNOR
    assert decision.texts[0] == "математика ВПР 5 класс 2024: «2» у 40 из 100 (40 %), порог 15 %"


def test_vpr_counts_by_default_when_it_is_the_only_data_of_the_region():
    vpr = [ResultFact(2021, "vpr", "math", 41, None, 14, grade=4)]
    decision = categorize(year=2021, results=vpr, contexts=[], thresholds=replace(T, vpr_only=True))
    assert decision.category == SHNOR
    assert decision.texts[0] == "математика ВПР 4 класс 2021: «2» у 14 из 41 (34,1 %), порог 15 %"


def test_no_data_in_the_counted_cells_is_said_plainly():
    vpr = [ResultFact(2021, "vpr", "math", 41, None, 14, grade=4)]
    decision = categorize(year=2021, results=vpr, contexts=[], thresholds=T)
    assert decision.category == OTHER
    assert decision.texts == [
        "категории ШНОР и школа-лидер по результатам не определить: нет результатов в "
        "учитываемых клетках (ОГЭ, ЕГЭ × математика, русский язык) за 2019–2021"
    ]


# --- optional questionnaire factors (issue 14: the ФИС ОКО context questionnaire) ------------


def test_questionnaire_factors_are_off_unless_the_rules_name_them():
    village = ContextFact(
        2026,
        settlement_type="village",
        settlement_size=300,
        is_boarding=True,
        students=400,
        teachers=10,
    )
    assert rule_shnsu(village, T) == []
    assert context_factors(village, T) == []


def test_village_small_settlement_and_special_school_are_shnsu_factors_when_chosen():
    rules = replace(
        T,
        shnsu_village=True,
        shnsu_settlement_population_max=500,
        shnsu_special_school=True,
        shnsu_factors_min=3,
    )
    village = ContextFact(
        2026, settlement_type="village", settlement_size=300, is_boarding=True, is_evening=True
    )
    [reason] = rule_shnsu(village, rules)
    assert reason["text"] == (
        "сложный социальный контекст: сельская школа; населённый пункт 300 жит. (не более 500); "
        "школа-интернат, вечерняя школа"
    )
    # A town of 30,000 with a correctional school: one factor of the three needed.
    town = ContextFact(2026, settlement_type="town", settlement_size=30000, is_correctional=True)
    assert rule_shnsu(town, rules) == []
    assert rule_shnsu(town, replace(rules, shnsu_factors_min=1))[0]["text"].endswith(
        "коррекционная школа"
    )
    # Unknown size is not «small».
    assert rule_shnsu(ContextFact(2026), replace(rules, shnsu_factors_min=1)) == []


def test_pupils_per_teacher_is_the_teacher_shortage_factor_counted_once():
    rules = replace(T, max_students_per_teacher=20.0)
    crowded = ContextFact(2026, students=450, teachers=18, stable_internet=False)
    assert context_factors(crowded, rules) == [
        "нет устойчивого доступа к интернету",
        "дефицит педагогических кадров: 25 обучающихся на одного педагога (больше 20)",
    ]
    assert categorize(year=2026, results=[], contexts=[crowded], thresholds=rules).category == RISK
    both = ContextFact(2026, students=450, teachers=18, teacher_vacancies=2)
    [factor] = context_factors(both, rules)
    assert factor.startswith("дефицит педагогических кадров: вакансий 2, 25 ")
    assert context_factors(ContextFact(2026, students=450, teachers=30), rules) == []
    assert context_factors(ContextFact(2026, students=450), rules) == []


def test_rules_in_words_name_the_chosen_questionnaire_factors():
    words = " ".join(
        rules_description(replace(T, shnsu_village=True, max_students_per_teacher=20.0))
    )
    assert "сельская школа" in words and "больше 20 обучающихся на одного педагога" in words
    assert "сельская школа" not in " ".join(rules_description(T))


def test_shnor_reasons_agree_in_number_with_one_year_and_one_cell():
    """«в 1 из 1 года», «1 из 1 учтённой клетки» — not «из 1 лет», «из 1 учтённых клеток»
    (a school with one year of results in the window, as on the demo's МОБУ «ООШ № 1»)."""
    facts = [ResultFact(2024, "oge", "math", 18, 10, 4)]
    decision = categorize(year=2024, results=facts, contexts=[], thresholds=T)
    assert decision.category == SHNOR
    assert "2024: 1 из 1 учтённой клетки с долей не менее 15 % (нужно не менее 1)" in decision.texts
    assert any(t.startswith("низкие результаты в 1 из 1 года с данными за") for t in decision.texts)
