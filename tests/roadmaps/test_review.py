"""Submitting, approving and returning, quarter ratings, engagement concerns."""

import pytest
from django.urls import reverse

from roadmaps.models import EngagementConcern, QuarterRating, RoadmapStatus
from roadmaps.selectors import card_context, overview_rows

pytestmark = pytest.mark.django_db


def test_director_submits_and_curator_approves(rm, users, client_for):
    client_for(users.director).post(reverse("roadmaps:submit", args=[rm.roadmap.pk]),
                                    {"comment": "Просим согласовать"})  # fmt: skip
    rm.roadmap.refresh_from_db()
    assert rm.roadmap.status == RoadmapStatus.SUBMITTED
    page = client_for(users.curator).get(reverse("roadmaps:detail", args=[rm.roadmap.pk]))
    assert "Решение по дорожной карте" in page.content.decode()
    response = client_for(users.curator).post(
        reverse("roadmaps:review", args=[rm.roadmap.pk]), {"decision": "approve", "comment": ""}
    )
    assert response.status_code == 302
    rm.roadmap.refresh_from_db()
    assert rm.roadmap.status == RoadmapStatus.APPROVED and rm.roadmap.approved_by == users.curator


def test_returning_requires_a_comment_and_keeps_it(rm, users, client_for):
    client_for(users.director).post(reverse("roadmaps:submit", args=[rm.roadmap.pk]))
    client = client_for(users.curator)
    url = reverse("roadmaps:review", args=[rm.roadmap.pk])
    response = client.post(url, {"decision": "return", "comment": " "})
    assert "укажите, что нужно доработать" in response.content.decode()
    rm.roadmap.refresh_from_db()
    assert rm.roadmap.status == RoadmapStatus.SUBMITTED
    client.post(url, {"decision": "return", "comment": "Добавьте меры по фактору 9"})
    rm.roadmap.refresh_from_db()
    assert rm.roadmap.status == RoadmapStatus.RETURNED
    page = client_for(users.director).get(reverse("roadmaps:detail", args=[rm.roadmap.pk]))
    assert "Добавьте меры по фактору 9" in page.content.decode()


def test_an_empty_roadmap_cannot_be_submitted(world, users, client_for):
    from .factories import RoadmapFactory

    roadmap = RoadmapFactory(organisation=world.school)
    client_for(users.director).post(reverse("roadmaps:submit", args=[roadmap.pk]))
    roadmap.refresh_from_db()
    assert roadmap.status == RoadmapStatus.DRAFT


def test_reapproval_accepts_changes_after_approval(rm, users, client_for):
    rm.roadmap.status = RoadmapStatus.APPROVED
    rm.roadmap.save()
    rm.own.changed_after_approval = True
    rm.own.save()
    client_for(users.curator).post(reverse("roadmaps:review", args=[rm.roadmap.pk]),
                                   {"decision": "approve"})  # fmt: skip
    rm.own.refresh_from_db()
    assert not rm.own.changed_after_approval


def test_curator_rates_a_quarter_and_can_revise_it_with_a_reason(rm, users, client_for):
    client = client_for(users.curator)
    url = reverse("roadmaps:rate", args=[rm.roadmap.pk])
    client.post(url, {"year": 2026, "quarter": 3, "rating": "amber", "reason": "Отставание"})
    client.post(url, {"year": 2026, "quarter": 3, "rating": "green", "reason": "Наверстали",
                      "correction_reason": "Учтён отчёт за сентябрь"})  # fmt: skip
    rating = QuarterRating.objects.get(roadmap=rm.roadmap)
    assert (rating.rating, rating.reason) == ("green", "Наверстали")


def test_rating_without_reason_is_refused(rm, users, client_for):
    response = client_for(users.curator).post(
        reverse("roadmaps:rate", args=[rm.roadmap.pk]),
        {"year": 2026, "quarter": 3, "rating": "red", "reason": ""},
    )
    assert response.status_code == 200
    assert "Укажите обоснование оценки" in response.content.decode()
    assert not QuarterRating.objects.exists()


