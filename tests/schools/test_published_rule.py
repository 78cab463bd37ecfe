"""The region's published rule, stated exactly (issue 14): «не менее 2 из 4 клеток (ВПР 4 и 5
класс × математика и русский язык) с не менее 10 участниками имеют 30 % и более отметок «2»»."""

from dataclasses import replace

import pytest

from schools.categorization import (
    LEADER,
    OTHER,
    SHNOR,
    ResultFact,
    Thresholds,
    categorize,
    cells_count,
    cells_text,
)

PUBLISHED = replace(
    Thresholds(),
    window_years=1,
    shnor_years_min=1,
    shnor_subjects_min=2,
    shnor_share_below=30.0,
    min_participants=10,
    cell_kinds=("vpr",),
    cell_grades=(4, 5),
    cell_subjects=("math", "russian"),
    leader_years=1,
    leader_max_share_below=0.0,
    leader_share_4_5_min=60.0,
)


def vpr(grade, subject, participants, twos, fours_fives=None, year=2021):
    return ResultFact(year, "vpr", subject, participants, None, twos, grade, fours_fives)


def test_the_form_shows_which_cells_count():
    assert cells_text(PUBLISHED) == "ВПР, 4 и 5 класс × математика, русский язык"
    assert cells_count(PUBLISHED) == 4


def test_two_cells_at_thirty_percent_or_more_make_shnor_with_counts_in_the_reasons():
    facts = [vpr(4, "math", 41, 14), vpr(5, "russian", 10, 3), vpr(4, "russian", 40, 2)]
    decision = categorize(year=2021, results=facts, contexts=[], thresholds=PUBLISHED)
    assert decision.category == SHNOR
    assert decision.texts[:3] == [
        "математика ВПР 4 класс 2021: «2» у 14 из 41 (34,1 %), порог 30 %",
        "русский язык ВПР 5 класс 2021: «2» у 3 из 10 (30 %), порог 30 %",
        "2021: 2 из 3 учтённых клеток с долей не менее 30 % (нужно не менее 2)",
    ]


def test_a_class_of_one_pupil_with_one_two_does_not_flag_a_school():
    facts = [vpr(4, "math", 41, 14), vpr(5, "math", 1, 1), vpr(4, "russian", 40, 2)]
    decision = categorize(year=2021, results=facts, contexts=[], thresholds=PUBLISHED)
    assert decision.category == OTHER
    assert (
        "не учтены клетки, где меньше 10 участников: математика ВПР 5 класс 2021 (1 участник)"
        in decision.texts
    )


def test_cells_outside_the_choice_do_not_count():
    facts = [vpr(4, "math", 41, 14), vpr(6, "math", 40, 20), vpr(4, "history", 40, 20)]
    assert categorize(year=2021, results=facts, contexts=[], thresholds=PUBLISHED).category == OTHER


@pytest.mark.parametrize("share", [29.9, 29.99])
def test_just_under_the_threshold_with_decimals_is_not_shnor(share):
    rule = replace(PUBLISHED, shnor_share_below=30.0)
    # 299 of 1000 is 29.9 %; 2999 of 10000 is 29.99 %
    n = 1000 if share == 29.9 else 10000
    twos = round(share * n / 100)
    facts = [vpr(4, "math", n, twos), vpr(5, "math", n, twos)]
    assert categorize(year=2021, results=facts, contexts=[], thresholds=rule).category == OTHER
    rule = replace(PUBLISHED, shnor_share_below=share)
    assert categorize(year=2021, results=facts, contexts=[], thresholds=rule).category == SHNOR


def test_leader_from_one_year_needs_every_cell_no_twos_and_enough_fours_and_fives():
    full = [
        vpr(4, "math", 30, 0, 20),
        vpr(4, "russian", 30, 0, 18),
        vpr(5, "math", 25, 0, 15),
        vpr(5, "russian", 25, 0, 16),
    ]
    decision = categorize(year=2021, results=full, contexts=[], thresholds=PUBLISHED)
    assert decision.category == LEADER
    assert decision.texts[0] == (
        "в 2021 г. все учитываемые клетки (ВПР, 4 и 5 класс × математика, русский язык; 4 с не "
        "менее 10 участниками): доля «2» не выше 0 % (наибольшая: 0 %); доля «4» и «5» не "
        "менее 60 % (наименьшая: 60 %)"
    )
    one_two = [*full[:3], vpr(5, "russian", 25, 1, 16)]
    assert (
        categorize(year=2021, results=one_two, contexts=[], thresholds=PUBLISHED).category == OTHER
    )
    few_good = [*full[:3], vpr(5, "russian", 25, 0, 14)]
    assert (
        categorize(year=2021, results=few_good, contexts=[], thresholds=PUBLISHED).category == OTHER
    )
    small = [*full[:3], vpr(5, "russian", 9, 0, 9)]
    assert categorize(year=2021, results=small, contexts=[], thresholds=PUBLISHED).category == OTHER
    missing = full[:3]
    assert (
        categorize(year=2021, results=missing, contexts=[], thresholds=PUBLISHED).category == OTHER
    )
