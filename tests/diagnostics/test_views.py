"""Every diagnostics page: who may open it, who gets 403/404, and what bad input does."""

import datetime
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from diagnostics import services
from diagnostics.models import (
    Cycle,
    CycleStatus,
    Instrument,
    Questionnaire,
    QuestionnaireStatus,
    StageRecord,
    SurveyParticipation,
    SurveyResponse,
    TeamMember,
)
from schools.models import CategoryAssignment

from .factories import (
    QuestionnaireFactory,
    StageRecordFactory,
    TeacherSurveyFactory,
    profile_with_levels,
)
from .test_services import worst_answers


@pytest.fixture
def questionnaire(world):
    return QuestionnaireFactory(cycle__municipality=world.mun, organisation=world.school)


def post_answers(questionnaire, answers, *, version=0, action="save"):
    data = {"version": version, "action": action}
    data.update({f"q_{i}": o for i, o in answers.items()})
    return data


# --- index ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "who", ["admin", "coordinator", "methodologist", "curator", "director", "teacher", "nobody"]
)
def test_index_opens_for_every_role(client_for, users, who, questionnaire):
    response = client_for(getattr(users, who)).get(reverse("diagnostics:index"))
    assert response.status_code == 200


def test_index_shows_director_her_questionnaires_and_methodologist_cycles(
    client_for, users, questionnaire
):
    page = client_for(users.director).get(reverse("diagnostics:index")).content.decode()
    assert reverse("diagnostics:questionnaire", args=[questionnaire.pk]) in page
    page = client_for(users.methodologist).get(reverse("diagnostics:index")).content.decode()
    assert reverse("diagnostics:cycle_detail", args=[questionnaire.cycle.pk]) in page
    assert reverse("diagnostics:heatmap") in page
    page = client_for(users.outsider).get(reverse("diagnostics:index")).content.decode()
    assert reverse("diagnostics:cycle_detail", args=[questionnaire.cycle.pk]) not in page


def test_home_panel_says_how_many_questions_of_how_many_are_answered(
    client_for, users, questionnaire
):
    """«отвечено: 0 из 41», not a bare «отвечено: 0» that leaves the director guessing."""
    questions = questionnaire.instrument.indicators.filter(kind="question").count()
    assert questions
    page = client_for(users.director).get(reverse("ui:home")).content.decode()
    assert f"отвечено: 0 из {questions}, до" in page


# --- cycles ----------------------------------------------------------------------------------


def test_cycle_create_opens_questionnaires(client_for, users, world):
    client = client_for(users.methodologist)
    assert client.get(reverse("diagnostics:cycle_create")).status_code == 200
    response = client.post(
        reverse("diagnostics:cycle_create"),
        {
            "municipality": world.mun.pk,
            "kind": "entry",
            "title": "Входная 2026/27",
            "opens_on": "2026-09-15",
            "closes_on": "2026-10-15",
            "schools": [world.school.pk, world.leader.pk],
        },
    )
    cycle = Cycle.objects.get()
    assert response.status_code == 302
    assert cycle.questionnaires.count() == 2


def test_cycle_create_refuses_another_municipality_and_bad_dates(client_for, users, world):
    response = client_for(users.methodologist).post(
        reverse("diagnostics:cycle_create"),
        {
            "municipality": world.mun.pk,
            "kind": "entry",
            "title": "Входная",
            "opens_on": "2026-10-15",
            "closes_on": "2026-09-15",
            "schools": [world.other_school.pk],
        },
    )
    assert response.status_code == 200
    assert not Cycle.objects.exists()
    form = response.context["form"]
    assert "closes_on" in form.errors and "schools" in form.errors
    assert response.context["form"]["title"].value() == "Входная"


@pytest.mark.parametrize("who", ["director", "teacher", "curator", "partner"])
def test_cycle_pages_are_forbidden_to_school_roles(client_for, users, who):
    client = client_for(getattr(users, who))
    assert client.get(reverse("diagnostics:cycle_list")).status_code == 403
    assert client.get(reverse("diagnostics:cycle_create")).status_code == 403


def test_cycle_detail_shows_completion_and_is_404_outside(client_for, users, questionnaire):
    url = reverse("diagnostics:cycle_detail", args=[questionnaire.cycle.pk])
    response = client_for(users.methodologist).get(url)
    assert response.status_code == 200
    assert response.context["questionnaires"][0].questions == 30
    for who in ("outsider", "director", "curator"):
        assert client_for(getattr(users, who)).get(url).status_code == 404, who
    assert client_for(users.coordinator).get(url).status_code == 200


