"""Cycles, questionnaires (draft, submit, optimistic locking, closed cycle), returns, profiles,
instrument versions, the anonymous survey and the teacher-needs selector."""

import datetime
from decimal import Decimal

import pytest
import time_machine

from diagnostics import selectors, services
from diagnostics.models import (
    Answer,
    CycleKind,
    CycleStatus,
    Indicator,
    Instrument,
    Questionnaire,
    QuestionnaireStatus,
    RiskProfile,
    SurveyParticipation,
    SurveyResponse,
    TeacherNeed,
)
from network_portal.editing import StaleEdit
from schools.models import SchoolContext
from tests.factories import OrganisationFactory

from .factories import QuestionnaireFactory, TeacherSurveyFactory, profile_with_levels


def worst_answers(instrument: Instrument, *, skip=()) -> dict[int, int]:
    answers = {}
    for indicator in instrument.indicators.filter(kind="question").prefetch_related("options"):
        if indicator.code in skip:
            continue
        answers[indicator.pk] = max(indicator.options.all(), key=lambda o: o.score).pk
    return answers


@pytest.fixture
def questionnaire(world):
    return QuestionnaireFactory(cycle__municipality=world.mun, organisation=world.school)


def test_cycle_open_creates_a_questionnaire_per_school_on_the_current_instrument(world, users):
    cycle = services.cycle_open(
        municipality=world.mun,
        kind=CycleKind.ENTRY,
        title="Входная",
        opens_on=datetime.date(2026, 9, 1),
        closes_on=datetime.date(2026, 10, 1),
        schools=[world.school, world.leader],
        user=users.methodologist,
    )
    current = Instrument.objects.get(is_current=True, region__isnull=True)
    assert cycle.instrument == current
    assert set(cycle.questionnaires.values_list("organisation_id", "instrument_id")) == {
        (world.school.pk, current.pk),
        (world.leader.pk, current.pk),
    }


def test_cycle_open_refuses_a_school_of_another_municipality(world, users):
    with pytest.raises(services.DiagnosticsError):
        services.cycle_open(
            municipality=world.mun,
            kind=CycleKind.ENTRY,
            title="Входная",
            opens_on=datetime.date(2026, 9, 1),
            closes_on=datetime.date(2026, 10, 1),
            schools=[world.other_school],
            user=users.methodologist,
        )


def test_draft_save_bumps_version_and_keeps_answers(questionnaire, users):
    answers = worst_answers(questionnaire.instrument)
    saved = services.questionnaire_save(
        questionnaire=questionnaire, answers=answers, expected_version=0, user=users.director
    )
    assert saved.version == 1
    assert saved.status == QuestionnaireStatus.DRAFT
    assert dict(saved.answers.values_list("indicator_id", "option_id")) == answers
    assert not RiskProfile.objects.exists()


def test_second_save_from_a_stale_form_is_refused_and_first_save_stays(questionnaire, users):
    first = worst_answers(questionnaire.instrument)
    services.questionnaire_save(
        questionnaire=questionnaire, answers=first, expected_version=0, user=users.director
    )
    with pytest.raises(StaleEdit):
        services.questionnaire_save(
            questionnaire=questionnaire, answers={}, expected_version=0, user=users.teacher
        )
    questionnaire.refresh_from_db()
    assert questionnaire.version == 1
    assert questionnaire.answers.count() == len(first)


def test_submit_with_missing_required_lists_them_by_factor_and_saves_nothing(questionnaire, users):
    answers = worst_answers(questionnaire.instrument, skip={"3.2", "9.1"})
    with pytest.raises(services.MissingAnswers) as error:
        services.questionnaire_save(
            questionnaire=questionnaire,
            answers=answers,
            expected_version=0,
            user=users.director,
            submit=True,
        )
    assert {c: [i.code for i in items] for c, items in error.value.missing.items()} == {
        3: ["3.2"],
        9: ["9.1"],
    }
    questionnaire.refresh_from_db()
    assert questionnaire.version == 0 and not questionnaire.answers.exists()


