"""The municipalities list is kept like every import: the checked file is an ``ImportRun`` (in
the import log), and the confirmation saves that stored run, once — not a copy in the session."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from schools import services
from schools.importing.reader import ImportFileError
from schools.models import ImportKind, ImportRun, ImportStatus, Municipality

pytestmark = pytest.mark.django_db

GOOD = "Муниципалитет;ОКТМО\nПервый округ;11701000\nСеверный район;11702000\n"
BAD = "Муниципалитет;ОКТМО\nНовый район;123\n"


def _check(client, region, text, name="list.csv"):
    upload = SimpleUploadedFile(name, text.encode("cp1251"), content_type="text/csv")
    return client.post(reverse("schools:municipality_list"), {"region": region.pk, "file": upload})


def test_the_checked_list_is_an_import_run_in_the_log(users, world, client_for):
    client = client_for(users.coordinator)
    _check(client, world.region, GOOD)
    run = ImportRun.objects.get()
    assert run.kind == ImportKind.MUNICIPALITIES and run.status == ImportStatus.PREVIEWED
    assert run.region == world.region and run.created_by == users.coordinator
    assert run.counts == {"new": 1, "updated": 1, "unchanged": 0, "invalid": 0}
    with run.file.open("rb") as handle:
        assert handle.read() == GOOD.encode("cp1251")
    assert not any("municipality_list" in key for key in client.session.keys())  # noqa: SIM118
    log = client.get(reverse("schools:imports")).content.decode()
    assert "list.csv" in log and "Список муниципалитетов" in log
    # the run's page shows the check, without the wizard's steps it has not
    page = client.get(reverse("schools:import_detail", args=[run.pk])).content.decode()
    assert reverse("schools:import_preview", args=[run.pk]) not in page
    assert client.get(reverse("schools:import_preview", args=[run.pk])).status_code == 404
    assert client.get(reverse("schools:import_mapping", args=[run.pk])).status_code == 404


def test_the_confirmation_saves_the_stored_run_in_another_session(users, world, client_for):
    _check(client_for(users.coordinator), world.region, GOOD)
    other_browser = Client()
    other_browser.force_login(users.coordinator)
    response = other_browser.post(reverse("schools:municipality_list_confirm"))
    assert response.url == reverse("schools:imports")
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.DONE and run.finished_at is not None
    assert Municipality.objects.filter(region=world.region, name="Северный район").exists()


def test_a_rejected_list_is_logged_and_cannot_be_confirmed(users, world, client_for):
    client = client_for(users.coordinator)
    _check(client, world.region, BAD)
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.REJECTED and run.counts["invalid"] == 1
    assert run.issues[0]["line"] == 2 and "ОКТМО 123" in run.issues[0]["message"]
    client.post(reverse("schools:municipality_list_confirm"))
    assert not Municipality.objects.filter(name="Новый район").exists()


def test_another_coordinators_checked_list_is_not_confirmed_by_me(users, world, client_for):
    _check(client_for(users.coordinator), world.region, GOOD)
    admin = client_for(users.admin)
    admin.post(reverse("schools:municipality_list_confirm"))
    assert ImportRun.objects.get().status == ImportStatus.PREVIEWED
    assert not Municipality.objects.filter(name="Северный район").exists()


def test_a_run_is_confirmed_once(users, world):
    run, _plan = services.municipality_list_check(
        data=GOOD.encode(), file_name="list.csv", region=world.region, user=users.coordinator
    )
    services.municipality_list_save(run=run, user=users.coordinator)
    with pytest.raises(ImportFileError):
        services.municipality_list_save(run=run, user=users.coordinator)
    assert Municipality.objects.filter(name="Северный район").count() == 1