def test_cycle_close_and_reopen(client_for, users, questionnaire):
    cycle = questionnaire.cycle
    assert (
        client_for(users.outsider)
        .post(reverse("diagnostics:cycle_close", args=[cycle.pk]))
        .status_code
        == 404
    )
    client = client_for(users.methodologist)
    client.post(reverse("diagnostics:cycle_close", args=[cycle.pk]))
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.CLOSED
    client.post(reverse("diagnostics:cycle_reopen", args=[cycle.pk]))
    cycle.refresh_from_db()
    assert cycle.status == CycleStatus.OPEN


# --- questionnaire ----------------------------------------------------------------------------


def test_director_saves_a_draft_then_submits_and_sees_the_profile(client_for, users, questionnaire):
    client = client_for(users.director)
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    page = client.get(url)
    assert page.status_code == 200 and page.context["editable"]
    answers = worst_answers(questionnaire.instrument)
    response = client.post(url, post_answers(questionnaire, answers))
    assert response.status_code == 302
    response = client.post(url, post_answers(questionnaire, answers, version=1, action="submit"))
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.SUBMITTED
    assert response["Location"] == reverse("diagnostics:profile", args=[questionnaire.profile.pk])
    page = client.get(url)
    assert not page.context["editable"]
    assert "disabled" in page.content.decode()


