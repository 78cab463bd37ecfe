"""The differencing attack on the anonymous teachers' survey (issue 16, item 3).

A reader who looks at the results before and after each single answer must learn nothing of
that answer: while the survey is open, a school's figures change only after at least five new
answers, on every page that shows them (the survey page and the events planning page), and no
free text is shown before the survey closes. After it closes every answer counts.
"""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diagnostics.models import TeacherNeed
from network_portal.accounts.models import Role
from tests.diagnostics.factories import TeacherSurveyFactory
from tests.factories import RoleAssignmentFactory, UserFactory

pytestmark = pytest.mark.django_db

NEEDS = list(TeacherNeed.values)


def _survey_figures(client: Client, survey) -> tuple:
    response = client.get(reverse("diagnostics:survey_detail", args=[survey.pk]))
    assert response.status_code == 200
    ctx = response.context
    schools = tuple(
        (
            r["school"].pk,
            r["responses"],
            r["visible"],
            tuple((n["need"], n["count"], round(n["share"], 3)) for n in r["needs"]),
            tuple(r["texts"]),
        )
        for r in ctx["schools"]
    )
    overall = tuple((r["need"], r["count"], round(r["share"], 3)) for r in ctx["overall"])
    return schools, overall, ctx["respondents_counted"], response.content.decode()


def _planning_figures(client: Client) -> tuple:
    response = client.get(reverse("events:planning"))
    assert response.status_code == 200
    survey = response.context["survey"] or []
    return tuple((r["need"], r["count"], r["share"]) for r in survey)


def _answer(survey, school, i: int) -> str:
    """The i-th teacher answers through the page: one need of their own and a private text."""
    teacher = UserFactory()
    RoleAssignmentFactory(user=teacher, role=Role.TEACHER, organisation=school)
    client = Client()
    client.force_login(teacher)
    text = f"Личный текст педагога {i}"
    response = client.post(
        reverse("diagnostics:survey_answer", args=[survey.token]),
        {"needs": [NEEDS[i % len(NEEDS)]], "difficulties": text},
    )
    assert response.status_code in (200, 302)
    return text


def test_reading_the_pages_between_single_answers_reveals_no_answer(world, users):
    survey = TeacherSurveyFactory(municipality=world.mun, schools=[world.school], min_responses=5)
    methodologist, director = Client(), Client()
    methodologist.force_login(users.methodologist)
    director.force_login(users.director)  # a director sees the planning page of the municipality

    before = _survey_figures(methodologist, survey)[:3]
    before_planning = _planning_figures(director)
    changed_at, planning_changed_at, texts = [], [], []
    for i in range(1, 13):
        texts.append(_answer(survey, world.school, i))
        now = _survey_figures(methodologist, survey)
        planning = _planning_figures(director)
        assert not any(t in now[3] for t in texts), "a free text is shown while the survey is open"
        if now[:3] != before:
            changed_at.append(i)
        if planning != before_planning:
            planning_changed_at.append(i)
        before, before_planning = now[:3], planning

    # The figures moved only in steps of five answers: the 6th … 9th, 11th and 12th answers
    # changed nothing anybody can read, so no single teacher's ticks can be read off.
    assert changed_at == [5, 10]
    assert planning_changed_at == [5, 10]
    schools, overall, counted, _html = _survey_figures(methodologist, survey)
    assert counted == 10 and schools[0][1] == 10
    assert sum(count for _need, count, _share in overall) == 10  # one need per answer

    # After the survey closes every answer counts and the free texts are shown.
    with time_machine.travel(survey.closes_on + datetime.timedelta(days=1)):
        methodologist.force_login(users.methodologist)
        director.force_login(users.director)
        schools, overall, counted, html = _survey_figures(methodologist, survey)
        assert counted == 12
        assert all(t in html for t in texts)
        assert sum(c for _n, c, _s in _planning_figures(director)) == 12


def test_a_school_below_the_threshold_stays_hidden_after_close_and_other_mun_sees_nothing(
    world, users, client_for
):
    survey = TeacherSurveyFactory(municipality=world.mun, schools=[world.school], min_responses=5)
    texts = [_answer(survey, world.school, i) for i in range(4)]
    with time_machine.travel(timezone.localdate() + datetime.timedelta(days=60)):
        _schools, overall, counted, html = _survey_figures(client_for(users.methodologist), survey)
        assert (counted, overall) == (0, ())
        assert not any(t in html for t in texts)
    url = reverse("diagnostics:survey_detail", args=[survey.pk])
    assert client_for(users.outsider).get(url).status_code == 404
