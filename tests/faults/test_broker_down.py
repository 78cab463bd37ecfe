"""A broker that is down when a change is saved: the change stays saved, the page answers
with a redirect and says that e-mails will follow, the task waits in the outbox, and beat's
``outbox.send_pending`` queues it once the broker is back — each exactly once.

The broker is "down" by making every ``apply_async`` raise kombu's ``OperationalError`` (what
Celery raises when it cannot connect), the way a real outage looks to the calling code.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager

import pytest
from celery.app.task import Task
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from diagnostics import services as diagnostics_services
from diagnostics.models import CycleKind, QuestionnaireStatus
from events.models import EventStatus, RegistrationStatus
from network_portal.outbox.models import OutboxTask
from network_portal.outbox.tasks import send_pending
from roadmaps.models import RoadmapStatus
from schools.models import ImportRun, Organisation
from schools.services import categories_recompute_later
from tests.diagnostics.factories import QuestionnaireFactory
from tests.diagnostics.test_services import worst_answers
from tests.events.factories import EventFactory, RegistrationFactory
from tests.factories import valid_inn
from tests.roadmaps.factories import RoadmapFactory, RoadmapItemFactory, partnership_of

pytestmark = pytest.mark.django_db

NOTICE = "письма и фоновая обработка будут выполнены позже"


@contextmanager
def broker_down(monkeypatch):
    calls: list[str] = []

    def refuse(self, *args, **kwargs):
        calls.append(self.name)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(Task, "apply_async", refuse)
        yield calls


def _beat(django_capture_on_commit_callbacks) -> dict:
    """Beat runs the outbox task in the worker (``apply``: here, in this process)."""
    with django_capture_on_commit_callbacks(execute=True):
        return send_pending.apply().get()


def _post_while_down(client, url, data, monkeypatch, django_capture_on_commit_callbacks):
    with broker_down(monkeypatch) as calls, django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, data)
    assert calls, "the service did not try to queue anything"
    return response


def _assert_saved_and_noticed(client, response) -> None:
    assert response.status_code == 302  # not 500: the change is saved
    client.get(response["Location"])


@pytest.mark.django_db(transaction=True)
def test_roadmap_submit_with_the_broker_down_keeps_the_curator_email(
    world, users, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    """Transactional: the commit happens inside the request, as in production, so the page
    after the redirect says that e-mails will follow."""
    partnership = partnership_of(supported=world.school, leader=world.leader)
    roadmap = RoadmapFactory(organisation=world.school, partnership=partnership)
    RoadmapItemFactory(roadmap=roadmap)
    client = client_for(users.director)
    with broker_down(monkeypatch) as calls:
        response = client.post(
            reverse("roadmaps:submit", args=[roadmap.pk]), {"comment": "Просим согласовать"}
        )
    assert calls == ["roadmaps.notify_review_step"]
    assert response.status_code == 302
    assert NOTICE in client.get(response["Location"]).content.decode()
    roadmap.refresh_from_db()
    assert roadmap.status == RoadmapStatus.SUBMITTED
    row = OutboxTask.objects.get()
    assert row.task_name == "roadmaps.notify_review_step" and "Connection refused" in row.error
    assert row.sent_at is None and not mail.outbox

    assert _beat(django_capture_on_commit_callbacks) == {"sent": 1, "failed": 0, "unknown": 0}
    assert [m.to for m in mail.outbox] == [[users.curator.email]]
    row.refresh_from_db()
    assert row.sent_at is not None
    # A second beat run sends nothing again.
    assert _beat(django_capture_on_commit_callbacks)["sent"] == 0
    assert len(mail.outbox) == 1


def test_questionnaire_return_with_the_broker_down_keeps_the_directors_email(
    world, users, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    questionnaire = QuestionnaireFactory(cycle__municipality=world.mun, organisation=world.school)
    diagnostics_services.questionnaire_save(
        questionnaire=questionnaire,
        answers=worst_answers(questionnaire.instrument),
        expected_version=0,
        user=users.director,
        submit=True,
    )
    client = client_for(users.methodologist)
    response = _post_while_down(
        client,
        reverse("diagnostics:questionnaire_return", args=[questionnaire.pk]),
        {"comment": "Проверьте раздел 9"},
        monkeypatch,
        django_capture_on_commit_callbacks,
    )
    _assert_saved_and_noticed(client, response)
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.RETURNED
    assert OutboxTask.objects.get().task_name == "diagnostics.notify_questionnaire_returned"
    mail.outbox.clear()
    _beat(django_capture_on_commit_callbacks)
    assert users.director.email in {to for m in mail.outbox for to in m.to}


def test_event_cancel_with_the_broker_down_still_tells_the_registered(
    world, users, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    event = EventFactory(organiser=world.leader)
    RegistrationFactory(event=event, user=users.teacher)
    client = client_for(users.methodologist)
    response = _post_while_down(
        client,
        reverse("events:cancel", args=[event.pk]),
        {"reason": "Карантин по гриппу"},
        monkeypatch,
        django_capture_on_commit_callbacks,
    )
    _assert_saved_and_noticed(client, response)
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED
    assert OutboxTask.objects.get().task_name == "events.notify_event_cancelled"
    mail.outbox.clear()
    _beat(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[users.teacher.email]]


def test_unregister_promoting_the_waiting_with_the_broker_down(
    world, users, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    event = EventFactory(organiser=world.leader, capacity=1)
    RegistrationFactory(event=event, user=users.teacher)
    waiting = RegistrationFactory(event=event, status=RegistrationStatus.WAITLISTED)
    client = client_for(users.teacher)
    response = _post_while_down(
        client,
        reverse("events:unregister", args=[event.pk]),
        {},
        monkeypatch,
        django_capture_on_commit_callbacks,
    )
    _assert_saved_and_noticed(client, response)
    waiting.refresh_from_db()
    assert waiting.status == RegistrationStatus.REGISTERED
    row = OutboxTask.objects.get()
    assert (row.task_name, row.args) == ("events.notify_registration_promoted", [waiting.pk])
    mail.outbox.clear()
    _beat(django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[waiting.user.email]]


def test_import_apply_with_the_broker_down_runs_later(
    world, users, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    inn = valid_inn(7)
    client = client_for(users.methodologist)
    content = f"Название;ИНН\nМОБУ «СОШ № 31»;{inn}\n".encode()
    client.post(
        reverse("schools:import_new"),
        {
            "kind": "schools",
            "municipality": world.mun.pk,
            "file": SimpleUploadedFile("школы.csv", content, content_type="text/csv"),
        },
    )
    run = ImportRun.objects.get()
    client.post(reverse("schools:import_mapping", args=[run.pk]), run.mapping)
    response = _post_while_down(
        client,
        reverse("schools:import_preview", args=[run.pk]),
        {},
        monkeypatch,
        django_capture_on_commit_callbacks,
    )
    _assert_saved_and_noticed(client, response)
    run.refresh_from_db()
    assert run.status == "queued" and not Organisation.objects.filter(inn=inn).exists()
    assert OutboxTask.objects.get().task_name == "schools.run_import"
    _beat(django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.status == "done" and Organisation.objects.filter(inn=inn).exists()


def test_recompute_and_cycle_open_with_the_broker_down_are_kept(
    world, users, monkeypatch, django_capture_on_commit_callbacks
):
    with broker_down(monkeypatch), django_capture_on_commit_callbacks(execute=True):
        categories_recompute_later(organisation_ids=[world.school.pk])
        diagnostics_services.cycle_open(
            municipality=world.mun,
            kind=CycleKind.ENTRY,
            title="Входная",
            opens_on=timezone.localdate(),
            closes_on=timezone.localdate() + datetime.timedelta(days=30),
            schools=[world.school],
            user=users.methodologist,
            notify=True,
        )
    rows = list(OutboxTask.objects.values_list("task_name", "kwargs"))
    assert rows == [
        (
            "schools.recompute_categories",
            {"organisation_ids": [world.school.pk], "region_id": None},
        ),
        ("diagnostics.notify_cycle_opened", {}),
    ]
    # Still down at the first beat run: nothing lost, the error and attempts recorded.
    with broker_down(monkeypatch):
        assert _beat(django_capture_on_commit_callbacks) == {"sent": 0, "failed": 1, "unknown": 0}
    first = OutboxTask.objects.order_by("pk").first()
    assert first.attempts == 2 and first.sent_at is None
    result = _beat(django_capture_on_commit_callbacks)
    assert result["sent"] == 2
    assert not OutboxTask.objects.filter(sent_at__isnull=True).exists()