def test_submit_with_missing_answers_lists_them_and_keeps_every_answer(
    client_for, users, questionnaire
):
    answers = worst_answers(questionnaire.instrument, skip={"3.2", "10.3"})
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    response = client_for(users.director).post(
        url, post_answers(questionnaire, answers, action="submit")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "3.2." in page and "10.3." in page
    form = response.context["form"]
    for indicator_id, option_id in answers.items():
        assert form[f"q_{indicator_id}"].value() == str(option_id)
    missing = {g["factor"].code: [i.code for i in g["missing"]] for g in response.context["groups"]}
    assert missing[3] == ["3.2"] and missing[10] == ["10.3"] and missing[1] == []
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.DRAFT and questionnaire.version == 0


def test_second_team_member_saving_a_stale_form_is_refused_with_a_message(
    client_for, users, questionnaire, client, django_user_model
):
    TeamMember.objects.create(organisation=questionnaire.organisation, user=users.teacher)
    answers = worst_answers(questionnaire.instrument)
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    client_for(users.director).post(url, post_answers(questionnaire, answers))
    first = dict(Questionnaire.objects.get().answers.values_list("indicator_id", "option_id"))
    mine = dict(list(answers.items())[:3])
    response = client_for(users.teacher).post(url, post_answers(questionnaire, mine, version=0))
    assert response.status_code == 200
    errors = " ".join(response.context["form"].non_field_errors())
    assert users.director.get_full_name() in errors
    assert (
        dict(Questionnaire.objects.get().answers.values_list("indicator_id", "option_id")) == first
    )
    # the teacher's typed answers are still on the page
    key, value = next(iter(mine.items()))
    assert response.context["form"][f"q_{key}"].value() == str(value)


def test_an_option_outside_the_question_is_a_clear_error(client_for, users, questionnaire):
    indicator = questionnaire.instrument.indicators.filter(kind="question").first()
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    response = client_for(users.director).post(
        url, {"version": 0, "action": "save", f"q_{indicator.pk}": 999999}
    )
    assert response.status_code == 200
    assert response.context["form"].errors[f"q_{indicator.pk}"]
    assert not Questionnaire.objects.get().answers.exists()


def test_cycle_closed_meanwhile_keeps_the_answers_on_the_page(client_for, users, questionnaire):
    answers = worst_answers(questionnaire.instrument)
    Cycle.objects.filter(pk=questionnaire.cycle_id).update(status=CycleStatus.CLOSED)
    response = client_for(users.director).post(
        reverse("diagnostics:questionnaire", args=[questionnaire.pk]),
        post_answers(questionnaire, answers),
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    key, value = next(iter(answers.items()))
    assert response.context["form"][f"q_{key}"].value() == str(value)
    assert not Questionnaire.objects.get().answers.exists()


def test_cycle_past_its_closing_date_refuses_the_save_and_keeps_the_answers(
    client_for, users, questionnaire
):
    answers = worst_answers(questionnaire.instrument)
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    client = client_for(users.director)
    assert client.get(url).context["editable"]
    yesterday = datetime.date.today() - datetime.timedelta(days=1)
    Cycle.objects.filter(pk=questionnaire.cycle_id).update(closes_on=yesterday)
    response = client.post(url, post_answers(questionnaire, answers, action="submit"))
    assert response.status_code == 200
    [error] = response.context["form"].non_field_errors()
    assert error.startswith(f"Цикл «{questionnaire.cycle.title}» закрылся ")
    assert "попросите муниципального методиста продлить цикл" in error
    key, value = next(iter(answers.items()))
    assert response.context["form"][f"q_{key}"].value() == str(value)
    assert not Questionnaire.objects.get().answers.exists()
    # Opened again, the page says so before anything is typed.
    page = client.get(url)
    assert not page.context["editable"]
    assert "больше не принимаются" in page.content.decode()
    # The methodologist sees it on the cycle, and extends it; the school answers again.
    detail = client_for(users.methodologist).get(
        reverse("diagnostics:cycle_detail", args=[questionnaire.cycle_id])
    )
    assert "больше не принимаются" in detail.content.decode()
    Cycle.objects.filter(pk=questionnaire.cycle_id).update(
        closes_on=datetime.date.today() + datetime.timedelta(days=7)
    )
    assert (
        client_for(users.director).post(url, post_answers(questionnaire, answers)).status_code
        == 302
    )


def test_cycle_not_open_yet_shows_when_it_opens(client_for, users, questionnaire):
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    Cycle.objects.filter(pk=questionnaire.cycle_id).update(opens_on=tomorrow)
    page = client_for(users.director).get(
        reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    )
    assert not page.context["editable"]
    assert "до этого дня ответы не сохраняются" in page.content.decode()


@pytest.mark.parametrize("who", ["curator", "teacher", "methodologist"])
def test_others_in_scope_read_but_cannot_save(client_for, users, questionnaire, who):
    client = client_for(getattr(users, who))
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    response = client.get(url)
    assert response.status_code == 200 and not response.context["editable"]
    assert client.post(url, {"version": 0}).status_code == 403


def test_team_member_named_by_the_director_can_fill(client_for, users, questionnaire):
    TeamMember.objects.create(organisation=questionnaire.organisation, user=users.teacher)
    response = client_for(users.teacher).get(
        reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    )
    assert response.context["editable"]


@pytest.mark.parametrize("who", ["outsider", "outsider_director", "leader_director", "partner"])
def test_questionnaire_of_another_school_is_404(client_for, users, questionnaire, who):
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    assert client_for(getattr(users, who)).get(url).status_code == 404


def test_methodologist_returns_a_submission_with_a_comment(client_for, users, questionnaire):
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=worst_answers(questionnaire.instrument),
        expected_version=0,
        user=users.director,
        submit=True,
    )
    url = reverse("diagnostics:questionnaire_return", args=[questionnaire.pk])
    assert client_for(users.curator).post(url, {"comment": "x"}).status_code == 403
    assert client_for(users.outsider).post(url, {"comment": "x"}).status_code == 404
    client_for(users.methodologist).post(url, {"comment": "Проверьте раздел 9"})
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.RETURNED
    page = client_for(users.director).get(
        reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    )
    assert "Проверьте раздел 9" in page.content.decode() and page.context["editable"]


# --- profile and heatmap ----------------------------------------------------------------------


def test_profile_page_explains_and_compares(client_for, users, questionnaire, world):
    before = profile_with_levels(world.school, {9: "high", 6: "high", 3: "low"})
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=worst_answers(questionnaire.instrument),
        expected_version=0,
        user=users.director,
        submit=True,
    )
    profile = Questionnaire.objects.get().profile
    assert profile.computed_at > before.computed_at
    response = client_for(users.director).get(reverse("diagnostics:profile", args=[profile.pk]))
    assert response.status_code == 200
    rows = {r["factor"].code: r for r in response.context["rows"]}
    assert rows[3]["trend"] == "worsened" and rows[9]["trend"] == "unchanged"
    assert rows[5]["trend"] == "unknown"
    page = response.content.decode()
    assert "<svg" in page and "9.4." in page
    for who in ("outsider", "outsider_director", "leader_director"):
        url = reverse("diagnostics:profile", args=[profile.pk])
        assert client_for(getattr(users, who)).get(url).status_code == 404, who