def test_option_of_another_question_is_refused(questionnaire, users):
    indicators = list(questionnaire.instrument.indicators.filter(kind="question")[:2])
    foreign_option = indicators[1].options.first()
    with pytest.raises(services.DiagnosticsError):
        services.questionnaire_save(
            questionnaire=questionnaire,
            answers={indicators[0].pk: foreign_option.pk},
            expected_version=0,
            user=users.director,
        )
    assert not Answer.objects.exists()


def test_closed_cycle_refuses_saving(questionnaire, users):
    services.cycle_close(cycle=questionnaire.cycle, user=users.methodologist)
    with pytest.raises(services.CycleClosed):
        services.questionnaire_save(
            questionnaire=questionnaire, answers={}, expected_version=0, user=users.director
        )


def test_submit_computes_an_explained_profile_with_computed_indicators(questionnaire, users, world):
    SchoolContext.objects.create(
        organisation=world.school, year=2026, share_ovz=Decimal("16"), stable_internet=True
    )
    answers = worst_answers(questionnaire.instrument, skip={"4.3"})  # optional, left empty
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=answers,
        expected_version=0,
        user=users.director,
        submit=True,
    )
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    profile = questionnaire.profile
    assert profile.instrument == questionnaire.instrument
    levels = {lv.factor.code: lv for lv in profile.levels.select_related("factor")}
    assert levels[9].level == "high"
    ovz = next(i for i in levels[9].explanation if i["source"] == "share_ovz")
    assert (ovz["value"], ovz["year"], ovz["status"]) == ("16.00", 2026, "ok")
    internet = next(i for i in levels[1].explanation if i["source"] == "stable_internet")
    assert internet["contribution"] == "0.00"  # stable internet: no risk
    vacancies = next(i for i in levels[2].explanation if i["source"] == "teacher_vacancies")
    assert vacancies["status"] == "no_data"
    optional = next(i for i in levels[4].explanation if i["code"] == "4.3")
    assert optional["status"] == "unanswered"


def test_submitted_questionnaire_is_read_only(questionnaire, users):
    answers = worst_answers(questionnaire.instrument)
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=answers,
        expected_version=0,
        user=users.director,
        submit=True,
    )
    with pytest.raises(services.DiagnosticsError):
        services.questionnaire_save(
            questionnaire=questionnaire, answers=answers, expected_version=1, user=users.director
        )


def test_return_withdraws_the_profile_and_allows_resubmission(questionnaire, users):
    answers = worst_answers(questionnaire.instrument)
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=answers,
        expected_version=0,
        user=users.director,
        submit=True,
    )
    services.questionnaire_return(
        questionnaire=questionnaire, comment="Уточните 9.2", user=users.methodologist
    )
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.RETURNED
    assert questionnaire.return_comment == "Уточните 9.2"
    assert not RiskProfile.objects.exists()
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=answers,
        expected_version=questionnaire.version,
        user=users.director,
        submit=True,
    )
    assert RiskProfile.objects.count() == 1


