"""The pairing plan is built by a background job (issue 17): the page that asks for it only
queues it, shows its progress while a worker builds it, the result when it is ready, and —
when the build fails — why, with a button to build it again."""

import pytest
from django.urls import reverse

from network_portal.documents.models import Job, JobStatus
from network_portal.documents.services import job_run
from partnerships import matching, services
from partnerships.models import PairingPlan

pytestmark = pytest.mark.django_db


@pytest.fixture
def with_broker():
    """As in production: tasks go to a broker after the commit, a worker runs them later (the
    test's transaction never commits, so nothing is sent; the test plays the worker)."""
    from network_portal.celery import app

    app.conf.task_always_eager = False
    yield
    app.conf.task_always_eager = True  # as the autouse fixture of tests/conftest.py left it


@pytest.fixture
def solver_calls(monkeypatch):
    calls = []
    real = matching.plan_pairings

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(matching, "plan_pairings", spy)
    return calls


def test_the_page_queues_the_plan_and_never_runs_the_solver(
    users, client_for, needs, with_broker, solver_calls
):
    client = client_for(users.methodologist)
    response = client.post(reverse("partnerships:plans"), {"municipality": needs.mun.pk})
    plan = PairingPlan.objects.get()
    assert response.url == reverse("partnerships:plan_detail", args=[plan.pk])
    assert solver_calls == [] and not plan.rows.exists()
    assert plan.job.kind == services.PLAN_JOB_KIND and plan.job.status == JobStatus.QUEUED
    page = client.get(response.url).content.decode()
    assert "План в очереди" in page and 'hx-trigger="every 2s"' in page
    assert "Утвердить план" not in page
    listing = client.get(reverse("partnerships:plans")).content.decode()
    assert "Строится" in listing

    job_run(job_id=plan.job.pk)  # the worker

    assert len(solver_calls) == 1
    plan.job.refresh_from_db()
    assert plan.job.status == JobStatus.READY and plan.job.progress == 100 and not plan.job.file
    poll = client.get(response.url, headers={"HX-Request": "true"})
    assert poll["HX-Refresh"] == "true"  # the job is done: the page reloads with the plan
    page = client.get(response.url).content.decode()
    assert needs.leader.short_name in page and "Утвердить план" in page
    row = plan.rows.get()
    assert row.provider == needs.leader


def test_the_page_shows_the_progress_while_the_worker_builds(
    users, client_for, needs, with_broker, monkeypatch
):
    client = client_for(users.methodologist)
    url = client.post(reverse("partnerships:plans"), {"municipality": needs.mun.pk}).url
    plan = PairingPlan.objects.get()
    seen = []
    real = matching.plan_pairings

    def watched(**kwargs):
        def progress(share):
            kwargs_progress(share)
            # what the page shows at this moment, polled by htmx
            seen.append(client.get(url, headers={"HX-Request": "true"}).content.decode())

        kwargs_progress = kwargs.pop("progress")
        return real(**kwargs, progress=progress)

    monkeypatch.setattr(matching, "plan_pairings", watched)
    job_run(job_id=plan.job.pk)

    assert seen, "the solver reports its progress"
    running = seen[0].strip()
    assert running.startswith('<div id="plan-build"') and "<html" not in running
    assert 'role="progressbar"' in running and "Строится план" in running
    assert 'hx-trigger="every 2s"' in running
    assert 'aria-valuenow="33"' in running  # the scoring is done (35 % of the solver's 95 %)
    assert 'aria-valuenow="95"' in seen[-1]  # solved; the rows are being written
    plan.job.refresh_from_db()
    assert plan.job.status == JobStatus.READY


def test_a_failed_build_shows_why_and_is_built_again(
    users, client_for, needs, with_broker, monkeypatch
):
    client = client_for(users.methodologist)
    url = client.post(reverse("partnerships:plans"), {"municipality": needs.mun.pk}).url
    plan = PairingPlan.objects.get()

    real = matching.plan_pairings

    def broken(**kwargs):
        raise RuntimeError("solver crashed")

    monkeypatch.setattr(matching, "plan_pairings", broken)
    job_run(job_id=plan.job.pk)

    plan.job.refresh_from_db()
    assert plan.job.status == JobStatus.FAILED
    assert "RuntimeError: solver crashed" in plan.job.error_detail  # for administrators
    assert plan.job.error == (
        "План не удалось построить из-за внутренней ошибки. Повторите попытку; если ошибка "
        "повторится, сообщите администратору портала."
    )
    page = client.get(url).content.decode()
    assert plan.job.error in page
    assert "solver crashed" not in page  # no internals for the methodologist
    assert reverse("partnerships:plan_retry", args=[plan.pk]) in page
    assert 'hx-trigger="every 2s"' not in page  # nothing to wait for
    assert "Не построен" in client.get(reverse("partnerships:plans")).content.decode()

    monkeypatch.setattr(matching, "plan_pairings", real)  # the cause is fixed
    response = client.post(reverse("partnerships:plan_retry", args=[plan.pk]))
    assert response.url == url
    plan.job.refresh_from_db()
    assert plan.job.status == JobStatus.QUEUED and plan.job.error == ""
    job_run(job_id=plan.job.pk)
    plan.job.refresh_from_db()
    assert plan.job.status == JobStatus.READY and plan.job.attempts == 2
    assert plan.rows.get().provider == needs.leader
    assert "Утвердить план" in client.get(url).content.decode()