def _schools_with_profiles(world, n):
    from tests.factories import OrganisationFactory

    schools = [OrganisationFactory(municipality=world.mun) for _ in range(n)]
    for i, school in enumerate(schools):
        profile_with_levels(
            school, {c: ("high", "medium", "low")[(c + i) % 3] for c in range(1, 11)}
        )
        profile_with_levels(school, dict.fromkeys(range(1, 11), "medium"))
        CategoryAssignment.objects.create(organisation=school, year=2026, category="risk")
    return schools


@pytest.mark.parametrize("n", [3, 15])
def test_heatmap_query_count_does_not_grow_with_schools(
    client_for, users, world, n, django_assert_num_queries
):
    _schools_with_profiles(world, n)
    client = client_for(users.methodologist)
    url = reverse("diagnostics:heatmap")
    client.get(url)  # warm the session and the scope
    # 10 + the version of the kept totals (count, with a profile, highs: read by the warming
    # request) and the page's rows
    with django_assert_num_queries(11):
        response = client.get(url)
    assert len(response.context["rows"]) == n + 2  # + world.school and world.leader


def test_heatmap_filters_by_category_and_exports_xlsx(client_for, users, world):
    _schools_with_profiles(world, 2)
    client = client_for(users.methodologist)
    response = client.get(
        reverse("diagnostics:heatmap"), {"municipality": world.mun.pk, "category": "risk"}
    )
    assert len(response.context["rows"]) == 2
    response = client.get(
        reverse("diagnostics:heatmap"),
        {"municipality": world.mun.pk, "category": "risk", "format": "xlsx"},
    )
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.max_row == 4  # title, header, two schools
    assert sheet.cell(row=3, column=4).value.endswith("%)")


def test_heatmap_access(client_for, users, world):
    url = reverse("diagnostics:heatmap")
    assert client_for(users.director).get(url).status_code == 403
    assert client_for(users.curator).get(url).status_code == 403
    assert client_for(users.outsider).get(url, {"municipality": world.mun.pk}).status_code == 404
    assert client_for(users.coordinator).get(url, {"municipality": world.mun.pk}).status_code == 200


@pytest.mark.parametrize("history", [2, 8])
def test_profile_page_query_count_is_constant(
    client_for, users, world, history, django_assert_num_queries
):
    for _ in range(history):
        profile = profile_with_levels(world.school, dict.fromkeys(range(1, 11), "high"))
    client = client_for(users.director)
    url = reverse("diagnostics:profile", args=[profile.pk])
    client.get(url)
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200


# --- instrument ----------------------------------------------------------------------------------


def test_coordinator_edits_thresholds_as_a_new_version(client_for, users):
    client = client_for(users.coordinator)
    url = reverse("diagnostics:instrument_rule_edit", args=[9])
    assert client.get(url).status_code == 200
    response = client.post(url, {"medium_from": "30", "high_from": "60", "note": "Ниже пороги"})
    assert response.status_code == 302
    current = Instrument.objects.get(
        is_current=True, region=users.coordinator.role_assignments.get().region
    )
    assert current.version == 2
    assert current.rules.get(factor__code=9).high_from == 60
    bad = client.post(url, {"medium_from": "70", "high_from": "60", "note": "x"})
    assert bad.status_code == 200 and bad.context["form"].errors


def test_coordinator_edits_a_question_with_options(client_for, users, world):
    v1 = Instrument.objects.get(is_current=True, region__isnull=True)
    indicator = v1.indicators.get(code="10.1")
    client = client_for(users.coordinator)
    url = reverse("diagnostics:instrument_indicator_edit", args=[indicator.pk])
    assert client.get(url).status_code == 200
    data = {
        "text": "Сколько родителей приходит на собрания?",
        "help_text": "",
        "weight": "2",
        "required": "on",
        "note": "Переформулирован вопрос",
        "options-TOTAL_FORMS": "3",
        "options-INITIAL_FORMS": "0",
        "options-0-text": "Большинство",
        "options-0-score": "0",
        "options-1-text": "Меньшинство",
        "options-1-score": "2",
        "options-2-text": "",
        "options-2-score": "",
    }
    assert client.post(url, data).status_code == 302
    new = Instrument.objects.get(is_current=True, region=world.region).indicators.get(code="10.1")
    assert [o.text for o in new.options.all()] == ["Большинство", "Меньшинство"]
    one_option = {**data, "options-1-text": "", "options-1-score": ""}
    old = Instrument.objects.get(is_current=True, region=world.region).indicators.get(code="10.1")
    response = client.post(
        reverse("diagnostics:instrument_indicator_edit", args=[old.pk]), one_option
    )
    assert response.status_code == 200 and response.context["formset"].non_form_errors()