def test_instrument_edit_makes_a_regional_version_and_old_profiles_keep_theirs(
    questionnaire, users, world
):
    answers = worst_answers(questionnaire.instrument)
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=answers,
        expected_version=0,
        user=users.director,
        submit=True,
    )
    v1 = Instrument.objects.get(is_current=True, region__isnull=True)
    indicator = v1.indicators.get(code="9.1")
    v2 = services.instrument_edit_indicator(
        base=v1,
        region_id=world.region.pk,
        indicator=indicator,
        fields={"text": "Новый текст", "weight": Decimal(2), "required": True, "help_text": ""},
        options=[{"text": "Да", "score": Decimal(0)}, {"text": "Нет", "score": Decimal(3)}],
        user=users.coordinator,
        note="Уточнён вопрос 9.1",
    )
    v1.refresh_from_db()
    # the region has its own version now; the base one stays in force for other regions
    assert (v1.is_current, v2.is_current, v2.version, v2.region) == (True, True, 2, world.region)
    assert selectors.current_instrument(region_id=world.region.pk) == v2
    assert selectors.current_instrument(region_id=None) == v1
    assert v1.indicators.get(code="9.1").text != "Новый текст"
    new = v2.indicators.get(code="9.1")
    assert (new.text, new.weight, new.options.count()) == ("Новый текст", Decimal(2), 2)
    assert v2.indicators.count() == v1.indicators.count()
    assert v2.rules.count() == 10
    profile = RiskProfile.objects.get()
    assert profile.instrument == v1
    with pytest.raises(services.DiagnosticsError):  # editing a stale base is refused
        services.instrument_edit_rule(
            base=v1,
            region_id=world.region.pk,
            factor_id=indicator.factor_id,
            medium_from=Decimal(30),
            high_from=Decimal(60),
            user=users.coordinator,
            note="x",
        )
    v3 = services.instrument_edit_rule(
        base=v2,
        region_id=world.region.pk,
        factor_id=indicator.factor_id,
        medium_from=Decimal(30),
        high_from=Decimal(60),
        user=users.coordinator,
        note="Ниже пороги",
    )
    v2.refresh_from_db()
    assert (v2.is_current, v3.is_current) == (False, True)
    # a new cycle of the region uses the region's version
    cycle = services.cycle_open(
        municipality=world.mun,
        kind=CycleKind.INTERMEDIATE,
        title="Промежуточная",
        opens_on=datetime.date(2026, 12, 1),
        closes_on=datetime.date(2026, 12, 20),
        schools=[world.school],
        user=users.methodologist,
        notify=False,
    )
    assert cycle.instrument == v3


def test_instrument_add_and_remove_question(users):
    v1 = Instrument.objects.get(is_current=True, region__isnull=True)
    factor_id = v1.indicators.get(code="10.1").factor_id
    v2 = services.instrument_add_question(
        base=v1,
        region_id=None,
        factor_id=factor_id,
        fields={
            "text": "Есть ли родительский клуб?",
            "help_text": "",
            "weight": Decimal(1),
            "required": False,
        },
        options=[{"text": "Да", "score": Decimal(0)}, {"text": "Нет", "score": Decimal(2)}],
        user=users.coordinator,
        note="Новый вопрос",
    )
    assert v2.indicators.get(code="10.4").text == "Есть ли родительский клуб?"
    v3 = services.instrument_remove_indicator(
        base=v2,
        region_id=None,
        indicator=v2.indicators.get(code="10.4"),
        user=users.coordinator,
        note="Убран",
    )
    assert not v3.indicators.filter(code="10.4").exists()
    assert Indicator.objects.filter(instrument=v2, code="10.4").exists()


def test_latest_profiles_returns_the_newest_per_school_with_levels(
    world, django_assert_num_queries
):
    old = profile_with_levels(world.school, {9: "high"})
    new = profile_with_levels(world.school, {9: "medium"})
    leader = profile_with_levels(world.leader, {9: "low"})
    assert old.computed_at < new.computed_at
    with django_assert_num_queries(2):
        result = selectors.latest_profiles(
            organisations=[world.school, world.leader.pk, world.other_school]
        )
        levels = {k: [lv.level for lv in p.levels.all()] for k, p in result.items()}
    assert result[world.school.pk] == new and result[world.leader.pk] == leader
    assert world.other_school.pk not in result
    assert levels == {world.school.pk: ["medium"], world.leader.pk: ["low"]}
    assert selectors.current_profile_for(organisation=world.school) == new
    assert selectors.previous_profile(profile=new) == old
    assert selectors.current_profile_for(organisation=world.other_school) is None


def answer_survey(survey, school, needs, n, text=""):
    for _ in range(n):
        services.survey_answer(
            survey=survey,
            user=OrganisationFactory._meta.model and _teacher(school),
            organisation=school,
            needs=needs,
            difficulties=text,
            support_wanted="",
        )