def test_the_plan_is_built_after_the_commit_not_before(
    users, client_for, needs, solver_calls, django_capture_on_commit_callbacks
):
    """No broker (eager tasks): the job still waits for the request's commit, as with one."""
    client = client_for(users.methodologist)
    with django_capture_on_commit_callbacks() as callbacks:
        client.post(reverse("partnerships:plans"), {"municipality": needs.mun.pk})
    plan = PairingPlan.objects.get()
    assert solver_calls == [] and plan.job.status == JobStatus.QUEUED
    for callback in callbacks:  # the commit
        callback()
    plan.job.refresh_from_db()
    assert len(solver_calls) == 1 and plan.job.status == JobStatus.READY
    assert plan.rows.get().provider == needs.leader


def test_only_a_failed_plan_is_built_again(
    users, client_for, needs, django_capture_on_commit_callbacks
):
    client = client_for(users.methodologist)
    with django_capture_on_commit_callbacks(execute=True):  # eager Celery: built on commit
        client.post(reverse("partnerships:plans"), {"municipality": needs.mun.pk})
    plan = PairingPlan.objects.get()
    assert plan.job.status == JobStatus.READY
    response = client.post(reverse("partnerships:plan_retry", args=[plan.pk]), follow=True)
    assert "План не ждёт повторной попытки." in response.content.decode()
    assert Job.objects.get().attempts == 1
    assert client_for(users.outsider).post(
        reverse("partnerships:plan_retry", args=[plan.pk])
    ).status_code in (403, 404)


def test_a_retried_build_replaces_the_rows_of_an_interrupted_one(needs, users):
    plan = services.pairing_plan_create(actor=users.methodologist, region=needs.region)
    first = list(plan.rows.values_list("supported_id", "provider_id"))
    services.pairing_plan_fill(plan=plan, actor=users.methodologist)
    assert list(plan.rows.values_list("supported_id", "provider_id")) == first


def test_the_plan_job_is_listed_with_the_requesters_documents_without_a_download(
    users, client_for, needs
):
    client = client_for(users.methodologist)
    client.post(reverse("partnerships:plans"), {"municipality": needs.mun.pk})
    plan = PairingPlan.objects.get()
    detail = client.get(reverse("documents:detail", args=[plan.job.pk])).content.decode()
    assert reverse("partnerships:plan_detail", args=[plan.pk]) in detail
    assert reverse("documents:download", args=[plan.job.pk]) not in detail
    assert client.get(reverse("documents:download", args=[plan.job.pk])).status_code == 404


def test_a_plan_that_took_too_long_says_so_in_the_plans_words():
    from celery.exceptions import SoftTimeLimitExceeded
    from django.db import OperationalError

    from network_portal.documents.registry import get_kind
    from network_portal.documents.services import failure_reason

    kind = get_kind(services.PLAN_JOB_KIND)
    assert failure_reason(SoftTimeLimitExceeded(), kind=kind).startswith(
        "Построение плана заняло слишком много времени"
    )
    # the database going away is not the plan's fault: the documents' reason
    assert failure_reason(OperationalError(), kind=kind) == failure_reason(OperationalError())


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_job_is_sent_after_the_commit_and_its_progress_is_committed_as_it_goes(
    users, client_for, needs, with_broker, monkeypatch
):
    """Outside a test transaction, as in production: the page's commit sends the job to the
    broker; the worker writes the progress while no transaction is open, so that the page
    (another connection) sees it during the build, and the rows at the end."""
    from django.db import connection

    from network_portal.documents import tasks

    sent = []
    monkeypatch.setattr(tasks.build_document, "delay", lambda job_id: sent.append(job_id))
    client = client_for(users.methodologist)
    client.post(reverse("partnerships:plans"), {"municipality": needs.mun.pk})
    plan = PairingPlan.objects.get()
    assert sent == [plan.job.pk] and not plan.rows.exists()

    in_transaction = []
    real = matching.plan_pairings

    def watched(**kwargs):
        report = kwargs.pop("progress")

        def progress(share):
            report(share)
            in_transaction.append(connection.in_atomic_block)

        return real(**kwargs, progress=progress)

    monkeypatch.setattr(matching, "plan_pairings", watched)
    job_run(job_id=sent[0])
    assert in_transaction and not any(in_transaction)
    assert plan.rows.get().provider == needs.leader