@pytest.mark.parametrize("who", ["methodologist", "curator", "director"])
def test_only_the_coordinator_edits_the_instrument(client_for, users, who):
    indicator = Instrument.objects.get(is_current=True, region__isnull=True).indicators.first()
    client = client_for(getattr(users, who))
    assert client.get(reverse("diagnostics:instrument")).status_code == 200
    assert client.get(reverse("diagnostics:instrument_rule_edit", args=[1])).status_code == 403
    assert (
        client.get(
            reverse("diagnostics:instrument_indicator_edit", args=[indicator.pk])
        ).status_code
        == 403
    )
    assert (
        client.post(
            reverse("diagnostics:instrument_indicator_remove", args=[indicator.pk])
        ).status_code
        == 403
    )


@pytest.mark.parametrize("who, links", [("director", True), ("curator", True), ("teacher", False)])
def test_pages_link_the_instrument_only_to_who_may_open_it(client_for, users, world, who, links):
    """A teacher may not read the instrument: her diagnostics page and her school's profile name
    its version without a link that would answer 403."""
    instrument = Instrument.objects.get(is_current=True, region__isnull=True)
    profile = profile_with_levels(world.school, {6: "high"}, instrument=instrument)
    client = client_for(getattr(users, who))
    index = client.get(reverse("diagnostics:index")).content.decode()
    card = client.get(reverse("diagnostics:profile", args=[profile.pk]))
    assert card.status_code == 200
    version_url = reverse("diagnostics:instrument_version", args=[instrument.version])
    assert (f'href="{reverse("diagnostics:instrument")}"' in index) is links
    assert (f'href="{version_url}"' in card.content.decode()) is links
    assert client.get(version_url).status_code == (200 if links else 403)


def test_another_regions_instrument_version_is_a_404(client_for, users, world):
    """A region's own versions are for that region's users; the base version for everyone."""
    from decimal import Decimal

    from network_portal.accounts.models import Role
    from tests.factories import RegionFactory, RoleAssignmentFactory, UserFactory

    base = Instrument.objects.get(is_current=True, region__isnull=True)
    other_region = RegionFactory(name="Соседняя область")
    other_coordinator = UserFactory()
    RoleAssignmentFactory(user=other_coordinator, role=Role.COORDINATOR, region=other_region)
    rule = base.rules.first()
    theirs = services.instrument_edit_rule(
        base=base,
        region_id=other_region.pk,
        factor_id=rule.factor_id,
        medium_from=Decimal(30),
        high_from=Decimal(60),
        user=other_coordinator,
        note="Их пороги",
    )
    url = reverse("diagnostics:instrument_version", args=[theirs.version])
    base_url = reverse("diagnostics:instrument_version", args=[base.version])
    for who in ("coordinator", "methodologist", "director", "curator", "outsider"):
        client = client_for(getattr(users, who))
        assert client.get(url).status_code == 404, who
        assert client.get(base_url).status_code == 200, who
    assert client_for(other_coordinator).get(url).status_code == 200
    assert client_for(users.admin).get(url).status_code == 200


def test_instrument_is_not_for_teachers_and_partners(client_for, users):
    assert client_for(users.partner).get(reverse("diagnostics:instrument")).status_code == 403
    assert client_for(users.teacher).get(reverse("diagnostics:instrument")).status_code == 403


# --- teacher survey ------------------------------------------------------------------------------


