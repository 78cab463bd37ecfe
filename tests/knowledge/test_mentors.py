"""The mentor bank: suggestions from the difficulties survey and high-risk factors, contacts
only within the territory, places never overbooked, mentorships and their reminders."""

import datetime as dt
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diagnostics.models import SurveyNeed, SurveyResponse, TeacherSurvey
from knowledge import matching, reminders, services
from knowledge.models import Mentorship, MentorshipGoal, MentorshipMeeting, MentorshipStatus
from network_portal.notifications.registry import reminder_kinds
from tests.factories import MunicipalityFactory, OrganisationFactory, RegionFactory

from .factories import mentor, profile

pytestmark = pytest.mark.django_db


def _survey(school, needs_per_answer: list[list[str]]):
    survey = TeacherSurvey.objects.create(
        municipality=school.municipality,
        title="Опрос",
        token=uuid.uuid4().hex,
        opens_on=dt.date(2026, 9, 1),
        closes_on=dt.date(2026, 9, 30),
        min_responses=5,
    )
    for needs in needs_per_answer:
        r = SurveyResponse.objects.create(
            id=uuid.uuid4(), survey=survey, organisation=school, answered_on=dt.date(2026, 9, 2)
        )
        for need in needs:
            SurveyNeed.objects.create(response=r, need=need)
    return survey


def test_school_needs_count_only_above_the_anonymity_threshold(world):
    _survey(world.school, [["ovz"]] * 4)
    assert matching.school_needs(organisation_id=world.school.pk) == {}
    _survey(world.school, [["ovz", "methods"], ["ovz"], ["ovz"], ["methods"], []])
    needs = matching.school_needs(organisation_id=world.school.pk)
    assert list(needs) == ["ovz", "methods"]
    assert needs["ovz"][1] == 60.0


def test_school_needs_of_an_open_survey_are_its_published_figures_only(world):
    """While a survey is open the card's suggestions read the published figures, as the survey
    pages do: one more teacher's answer changes nothing until the next publication, so the
    card before and after it does not tell what that teacher ticked."""
    from diagnostics import services as diagnostics

    today = timezone.localdate()
    survey = _survey(world.school, [["ovz"], ["ovz"], ["methods"], ["ovz"], ["ovz"]])
    survey.opens_on, survey.closes_on = today - dt.timedelta(days=3), today + dt.timedelta(days=9)
    survey.save()
    assert matching.school_needs(organisation_id=world.school.pk) == {}  # nothing published
    diagnostics.survey_publish(survey=survey, organisation_id=world.school.pk, force=True)
    published = matching.school_needs(organisation_id=world.school.pk)
    assert published == {
        "ovz": (published["ovz"][0], 80.0),
        "methods": (published["methods"][0], 20.0),
    }
    r = SurveyResponse.objects.create(
        id=uuid.uuid4(), survey=survey, organisation=world.school, answered_on=today
    )
    SurveyNeed.objects.create(response=r, need="methods")
    assert matching.school_needs(organisation_id=world.school.pk) == published
    survey.closes_on = today - dt.timedelta(days=1)  # closed: every answer counts
    survey.save()
    assert matching.school_needs(organisation_id=world.school.pk)["methods"][1] == round(
        100 * 2 / 6, 1
    )


def test_suggestions_cover_needs_with_free_places_nearest_first(world):
    world.school.latitude, world.school.longitude = 55.0, 37.0
    world.school.save()
    profile(world.school, {6: "high", 9: "low"})
    _survey(world.school, [["ovz"], ["ovz"], ["methods"], ["ovz"], []])
    near_org = OrganisationFactory(municipality=world.mun, latitude=55.01, longitude=37.0)
    far_org = OrganisationFactory(municipality=world.mun, latitude=55.5, longitude=37.0)
    far = mentor(world.mun, name="Дальняя", factors=[6], organisation=far_org)
    near = mentor(world.mun, name="Ближняя", factors=[6], organisation=near_org)
    both = mentor(world.mun, name="Всё умеет", factors=[6], needs=["ovz"], organisation=far_org)
    full = mentor(world.mun, name="Занятая", factors=[6], needs=["ovz"], capacity=1)
    Mentorship.objects.create(mentor=full, organisation=world.leader, mentee="x", topic="x")
    mentor(world.mun, name="Не то", factors=[9])
    foreign = RegionFactory(name="Другая область")
    mentor(MunicipalityFactory(region=foreign), name="Чужая", factors=[6], needs=["ovz"])
    from diagnostics.card import current_levels
    from knowledge.selectors import high_factor_ids  # noqa: F401 — the same levels as the card

    class Req:
        pass

    _wants, found = matching.suggest_for_school(
        organisation=world.school, levels=current_levels(Req(), world.school)
    )
    assert [s.candidate.pk for s in found] == [both.pk, near.pk, far.pk]
    reasons = " ".join(found[0].reasons)
    assert "Обучение" in reasons or "disabilities" in reasons
    assert any("км" in r or "km" in r for r in found[1].reasons)


