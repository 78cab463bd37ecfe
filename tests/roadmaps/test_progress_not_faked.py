"""Issue 15, item 3: progress that cannot be faked.

An item with a target is closed as «Выполнено» only with its actual value or evidence; without
either only as «Выполнено без подтверждения», which is counted apart, is never done and stays
overdue. An item closed after its due date stays marked «выполнено с опозданием»."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from roadmaps import services
from roadmaps.models import RoadmapItem
from roadmaps.rules import closing_needs_proof, progress_of
from roadmaps.selectors import overview_rows, roadmap_rows

pytestmark = pytest.mark.django_db


def quick(client, item, **data):
    payload = {"status": item.status, "actual": "", "version": item.version, **data}
    return client.post(
        reverse("roadmaps:item_quick", args=[item.pk]), payload, HTTP_HX_REQUEST="true"
    )


@pytest.fixture
def overdue_item(rm):
    """The demo's case: target 40, no fact, due a week ago."""
    RoadmapItem.objects.filter(pk=rm.own.pk).update(
        target_value=40,
        start_date=date.today() - timedelta(days=60),
        due_date=date.today() - timedelta(days=7),
    )
    rm.own.refresh_from_db()
    return rm.own


def test_closing_rule_needs_an_actual_value_or_evidence_only_with_a_target():
    assert closing_needs_proof(status="done", has_target=True, has_actual=False, has_evidence=False)
    assert not closing_needs_proof(
        status="done", has_target=True, has_actual=True, has_evidence=False
    )
    assert not closing_needs_proof(
        status="done", has_target=True, has_actual=False, has_evidence=True
    )
    assert not closing_needs_proof(
        status="done", has_target=False, has_actual=False, has_evidence=False
    )
    assert not closing_needs_proof(
        status="unconfirmed", has_target=True, has_actual=False, has_evidence=False
    )


def test_overdue_item_with_a_target_cannot_be_set_done_without_fact_or_evidence(
    overdue_item, users, client_for
):
    response = quick(client_for(users.director), overdue_item, status="done")
    body = response.content.decode()
    assert "Выполнено без подтверждения" in body and "is-invalid" in body
    overdue_item.refresh_from_db()
    assert overdue_item.status == "planned" and overdue_item.version == 1
    rows = roadmap_rows(
        roadmaps=type(overdue_item.roadmap).objects.filter(pk=overdue_item.roadmap_id)
    )
    assert rows.get().n_overdue == 1


def test_the_service_refuses_it_too(overdue_item, users):
    with pytest.raises(ValidationError):
        services.item_save(
            item=overdue_item,
            data={"status": "done"},
            version=overdue_item.version,
            user=users.director,
        )


def test_full_form_refuses_done_without_fact_for_an_item_with_a_target(rm, users, client_for):
    from tests.roadmaps.test_views_items import _item_form

    data = _item_form(rm.own, status="done", actual="")
    response = client_for(users.director).post(
        reverse("roadmaps:item_edit", args=[rm.own.pk]), data
    )
    assert response.status_code == 200
    assert "Выполнено без подтверждения" in response.content.decode()
    rm.own.refresh_from_db()
    assert rm.own.status == "planned"


def test_unconfirmed_closure_is_counted_apart_and_stays_overdue(overdue_item, users, client_for):
    client = client_for(users.director)
    response = quick(client, overdue_item, status="unconfirmed")
    assert "Сохранено" in response.content.decode()
    overdue_item.refresh_from_db()
    assert overdue_item.status == "unconfirmed" and overdue_item.completed_at == date.today()
    progress = progress_of([overdue_item], today=date.today())
    assert (progress.done, progress.unconfirmed, progress.overdue) == (0, 1, 1)
    assert progress.percent == 0
    row = roadmap_rows(roadmaps=type(overdue_item.roadmap).objects.all()).get(
        pk=overdue_item.roadmap_id
    )
    assert (row.n_done, row.n_unconfirmed, row.n_overdue) == (0, 1, 1)


def test_curator_sees_unconfirmed_on_the_roadmap_the_card_and_the_overview(
    overdue_item, users, client_for
):
    quick(client_for(users.director), overdue_item, status="unconfirmed")
    curator = client_for(users.curator)
    page = curator.get(reverse("roadmaps:detail", args=[overdue_item.roadmap_id])).content.decode()
    assert "выполнено без подтверждения" in page.lower()
    assert "Просрочено" in page
    card = curator.get(
        reverse("schools:detail", args=[overdue_item.roadmap.organisation_id])
    ).content.decode()
    assert "без подтверждения" in card
    methodist = client_for(users.methodologist)
    overview = methodist.get(reverse("roadmaps:overview")).content.decode()
    assert "без подтверждения" in overview
    rows = overview_rows(user=users.methodologist)
    assert sum(r["overdue"] for r in rows) == 1


def test_evidence_confirms_an_unconfirmed_closure_and_late_stays_marked(
    overdue_item, users, client_for
):
    client = client_for(users.director)
    quick(client, overdue_item, status="unconfirmed")
    client.post(
        reverse("roadmaps:evidence_add", args=[overdue_item.pk]),
        {"text": "Протокол методического дня"},
        HTTP_HX_REQUEST="true",
    )
    overdue_item.refresh_from_db()
    assert overdue_item.status == "done"
    assert overdue_item.completed_late
    progress = progress_of([overdue_item], today=date.today())
    assert (progress.done, progress.overdue, progress.late) == (1, 0, 1)
    page = client_for(users.curator).get(reverse("roadmaps:detail", args=[overdue_item.roadmap_id]))
    assert "выполнено с опозданием" in page.content.decode()


def test_done_with_an_actual_value_after_the_due_date_is_marked_late(
    overdue_item, users, client_for
):
    quick(client_for(users.director), overdue_item, status="done", actual="35")
    overdue_item.refresh_from_db()
    assert overdue_item.status == "done" and overdue_item.completed_late
    page = client_for(users.curator).get(reverse("roadmaps:print", args=[overdue_item.roadmap_id]))
    assert "выполнено с опозданием" in page.content.decode()


def test_outsider_cannot_close_the_item(overdue_item, users, client_for):
    response = quick(client_for(users.outsider_director), overdue_item, status="unconfirmed")
    assert response.status_code == 404