def test_methodologist_creates_a_survey_and_gets_the_link(client_for, users, world):
    client = client_for(users.methodologist)
    response = client.post(
        reverse("diagnostics:survey_create"),
        {
            "municipality": world.mun.pk,
            "title": "Затруднения педагогов",
            "schools": [world.school.pk],
            "opens_on": "2026-11-01",
            "closes_on": "2026-12-01",
            "min_responses": 5,
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    survey = world.mun.teacher_surveys.get()
    assert reverse("diagnostics:survey_answer", args=[survey.token]) in page
    low = client.post(
        reverse("diagnostics:survey_create"),
        {
            "municipality": world.mun.pk,
            "title": "x",
            "schools": [world.school.pk],
            "opens_on": "2026-11-01",
            "closes_on": "2026-12-01",
            "min_responses": 2,
        },
    )
    assert "min_responses" in low.context["form"].errors


def test_teacher_answers_once_and_the_answer_carries_no_user(client_for, users, world):
    survey = TeacherSurveyFactory(municipality=world.mun, schools=[world.school])
    client = client_for(users.teacher)
    url = reverse("diagnostics:survey_answer", args=[survey.token])
    assert client.get(url).status_code == 200
    empty = client.post(url, {})
    assert empty.status_code == 200 and empty.context["form"].non_field_errors()
    client.post(url, {"needs": ["ovz", "digital"], "difficulties": "Нужны приёмы"})
    assert SurveyResponse.objects.get().organisation == world.school
    assert SurveyParticipation.objects.filter(user=users.teacher).exists()
    again = client.post(url, {"needs": ["ovz"]})
    assert again.context["answered"] and SurveyResponse.objects.count() == 1


@pytest.mark.parametrize("who", ["director", "outsider", "outsider_director", "curator"])
def test_survey_answer_page_is_404_for_non_teachers_of_its_schools(client_for, users, world, who):
    survey = TeacherSurveyFactory(municipality=world.mun, schools=[world.school])
    url = reverse("diagnostics:survey_answer", args=[survey.token])
    assert client_for(getattr(users, who)).get(url).status_code == 404


def test_survey_results_hide_a_school_below_the_threshold(client_for, users, world):
    survey = TeacherSurveyFactory(municipality=world.mun, schools=[world.school])
    from .test_services import answer_survey

    answer_survey(survey, world.school, ["ovz"], 4, "Очень личный текст")
    url = reverse("diagnostics:survey_detail", args=[survey.pk])
    page = client_for(users.methodologist).get(url).content.decode()
    assert "Очень личный текст" not in page
    assert "hidden-results" in page
    answer_survey(survey, world.school, ["ovz"], 1, "")
    page = client_for(users.methodologist).get(url).content.decode()
    assert "hidden-results" not in page  # the figures are shown from five answers on
    assert "Очень личный текст" not in page  # free texts only after the survey closes
    with time_machine.travel(survey.closes_on + datetime.timedelta(days=1)):
        page = client_for(users.methodologist).get(url).content.decode()
        assert "Очень личный текст" in page
    assert client_for(users.outsider).get(url).status_code == 404
    assert client_for(users.director).get(reverse("diagnostics:survey_list")).status_code == 403


# --- transformation stages ------------------------------------------------------------------------


def test_curator_records_a_stage_with_a_private_file(client_for, users, world, settings):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(users.curator)
    url = reverse("diagnostics:stage_create", args=[world.school.pk])
    assert client.get(url).status_code == 200
    response = client.post(
        url,
        {
            "stage": 2,
            "reached_on": "2026-10-20",
            "evidence": "Определены факторы риска",
            "evidence_file": SimpleUploadedFile(
                "protokol.pdf", b"%PDF-1.4 test", "application/pdf"
            ),
        },
    )
    assert response.status_code == 302
    record = StageRecord.objects.get()
    assert str(settings.PRIVATE_MEDIA_ROOT) in record.evidence_file.path
    download = client.get(reverse("diagnostics:stage_file", args=[record.pk]))
    assert download.status_code == 200
    assert (
        client_for(users.outsider)
        .get(reverse("diagnostics:stage_file", args=[record.pk]))
        .status_code
        == 404
    )
    no_evidence = client_for(users.curator).post(url, {"stage": 3, "reached_on": "2026-11-01"})
    assert no_evidence.status_code == 200 and no_evidence.context["form"].non_field_errors()
    program = SimpleUploadedFile("приказ.pdf", b"MZ\x90\x00", "application/pdf")
    refused = client.post(
        url,
        {"stage": 3, "reached_on": "2026-11-01", "evidence": "Программа", "evidence_file": program},
    )
    assert refused.status_code == 200
    assert "не соответствует своему расширению" in refused.content.decode()
    assert "Программа" in refused.content.decode()
    assert StageRecord.objects.count() == 1


def test_stage_permissions(client_for, users, world):
    url = reverse("diagnostics:stage_create", args=[world.school.pk])
    assert client_for(users.director).get(url).status_code == 403
    assert client_for(users.outsider).get(url).status_code == 404
    assert client_for(users.methodologist).get(url).status_code == 200
    StageRecordFactory(organisation=world.school)
    listing = reverse("diagnostics:stage_list", args=[world.school.pk])
    assert client_for(users.director).get(listing).status_code == 200
    assert client_for(users.outsider_director).get(listing).status_code == 404


def test_stages_are_read_through_selectors_scoped_to_the_user(users, world):
    """Schools only (a partner college has no transformation path), and only in scope."""
    from diagnostics.selectors import stage_record_list_for_user, stage_school_list_for_user

    record = StageRecordFactory(organisation=world.school)
    assert set(stage_school_list_for_user(user=users.methodologist)) == {
        world.school,
        world.leader,
    }
    assert list(stage_school_list_for_user(user=users.curator)) == [world.school]
    assert not stage_school_list_for_user(user=users.outsider).filter(pk=world.school.pk)
    assert list(stage_record_list_for_user(user=users.director)) == [record]
    assert not stage_record_list_for_user(user=users.outsider_director).exists()


# --- team ---------------------------------------------------------------------------------------------


def test_director_names_the_team(client_for, users, world):
    client = client_for(users.director)
    assert client.get(reverse("diagnostics:team")).status_code == 200
    client.post(reverse("diagnostics:team"), {"user": users.teacher.pk})
    member = TeamMember.objects.get()
    assert member.user == users.teacher
    outsider = client.post(reverse("diagnostics:team"), {"user": users.outsider_director.pk})
    assert outsider.status_code == 200 and TeamMember.objects.count() == 1
    assert (
        client_for(users.outsider_director)
        .post(reverse("diagnostics:team_remove", args=[member.pk]))
        .status_code
        == 404
    )
    assert client_for(users.teacher).get(reverse("diagnostics:team")).status_code == 403
    client_for(users.director).post(reverse("diagnostics:team_remove", args=[member.pk]))
    assert not TeamMember.objects.exists()


def test_home_panel_shows_what_waits(client_for, users, questionnaire, world):
    page = client_for(users.director).get(reverse("ui:home")).content.decode()
    assert reverse("diagnostics:questionnaire", args=[questionnaire.pk]) in page
    page = client_for(users.methodologist).get(reverse("ui:home")).content.decode()
    assert reverse("diagnostics:cycle_detail", args=[questionnaire.cycle_id]) in page
    survey = TeacherSurveyFactory(municipality=world.mun, schools=[world.school])
    page = client_for(users.teacher).get(reverse("ui:home")).content.decode()
    assert reverse("diagnostics:survey_answer", args=[survey.token]) in page
    page = client_for(users.outsider_director).get(reverse("ui:home")).content.decode()
    assert reverse("diagnostics:questionnaire", args=[questionnaire.pk]) not in page


def test_methodologist_can_return_from_the_questionnaire_page(client_for, users, questionnaire):
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=worst_answers(questionnaire.instrument),
        expected_version=0,
        user=users.director,
        submit=True,
    )
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    return_url = reverse("diagnostics:questionnaire_return", args=[questionnaire.pk])
    assert return_url in client_for(users.methodologist).get(url).content.decode()
    assert return_url not in client_for(users.director).get(url).content.decode()
    assert return_url not in client_for(users.curator).get(url).content.decode()


def test_heatmap_of_one_cycle_shows_that_cycle_s_profiles(client_for, users, world):
    from .factories import CycleFactory

    entry = CycleFactory(municipality=world.mun, title="Входная")
    later = CycleFactory(municipality=world.mun, title="Промежуточная")
    profile_with_levels(world.school, {9: "high"}, cycle=entry)
    profile_with_levels(world.school, {9: "low"}, cycle=later)
    client = client_for(users.methodologist)
    url = reverse("diagnostics:heatmap")
    rows = {r["school"].pk: r for r in client.get(url).context["rows"]}
    assert rows[world.school.pk]["cells"][8].level == "low"
    response = client.get(url, {"cycle": entry.pk})
    rows = {r["school"].pk: r for r in response.context["rows"]}
    assert rows[world.school.pk]["cells"][8].level == "high"
    assert rows[world.leader.pk]["profile"] is None
    other = CycleFactory(municipality=world.other_mun)
    assert client.get(url, {"cycle": other.pk}).status_code == 200  # ignored: not in scope
    assert client.get(url, {"cycle": other.pk}).context["cycle"] is None


def test_methodologist_extends_a_cycle_and_adds_a_school(client_for, users, questionnaire, world):
    cycle = questionnaire.cycle
    url = reverse("diagnostics:cycle_edit", args=[cycle.pk])
    client = client_for(users.methodologist)
    assert client.get(url).status_code == 200
    data = {
        "title": cycle.title,
        "opens_on": "2026-09-15",
        "closes_on": "2026-12-31",
        "schools": [world.school.pk, world.leader.pk],
    }
    assert client.post(url, data).status_code == 302
    cycle.refresh_from_db()
    assert cycle.closes_on == datetime.date(2026, 12, 31)
    assert set(cycle.questionnaires.values_list("organisation_id", flat=True)) == {
        world.school.pk,
        world.leader.pk,
    }
    assert client_for(users.outsider).get(url).status_code == 404
    assert client_for(users.director).get(url).status_code == 404


def test_a_school_that_answered_cannot_be_removed_from_the_cycle(client_for, users, questionnaire):
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=dict(list(worst_answers(questionnaire.instrument).items())[:2]),
        expected_version=0,
        user=users.director,
    )
    from tests.factories import OrganisationFactory

    newcomer = OrganisationFactory(municipality=questionnaire.cycle.municipality)
    url = reverse("diagnostics:cycle_edit", args=[questionnaire.cycle_id])
    response = client_for(users.methodologist).post(
        url,
        {
            "title": "Новое название",
            "opens_on": "2026-09-15",
            "closes_on": "2026-12-31",
            "schools": [newcomer.pk],
        },
    )
    assert response.status_code == 200
    assert str(questionnaire.organisation) in " ".join(response.context["form"].non_field_errors())
    assert Questionnaire.objects.filter(pk=questionnaire.pk).exists()
    assert Cycle.objects.get().title != "Новое название"


