"""Imports whose worker dies: nothing is written, and beat makes them startable again.

The worker is "killed" in the middle of writing (after every row was written inside the
import's transaction, before the commit) by an exception no handler catches, like a SIGKILL:
the run stays «Выполняется 60 %» as it did in the attack. Beat's ``schools.recover_imports``
(run as Celery would) marks it interrupted once it has been silent for ``STALE_AFTER``; the
user starts it again from the check page and it is imported once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from schools import recovery
from schools import services as school_services
from schools.models import ImportRun, ImportStatus, Organisation
from schools.tasks import recover_imports
from tests.factories import valid_inn

pytestmark = pytest.mark.django_db


class WorkerKilled(BaseException):
    """Nothing in the portal catches it: the process is gone, as after SIGKILL."""


def _checked_run(client, world, inns) -> ImportRun:
    lines = "".join(f"МОБУ «СОШ № {i}»;{inn}\n" for i, inn in enumerate(inns, 1))
    upload = SimpleUploadedFile(
        "школы.csv", f"Название;ИНН\n{lines}".encode(), content_type="text/csv"
    )
    client.post(
        reverse("schools:import_new"),
        {"kind": "schools", "municipality": world.mun.pk, "file": upload},
    )
    run = ImportRun.objects.latest("pk")
    client.post(reverse("schools:import_mapping", args=[run.pk]), run.mapping)
    run.refresh_from_db()
    assert run.status == ImportStatus.PREVIEWED
    return run


def _beat(at) -> dict:
    with time_machine.travel(at):
        return recover_imports.apply().get()


def test_import_killed_mid_write_is_recovered_and_applied_again(
    world, users, client_for, monkeypatch, django_capture_on_commit_callbacks
):
    inns = [valid_inn(40 + i) for i in range(3)]
    client = client_for(users.methodologist)
    run = _checked_run(client, world, inns)
    real_apply = school_services.apply_organisations

    def killed(plan):
        with transaction.atomic():
            real_apply(plan)  # every row written …
            raise WorkerKilled  # … and the worker dies before the commit

    monkeypatch.setattr(school_services, "apply_organisations", killed)
    with pytest.raises(WorkerKilled), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("schools:import_preview", args=[run.pk]), {})
    run.refresh_from_db()
    assert (run.status, run.progress) == (ImportStatus.RUNNING, 60)
    assert not Organisation.objects.filter(inn__in=inns).exists()  # nothing was written
    monkeypatch.setattr(school_services, "apply_organisations", real_apply)

    # A live worker is never disturbed: before STALE_AFTER the run is left alone.
    assert _beat(timezone.now() + recovery.STALE_AFTER / 2) == {
        "interrupted": 0,
        "checks": 0,
        "reads": 0,
    }
    run.refresh_from_db()
    assert run.status == ImportStatus.RUNNING

    assert _beat(timezone.now() + recovery.STALE_AFTER + timedelta(minutes=1)) == {
        "interrupted": 1,
        "checks": 0,
        "reads": 0,
    }
    run.refresh_from_db()
    assert run.status == ImportStatus.INTERRUPTED and run.progress == 0
    page = client.get(reverse("schools:import_detail", args=[run.pk])).content.decode()
    assert "ничего не записано" in run.error and "Прерван" in page
    assert reverse("schools:import_preview", args=[run.pk]) in page

    # The user starts it again: imported once.
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("schools:import_preview", args=[run.pk]), {})
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert Organisation.objects.filter(inn__in=inns).count() == 3
    # Another beat run changes nothing, and another municipality's user cannot see the run.
    assert _beat(timezone.now() + 2 * recovery.STALE_AFTER)["interrupted"] == 0
    assert client_for(users.outsider).get(
        reverse("schools:import_detail", args=[run.pk])
    ).status_code in (403, 404)


def test_lost_queue_message_and_dead_check_are_recovered(world, users, client_for, monkeypatch):
    client = client_for(users.methodologist)
    queued = _checked_run(client, world, [valid_inn(50)])
    # The message is lost: the run waits in the queue with no worker to take it.
    monkeypatch.setattr(school_services, "enqueue_on_commit", lambda *a, **k: None)
    school_services.import_run_queue(run=queued, skip_invalid=False)
    checking = _checked_run(client, world, [valid_inn(51)])
    ImportRun.objects.filter(pk=checking.pk).update(
        status=ImportStatus.CHECKING, progress=40, heartbeat_at=timezone.now()
    )
    result = _beat(timezone.now() + recovery.STALE_AFTER + timedelta(minutes=1))
    assert result == {"interrupted": 1, "checks": 1, "reads": 0}
    queued.refresh_from_db()
    checking.refresh_from_db()
    assert queued.status == ImportStatus.INTERRUPTED
    assert school_services.import_run_can_apply(run=queued)
    assert checking.status == ImportStatus.UPLOADED and "Подтвердите столбцы" in checking.error