def _teacher(school):
    from network_portal.accounts.models import Role
    from tests.factories import RoleAssignmentFactory, UserFactory

    user = UserFactory()
    RoleAssignmentFactory(user=user, role=Role.TEACHER, organisation=school)
    return user


def test_survey_answer_is_stored_without_the_user_and_only_once(world):
    survey = TeacherSurveyFactory(municipality=world.mun, schools=[world.school])
    teacher = _teacher(world.school)
    services.survey_answer(
        survey=survey,
        user=teacher,
        organisation=world.school,
        needs=[TeacherNeed.OVZ],
        difficulties="Трудно",
        support_wanted="",
    )
    response = SurveyResponse.objects.get()
    field_names = {f.name for f in SurveyResponse._meta.get_fields()}
    assert not {"user", "ip", "created_at"} & field_names
    assert response.difficulties == "Трудно"
    assert SurveyParticipation.objects.filter(survey=survey, user=teacher).exists()
    with pytest.raises(services.DiagnosticsError):
        services.survey_answer(
            survey=survey,
            user=teacher,
            organisation=world.school,
            needs=[TeacherNeed.OVZ],
            difficulties="",
            support_wanted="",
        )
    assert SurveyResponse.objects.count() == 1


def test_survey_results_hidden_below_the_threshold(world):
    survey = TeacherSurveyFactory(municipality=world.mun, schools=[world.school, world.leader])
    answer_survey(
        survey, world.school, [TeacherNeed.OVZ, TeacherNeed.MOTIVATION], 5, "Секретный текст"
    )
    answer_survey(survey, world.leader, [TeacherNeed.PARENTS], 4, "Скрытый текст")
    results = selectors.survey_results(survey=survey)
    by_school = {r["school"].pk: r for r in results["schools"]}
    assert by_school[world.school.pk]["visible"] is True
    assert by_school[world.school.pk]["texts"] == []  # free texts only after the survey closes
    with time_machine.travel(survey.closes_on + datetime.timedelta(days=1)):
        results = selectors.survey_results(survey=survey)
    by_school = {r["school"].pk: r for r in results["schools"]}
    assert by_school[world.school.pk]["texts"] == ["Секретный текст"] * 5
    hidden = by_school[world.leader.pk]
    assert (hidden["visible"], hidden["needs"], hidden["texts"]) == (False, [], [])
    assert {r["need"] for r in results["overall"]} == {"ovz", "motivation"}
    assert results["respondents_counted"] == 5


def test_teacher_needs_for_municipality_counts_only_schools_over_the_threshold(world, settings):
    survey = TeacherSurveyFactory(municipality=world.mun, schools=[world.school, world.leader])
    answer_survey(survey, world.school, [TeacherNeed.OVZ], 3)
    answer_survey(survey, world.school, [TeacherNeed.OVZ, TeacherNeed.DIGITAL], 2)
    answer_survey(survey, world.leader, [TeacherNeed.PARENTS], 4)
    rows = selectors.teacher_needs_for_municipality(municipality=world.mun)
    assert [(r["need"], r["count"], r["share"]) for r in rows] == [
        ("ovz", 5, 100.0),
        ("digital", 2, 40.0),
    ]
    assert str(rows[0]["label"])
    settings.DIAGNOSTICS_SURVEY_MIN_RESPONSES = 6  # the portal-wide floor overrides the survey
    assert selectors.teacher_needs_for_municipality(municipality=world.mun) == []
    assert selectors.teacher_needs_for_municipality(municipality=world.other_mun) == []


def test_closed_survey_refuses_answers(world):
    survey = TeacherSurveyFactory(
        municipality=world.mun,
        schools=[world.school],
        opens_on=datetime.date(2020, 1, 1),
        closes_on=datetime.date(2020, 2, 1),
    )
    with pytest.raises(services.DiagnosticsError):
        services.survey_answer(
            survey=survey,
            user=_teacher(world.school),
            organisation=world.school,
            needs=["ovz"],
            difficulties="",
            support_wanted="",
        )