def test_a_regional_version_is_used_only_in_its_region(client_for, users, world):
    from network_portal.accounts.models import Role
    from tests.factories import RegionFactory, RoleAssignmentFactory, UserFactory

    client_for(users.coordinator).post(
        reverse("diagnostics:instrument_rule_edit", args=[9]),
        {"medium_from": "30", "high_from": "60", "note": "Ниже пороги"},
    )
    page = client_for(users.methodologist).get(reverse("diagnostics:instrument"))
    assert page.context["instrument"].version == 2 and not page.context["can_edit"]
    stranger = UserFactory()
    RoleAssignmentFactory(
        user=stranger, role=Role.COORDINATOR, region=RegionFactory(name="Южная область")
    )
    page = client_for(stranger).get(reverse("diagnostics:instrument"))
    assert page.context["instrument"].version == 1 and page.context["can_edit"]


def test_a_questionnaire_save_sending_no_version_is_refused_not_saved_over_it(
    client_for, users, questionnaire
):
    """A POST without the hidden version (a script, a page from before the field) saw
    nothing: refused like a stale save, showing what is stored, never saved over it
    (``network_portal.editing``)."""
    TeamMember.objects.create(organisation=questionnaire.organisation, user=users.teacher)
    answers = worst_answers(questionnaire.instrument)
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    client_for(users.director).post(url, post_answers(questionnaire, answers))
    first = dict(Questionnaire.objects.get().answers.values_list("indicator_id", "option_id"))
    mine = post_answers(questionnaire, dict(list(answers.items())[:3]))
    del mine["version"]
    response = client_for(users.teacher).post(url, mine)
    assert response.status_code == 200
    assert "Не сохранено" in " ".join(response.context["form"].non_field_errors())
    stored = dict(Questionnaire.objects.get().answers.values_list("indicator_id", "option_id"))
    assert stored == first


def test_a_refusal_over_many_answers_counts_them_and_names_the_first_three(
    client_for, users, questionnaire
):
    """A questionnaire refusal does not list every differing answer (up to 27 lines): the
    shared partial gives their count, the first three questions and «и ещё N»."""
    TeamMember.objects.create(organisation=questionnaire.organisation, user=users.teacher)
    answers = worst_answers(questionnaire.instrument)
    url = reverse("diagnostics:questionnaire", args=[questionnaire.pk])
    client_for(users.director).post(url, post_answers(questionnaire, answers))
    response = client_for(users.teacher).post(url, post_answers(questionnaire, {}, version=0))
    form = response.context["form"]
    [error] = form.non_field_errors()
    labels = [form.fields[f"q_{i}"].label for i in answers]  # in the form's order
    assert len(labels) > 4
    assert f"сохранено {len(labels)} значени" in error
    assert "; ".join(labels[:3]) + f" и ещё {len(labels) - 3}." in error
    assert labels[3] not in error
