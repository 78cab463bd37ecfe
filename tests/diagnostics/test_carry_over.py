"""Issue 15, item 4: a new cycle's questionnaire starts from the school's previous answers,
marked as carried over until the team confirms them by saving (it started empty)."""

import datetime

import pytest
from django.urls import reverse

from diagnostics import services
from diagnostics.models import Answer, CycleKind

from .test_services import questionnaire, worst_answers  # noqa: F401 — the fixture

pytestmark = pytest.mark.django_db


def test_new_cycle_starts_from_the_previous_answers_until_confirmed(
    questionnaire,  # noqa: F811
    users,
    world,
    client_for,
):
    answers = worst_answers(questionnaire.instrument)
    services.questionnaire_save(
        questionnaire=questionnaire,
        answers=answers,
        expected_version=questionnaire.version,
        user=users.director,
        submit=True,
    )
    cycle = services.cycle_open(
        municipality=world.mun,
        kind=CycleKind.INTERMEDIATE,
        title="Промежуточная",
        opens_on=datetime.date.today(),
        closes_on=datetime.date.today() + datetime.timedelta(days=30),
        schools=[world.school, world.leader],
        user=users.methodologist,
    )
    new = cycle.questionnaires.get(organisation=world.school)
    carried = dict(new.answers.values_list("indicator_id", "option_id"))
    assert carried == answers
    assert all(new.answers.values_list("carried_over", flat=True))
    assert not cycle.questionnaires.get(organisation=world.leader).answers.exists()

    client = client_for(users.director)
    page = client.get(reverse("diagnostics:questionnaire", args=[new.pk])).content.decode()
    assert "перенесен" in page and "не подтвержден" in page

    services.questionnaire_save(
        questionnaire=new, answers=carried, expected_version=new.version, user=users.director
    )
    assert not Answer.objects.filter(questionnaire=new, carried_over=True).exists()
    page = client.get(reverse("diagnostics:questionnaire", args=[new.pk])).content.decode()
    assert "не подтвержден" not in page
    assert (
        client_for(users.outsider_director)
        .get(reverse("diagnostics:questionnaire", args=[new.pk]))
        .status_code
        == 404
    )