def test_concern_shows_in_overview_and_card_until_resolved(rm, users, client_for):
    client = client_for(users.methodologist)
    client.post(reverse("roadmaps:concern_raise", args=[rm.roadmap.pk]),
                {"text": "Школа не выходит на связь"})  # fmt: skip
    overview = client.get(reverse("roadmaps:overview")).content.decode()
    assert "Школа не выходит на связь" in overview
    card = card_context(user=users.methodologist, organisation=rm.roadmap.organisation)
    assert [c.text for c in card["concerns"]] == ["Школа не выходит на связь"]
    concern = EngagementConcern.objects.get()
    client.post(reverse("roadmaps:concern_resolve", args=[concern.pk]),
                {"resolution": "Директор вышел на связь"})  # fmt: skip
    concern.refresh_from_db()
    assert concern.resolved_by == users.methodologist
    assert not card_context(user=users.methodologist, organisation=rm.roadmap.organisation)[
        "concerns"
    ]
    assert (
        "Школа не выходит на связь" not in client.get(reverse("roadmaps:overview")).content.decode()
    )


def test_overview_of_the_outsider_does_not_show_other_municipality(rm, users):
    assert overview_rows(user=users.outsider) == []
    assert [r["organisation"] for r in overview_rows(user=users.methodologist)] == [
        rm.roadmap.organisation
    ]


def test_card_section_is_registered():
    from network_portal.ui import slots

    assert "roadmaps" in [c.key for c in slots.contributions("schools.card")]


def test_concern_about_a_school_without_roadmap_from_the_card(world, users, client_for):
    client = client_for(users.methodologist)
    url = reverse("roadmaps:concern_new", args=[world.leader.pk])
    card = reverse("schools:detail", args=[world.leader.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"text": "Не отвечает на звонки", "next": card})
    assert response.status_code == 302 and response["Location"] == card
    concern = EngagementConcern.objects.get(organisation=world.leader)
    assert card_context(user=users.methodologist, organisation=world.leader)["concerns"] == [
        concern
    ]
    response = client.post(
        reverse("roadmaps:concern_resolve", args=[concern.pk]),
        {"resolution": "Связались", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("roadmaps:overview")  # no open redirect


def test_concerns_are_for_the_territory_and_the_curator_only(world, users, client_for):
    url = reverse("roadmaps:concern_new", args=[world.school.pk])
    for who in ("outsider", "director", "teacher", "leader_director", "outsider_director"):
        assert client_for(getattr(users, who)).post(url, {"text": "x"}).status_code == 404, who
    concern = EngagementConcern.objects.create(organisation=world.school, text="Молчат")
    resolve = reverse("roadmaps:concern_resolve", args=[concern.pk])
    for who in ("outsider", "director", "teacher"):
        assert client_for(getattr(users, who)).post(resolve, {"resolution": "x"}).status_code == 404
    assert EngagementConcern.objects.get().is_open
    response = client_for(users.curator).post(resolve, {"resolution": "Директор вышел на связь"})
    assert response.status_code == 302 and not EngagementConcern.objects.get().is_open


@pytest.mark.parametrize("who", ["director", "curator", "methodologist", "leader_director"])
def test_home_page_panel_lists_roadmaps_needing_attention(rm, users, client_for, who):
    from datetime import date, timedelta

    from roadmaps.models import RoadmapItem

    RoadmapItem.objects.filter(pk=rm.own.pk).update(
        start_date=date.today() - timedelta(days=30), due_date=date.today() - timedelta(days=2)
    )
    body = client_for(getattr(users, who)).get(reverse("ui:home")).content.decode()
    assert rm.roadmap.title in body


def test_school_card_shows_the_roadmap_section(rm, users, client_for):
    body = (
        client_for(users.curator)
        .get(reverse("schools:detail", args=[rm.roadmap.organisation.pk]))
        .content.decode()
    )
    assert "Дорожная карта и вовлечённость" in body and rm.roadmap.title in body


def test_review_steps_are_emailed(
    rm, users, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        client_for(users.director).post(reverse("roadmaps:submit", args=[rm.roadmap.pk]))
    assert [m.to for m in mailoutbox] == [[users.curator.email]]
    assert "на согласовании" in mailoutbox[0].subject
    with django_capture_on_commit_callbacks(execute=True):
        client_for(users.curator).post(
            reverse("roadmaps:review", args=[rm.roadmap.pk]),
            {"decision": "return", "comment": "Добавьте сроки"},
        )
    returned = mailoutbox[1]
    assert returned.to == [users.director.email] and "Добавьте сроки" in returned.body
    assert f"/roadmaps/{rm.roadmap.pk}/" in returned.body