def test_capacity_is_never_exceeded(world, users):
    m = mentor(world.mun, capacity=1, factors=[6])
    services.mentorship_propose(
        mentor=m, organisation=world.school, mentee="Учитель", topic="ОВЗ", user=users.director
    )
    with pytest.raises(services.CapacityError):
        services.mentorship_propose(
            mentor=m, organisation=world.school, mentee="Ещё", topic="ОВЗ", user=users.director
        )
    assert Mentorship.objects.count() == 1


def test_mentor_cannot_declare_fewer_places_than_taken(world, users, client_for):
    m = mentor(world.mun, capacity=2, factors=[6], user=users.teacher)
    for name in ("А", "Б"):
        services.mentorship_propose(
            mentor=m, organisation=world.school, mentee=name, topic="т", user=users.director
        )
    client = client_for(users.teacher)
    data = {"full_name": m.full_name, "municipality": world.mun.pk, "capacity": 1,
            "risk_factors": [m.risk_factors.get().pk], "email": "a@b.ru"}  # fmt: skip
    page = client.post(reverse("knowledge:mentor_edit", args=[m.pk]), data)
    assert page.status_code == 200
    m.refresh_from_db()
    assert m.capacity == 2


def test_contacts_only_within_the_territory(world, users, client_for):
    m = mentor(world.mun, email="anna@school5.example", factors=[6])
    url = reverse("knowledge:mentor_detail", args=[m.pk])
    assert "anna@school5.example" in client_for(users.director).get(url).content.decode()
    assert "anna@school5.example" in client_for(users.coordinator).get(url).content.decode()
    outsider_page = client_for(users.outsider_director).get(url)
    assert outsider_page.status_code == 200
    assert "anna@school5.example" not in outsider_page.content.decode()
    export = client_for(users.outsider).get(reverse("knowledge:mentor_export"))
    assert b"anna@school5.example" not in export.content
    far = mentor(MunicipalityFactory(region=RegionFactory(name="Иная")), name="Далеко")
    url = reverse("knowledge:mentor_detail", args=[far.pk])
    assert client_for(users.director).get(url).status_code == 404
    assert (
        client_for(users.nobody).get(reverse("knowledge:mentor_detail", args=[m.pk])).status_code
        == 404
    )


def test_teacher_volunteers_as_a_mentor(world, users, client_for):
    client = client_for(users.teacher)
    page = client.get(reverse("knowledge:mentor_create") + "?me=1")
    assert page.status_code == 200
    data = {"me": "1", "full_name": "Учитель", "municipality": world.mun.pk, "capacity": 2,
            "needs": ["ovz"], "email": "t@example.test"}  # fmt: skip
    client.post(reverse("knowledge:mentor_create"), data)
    assert users.teacher.mentor_profile.need_codes == ["ovz"]
    # without any expertise the card is refused
    client = client_for(users.director)
    page = client.post(reverse("knowledge:mentor_create"), data | {"needs": []})
    assert page.status_code == 200 and not hasattr(users.director, "mentor_profile")


def _login(user):
    client = Client()
    client.force_login(user)
    return client


