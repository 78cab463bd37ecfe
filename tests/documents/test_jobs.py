"""Document jobs: build, failure with the reason and no file, retry, duplicate delivery, access."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from network_portal.documents import registry, services
from network_portal.documents.models import Job, JobStatus
from network_portal.documents.registry import BuiltFile, DocumentKind

pytestmark = pytest.mark.django_db

CALLS: list[int] = []


def _ok(job):
    CALLS.append(job.pk)
    return BuiltFile(name="report.pdf", content=b"%PDF-1.4 test")


def _broken(job):
    raise RuntimeError("Шаблон не найден")


def _empty(job):
    return BuiltFile(name="empty.pdf", content=b"")


@pytest.fixture(autouse=True)
def kinds(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    CALLS.clear()
    state = {"build": _ok}
    registry.register(
        DocumentKind(
            key="test.doc",
            build=lambda job: state["build"](job),
            can_view=lambda user, job: user.email == "shared@example.test",
            data_version=lambda params: f"v{params.get('v', 1)}",
        )
    )
    registry.register(DocumentKind(key="test.empty", build=_empty, can_view=lambda u, j: False))
    yield state
    registry._KINDS.pop("test.doc", None)
    registry._KINDS.pop("test.empty", None)


def request(user, capture, **params):
    with capture(execute=True):
        job = services.job_request(kind="test.doc", params=params, title="Отчёт", user=user)
    job.refresh_from_db()
    return job


def test_job_is_built_and_stored_privately(users, django_capture_on_commit_callbacks, settings):
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.READY and job.progress == 100 and job.attempts == 1
    assert job.file.path.startswith(str(settings.STORAGES["private"]["OPTIONS"]["location"]))
    assert job.file.read() == b"%PDF-1.4 test"


def test_failed_job_keeps_the_reason_and_no_file(
    users, kinds, django_capture_on_commit_callbacks, client_for
):
    kinds["build"] = _broken
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    assert job.status == JobStatus.FAILED
    assert job.error == "Шаблон не найден"
    assert not job.file
    client = client_for(users.methodologist)
    assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
    page = client.get(reverse("documents:detail", args=[job.pk])).content.decode()
    assert "Шаблон не найден" in page and "Повторить" in page


def test_empty_result_is_a_failure(users, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = services.job_request(
            kind="test.empty", params={}, title="Пусто", user=users.methodologist
        )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and not job.file


def test_retry_builds_again(users, kinds, client_for, django_capture_on_commit_callbacks):
    kinds["build"] = _broken
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    kinds["build"] = _ok
    client = client_for(users.methodologist)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("documents:retry", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == JobStatus.READY and job.attempts == 2 and job.error == ""
    # a ready job cannot be "retried"
    assert client.post(reverse("documents:retry", args=[job.pk])).status_code == 403


def test_duplicate_delivery_builds_once(users, django_capture_on_commit_callbacks):
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    services.job_run(job_id=job.pk)
    assert [job.pk] == CALLS


def test_stale_running_job_is_claimed_again(users):
    job = Job.objects.create(
        kind="test.doc",
        title="Зависший",
        status=JobStatus.RUNNING,
        started_at=timezone.now() - dt.timedelta(hours=1),
    )
    services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == JobStatus.READY


def test_unchanged_data_is_not_rebuilt(users, django_capture_on_commit_callbacks):
    first = request(users.methodologist, django_capture_on_commit_callbacks, v=1)
    again = request(users.methodologist, django_capture_on_commit_callbacks, v=1)
    changed = request(users.methodologist, django_capture_on_commit_callbacks, v=2)
    assert again.pk == first.pk and changed.pk != first.pk
    assert len(CALLS) == 2


def test_only_the_requester_and_allowed_users_see_a_job(
    users, client_for, django_capture_on_commit_callbacks
):
    from tests.factories import UserFactory

    job = request(users.methodologist, django_capture_on_commit_callbacks)
    shared = UserFactory(email="shared@example.test")
    assert client_for(shared).get(reverse("documents:download", args=[job.pk])).status_code == 200
    for user in (users.outsider, users.director):
        client = client_for(user)
        assert client.get(reverse("documents:detail", args=[job.pk])).status_code == 404
        assert client.get(reverse("documents:download", args=[job.pk])).status_code == 404
        assert "Отчёт" not in client.get(reverse("documents:list")).content.decode()


def test_status_partial_polls_until_finished(users, client_for):
    job = services.job_request(kind="test.doc", params={}, title="Отчёт", user=users.methodologist)
    client = client_for(users.methodologist)
    partial = client.get(reverse("documents:detail", args=[job.pk]), headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert "<html" not in html and 'hx-trigger="every 2s"' in html and "В очереди" in html
    services.job_run(job_id=job.pk)
    html = client.get(
        reverse("documents:detail", args=[job.pk]), headers={"HX-Request": "true"}
    ).content.decode()
    assert "hx-trigger" not in html and "Скачать" in html


def test_missing_file_gives_404_not_500(users, client_for, django_capture_on_commit_callbacks):
    job = request(users.methodologist, django_capture_on_commit_callbacks)
    job.file.storage.delete(job.file.name)
    assert (
        client_for(users.methodologist)
        .get(reverse("documents:download", args=[job.pk]))
        .status_code
        == 404
    )


def test_job_list_in_constant_queries(users, client_for, django_assert_num_queries):
    client = client_for(users.methodologist)
    client.get(reverse("documents:list"))
    for _ in range(2):
        Job.objects.create(kind="test.doc", title="a", requested_by=users.methodologist)
    with django_assert_num_queries(5):
        client.get(reverse("documents:list"))
    for _ in range(20):
        Job.objects.create(kind="test.doc", title="a", requested_by=users.methodologist)
    with django_assert_num_queries(5):
        client.get(reverse("documents:list"))


def test_job_page_links_back_to_its_source(users, client_for, django_capture_on_commit_callbacks):
    registry.register(
        DocumentKind(
            key="test.linked",
            build=_ok,
            can_view=lambda u, j: False,
            source_url=lambda job: f"/somewhere/{job.params['id']}/",
        )
    )
    registry.register(
        DocumentKind(
            key="test.gone", build=_ok, can_view=lambda u, j: False, source_url=lambda job: 1 / 0
        )
    )
    try:
        linked = services.job_request(
            kind="test.linked", params={"id": 7}, title="С источником", user=users.methodologist
        )
        gone = services.job_request(
            kind="test.gone", params={}, title="Источник удалён", user=users.methodologist
        )
        client = client_for(users.methodologist)
        assert (
            'href="/somewhere/7/"'
            in client.get(reverse("documents:detail", args=[linked.pk])).content.decode()
        )
        assert client.get(reverse("documents:detail", args=[gone.pk])).status_code == 200
    finally:
        registry._KINDS.pop("test.linked", None)
        registry._KINDS.pop("test.gone", None)