def _answer_on(questionnaire, user, day, *, submit=False):
    from unittest import mock

    with mock.patch("django.utils.timezone.localdate", return_value=day):
        return services.questionnaire_save(
            questionnaire=questionnaire,
            answers=worst_answers(questionnaire.instrument),
            expected_version=questionnaire.version,
            user=user,
            submit=submit,
        )


def test_answers_are_refused_before_the_cycle_opens_and_after_it_closes(questionnaire, users):
    """The cycle's dates are its window, both days included (seed 002: a cycle has dates)."""
    cycle = questionnaire.cycle
    day = datetime.timedelta(days=1)
    with pytest.raises(services.CycleClosed) as early:
        _answer_on(questionnaire, users.director, cycle.opens_on - day)
    assert str(early.value) == (
        f"Цикл «{cycle.title}» открывается {_ru_date(cycle.opens_on)}: до этого дня ответы "
        "не сохраняются."
    )
    with pytest.raises(services.CycleClosed) as late:
        _answer_on(questionnaire, users.director, cycle.closes_on + day, submit=True)
    assert str(late.value) == (
        f"Цикл «{cycle.title}» закрылся {_ru_date(cycle.closes_on)}: ответы больше не "
        "принимаются. Если школе ещё нужно ответить, попросите муниципального методиста "
        "продлить цикл."
    )
    questionnaire.refresh_from_db()
    assert questionnaire.version == 0 and not questionnaire.answers.exists()
    assert not RiskProfile.objects.exists()
    # the first and the last day are inside the window
    _answer_on(questionnaire, users.director, cycle.opens_on)
    questionnaire.refresh_from_db()
    _answer_on(questionnaire, users.director, cycle.closes_on, submit=True)
    assert RiskProfile.objects.filter(questionnaire=questionnaire).exists()


def test_a_returned_questionnaire_may_be_corrected_after_the_closing_date(questionnaire, users):
    cycle = questionnaire.cycle
    _answer_on(questionnaire, users.director, cycle.closes_on, submit=True)
    services.questionnaire_return(
        questionnaire=questionnaire, comment="Проверьте 9.2", user=users.methodologist
    )
    questionnaire.refresh_from_db()
    after = cycle.closes_on + datetime.timedelta(days=3)
    _answer_on(questionnaire, users.director, after, submit=True)
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED


def _ru_date(day: datetime.date) -> str:
    months = "января февраля марта апреля мая июня июля августа сентября октября ноября декабря"
    return f"{day.day} {months.split()[day.month - 1]} {day.year}"


def test_questionnaire_progress_counts_answers(questionnaire, users):
    answers = dict(list(worst_answers(questionnaire.instrument).items())[:4])
    services.questionnaire_save(
        questionnaire=questionnaire, answers=answers, expected_version=0, user=users.director
    )
    [row] = selectors.questionnaire_progress(cycle=questionnaire.cycle)
    assert (row.answered, row.questions) == (4, 30)
    assert Questionnaire.objects.get().cycle.status == CycleStatus.OPEN


def test_cycle_open_and_return_email_the_director(
    world, users, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        cycle = services.cycle_open(
            municipality=world.mun,
            kind=CycleKind.ENTRY,
            title="Входная 2026/27",
            opens_on=datetime.date.today() - datetime.timedelta(days=1),
            closes_on=datetime.date.today() + datetime.timedelta(days=30),
            schools=[world.school],
            user=users.methodologist,
        )
    assert [m.to for m in mailoutbox] == [[users.director.email]]
    assert "Входная 2026/27" in mailoutbox[0].subject
    questionnaire = cycle.questionnaires.get()
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=worst_answers(questionnaire.instrument),
        expected_version=0,
        user=users.director,
        submit=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.questionnaire_return(
            questionnaire=questionnaire, comment="Проверьте 9.2", user=users.methodologist
        )
    assert len(mailoutbox) == 2
    assert "Проверьте 9.2" in mailoutbox[1].body
    assert f"/diagnostics/questionnaires/{questionnaire.pk}/" in mailoutbox[1].body