def test_mentorship_journey_and_access(world, users):
    m = mentor(world.leader.municipality, factors=[6], user=users.leader_director, capacity=1)
    client = _login(users.director)
    response = client.post(
        reverse("knowledge:mentorship_create", args=[m.pk]),
        {"organisation": world.school.pk, "mentee": "Команда школы", "topic": "ОВЗ"},
    )
    ms = Mentorship.objects.get()
    assert response.status_code == 302 and ms.status == MentorshipStatus.PROPOSED
    # the last place is taken: a second booking is refused with a message
    page = client.post(
        reverse("knowledge:mentorship_create", args=[m.pk]),
        {"organisation": world.school.pk, "mentee": "Другой", "topic": "ОВЗ"},
        follow=True,
    )
    assert Mentorship.objects.count() == 1
    assert "мест нет" in page.content.decode()
    # an outsider sees nothing, cannot book for another municipality's school
    outsider = _login(users.outsider)
    assert outsider.get(reverse("knowledge:mentorship_detail", args=[ms.pk])).status_code == 404
    # the mentor accepts, plans a meeting and a goal
    mentor_client = _login(users.leader_director)
    url = reverse("knowledge:mentorship_transition", args=[ms.pk])
    assert client.post(url, {"action": "accept"}).status_code == 302
    ms.refresh_from_db()
    assert ms.status == MentorshipStatus.PROPOSED  # the school cannot accept for the mentor
    mentor_client.post(url, {"action": "accept"})
    ms.refresh_from_db()
    assert ms.status == MentorshipStatus.ACTIVE
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    mentor_client.post(
        reverse("knowledge:meeting_add", args=[ms.pk]),
        {"starts_at": tomorrow.strftime("%Y-%m-%dT15:00"), "topic": "Первая встреча"},
    )
    mentor_client.post(
        reverse("knowledge:goal_add", args=[ms.pk]),
        {"text": "Адаптированная программа", "due_date": "2020-01-01"},
    )
    assert MentorshipMeeting.objects.count() == 1 and MentorshipGoal.objects.count() == 1
    sent = list(reminders.meetings_tomorrow(timezone.localdate()))
    assert {r.recipient_id for r in sent} == {users.leader_director.pk, users.director.pk}
    overdue = list(reminders.goals_overdue(timezone.localdate()))
    assert overdue and overdue[0].object_key.startswith("goal:")
    # completing needs a result
    mentor_client.post(url, {"action": "complete"})
    ms.refresh_from_db()
    assert ms.status == MentorshipStatus.ACTIVE
    mentor_client.post(url, {"action": "complete", "result": "Программа написана"})
    ms.refresh_from_db()
    assert ms.status == MentorshipStatus.COMPLETED and ms.result == "Программа написана"


def test_reminder_kinds_are_registered():
    keys = {k.key for k in reminder_kinds()}
    assert {"mentorship_meeting", "mentorship_goal_overdue"} <= keys


def test_suggest_page_and_its_forbidden_case(world, users, client_for):
    profile(world.school, {6: "high"})
    m = mentor(world.mun, name="Наставник по ОВЗ", factors=[6])
    url = reverse("knowledge:mentor_suggest", args=[world.school.pk])
    page = client_for(users.methodologist).get(url).content.decode()
    assert (
        "Наставник по ОВЗ" in page and reverse("knowledge:mentorship_create", args=[m.pk]) in page
    )
    assert client_for(users.outsider).get(url).status_code == 404
    assert client_for(users.outsider_director).get(url).status_code == 404


@pytest.mark.parametrize("rows", [2, 12])
def test_mentor_list_queries_do_not_grow(world, users, client_for, django_assert_num_queries, rows):
    for i in range(rows):
        mentor(world.mun, name=f"Наставник {i}", factors=[6, 9])
    client = client_for(users.director)
    client.get(reverse("knowledge:mentor_list"))
    with django_assert_num_queries(13):
        assert client.get(reverse("knowledge:mentor_list")).status_code == 200


def test_a_refused_mentorship_proposal_keeps_what_the_director_typed(world, users):
    """A missing field redirected to the mentor's page with an empty form and a bare
    «Обязательное поле.»; now the page comes back with the text and the field's error."""
    m = mentor(world.leader.municipality, factors=[6], user=users.leader_director, capacity=2)
    client = _login(users.director)
    page = client.post(
        reverse("knowledge:mentorship_create", args=[m.pk]),
        {"organisation": "", "mentee": "Петров М. А.", "topic": "Формирующее оценивание"},
    )
    assert page.status_code == 200 and not Mentorship.objects.exists()
    text = page.content.decode()
    assert 'value="Петров М. А."' in text and 'value="Формирующее оценивание"' in text
    assert "Обязательное поле." in text


def test_the_directors_only_school_is_chosen_in_the_mentorship_form(world, users):
    m = mentor(world.leader.municipality, factors=[6], user=users.leader_director, capacity=2)
    page = _login(users.director).get(reverse("knowledge:mentor_detail", args=[m.pk]))
    form = page.context["booking_form"]
    assert form["organisation"].value() == world.school.pk


def test_mentor_places_agree_with_the_capacity(world, users, client_for):
    """«занято 0 из 1 места» (a mentor with one place), not «из 1 мест»."""
    m = mentor(world.mun, capacity=1, factors=[6])
    client = client_for(users.methodologist)
    detail = client.get(reverse("knowledge:mentor_detail", args=[m.pk])).content.decode()
    assert "занято 0 из 1 места" in detail
    assert "занято 0 из 1 места" in client.get(reverse("knowledge:mentor_list")).content.decode()
