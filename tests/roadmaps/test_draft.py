"""A draft roadmap from the risk profile and the library of typical measures."""

from datetime import date

import pytest
from django.urls import reverse

from roadmaps.models import MeasureTemplate, Roadmap
from roadmaps.services import roadmap_create

from .factories import partnership_of, profile_with

pytestmark = pytest.mark.django_db


def test_library_has_several_russian_measures_per_factor():
    for code in range(1, 11):
        measures = MeasureTemplate.objects.filter(risk_factor__code=code)
        assert measures.count() >= 3, code
        for m in measures:
            assert m.module and m.duration_days > 0 and m.target_indicator
            assert any("а" <= ch <= "я" for ch in m.task.lower())


def test_draft_proposes_measures_for_high_and_medium_factors_only(world, users):
    profile_with(world.school, {6: "high", 9: "medium", 10: "low"})
    result = roadmap_create(
        organisation=world.school, title="Программа", user=users.director, start=date(2026, 9, 1)
    )
    items = list(result.roadmap.items.select_related("risk_factor"))
    by_factor = {}
    for item in items:
        by_factor.setdefault(item.risk_factor.code, []).append(item)
    assert set(by_factor) == {6, 9}
    assert len(by_factor[6]) == 3 and len(by_factor[9]) == 2
    assert all(i.due_date >= i.start_date and i.module for i in items)
    assert result.proposed == 5 and result.factors == 2
    assert all(i.history.count() == 1 for i in items)


def test_leader_school_is_co_responsible_where_it_fits(world, users):
    profile_with(world.school, {3: "high"})
    partnership = partnership_of(supported=world.school, leader=world.leader)
    roadmap = roadmap_create(
        organisation=world.school, title="Совместный план", partnership=partnership,
        user=users.director,
    ).roadmap  # fmt: skip
    leader_items = [i for i in roadmap.items.all() if i.measure_template.with_leader]
    others = [i for i in roadmap.items.all() if not i.measure_template.with_leader]
    assert leader_items and all(i.co_responsible_organisation == world.leader for i in leader_items)
    assert all(i.co_responsible_organisation is None for i in others)


def test_school_without_profile_gets_an_empty_roadmap(world, users):
    result = roadmap_create(organisation=world.school, title="Пустая", user=users.director)
    assert result.proposed == 0 and not result.roadmap.items.exists()


def test_director_creates_a_draft_through_the_page(world, users, client_for):
    profile_with(world.school, {6: "high"})
    client = client_for(users.director)
    page = client.get(reverse("roadmaps:create")).content.decode()
    assert "Высокая доля обучающихся с рисками учебной неуспешности" in page
    response = client.post(
        reverse("roadmaps:create"),
        {"title": "Программа перехода", "from_profile": "on", "start": "2026-09-01"},
    )
    roadmap = Roadmap.objects.get(title="Программа перехода")
    assert response.status_code == 302 and roadmap.organisation == world.school
    assert roadmap.items.count() == 3


def test_propose_again_adds_only_uncovered_factors(world, users, client_for):
    profile_with(world.school, {6: "high"})
    roadmap = roadmap_create(organisation=world.school, title="П", user=users.director).roadmap
    profile_with(world.school, {6: "high", 10: "medium"})  # a newer profile
    client_for(users.director).post(reverse("roadmaps:propose", args=[roadmap.pk]))
    codes = sorted(roadmap.items.values_list("risk_factor__code", flat=True))
    assert codes == [6, 6, 6, 10, 10]


def test_coordinator_edits_the_library(world, users, client_for):
    template = MeasureTemplate.objects.filter(risk_factor__code=1).first()
    url = reverse("roadmaps:library_edit", args=[template.pk])
    data = {
        "risk_factor": template.risk_factor_id, "module": "partnership", "task": "Новая мера",
        "measure": "Описание", "form_of_interaction": "стажировка", "duration_days": 30,
        "target_indicator": "Число", "target_value": "3", "is_active": "on",
    }  # fmt: skip
    assert client_for(users.coordinator).post(url, data).status_code == 302
    # The coordinator's region gets its own copy; the portal's library is unchanged.
    own = MeasureTemplate.objects.get(region=world.region, copied_from=template)
    assert own.task == "Новая мера" and not own.with_leader
    template.refresh_from_db()
    assert template.task != "Новая мера"


def test_propose_without_a_profile_says_why(world, users, client_for):
    roadmap = roadmap_create(organisation=world.school, title="П", user=users.director).roadmap
    response = client_for(users.director).post(
        reverse("roadmaps:propose", args=[roadmap.pk]), follow=True
    )
    assert "Предлагать нечего" in response.content.decode()
