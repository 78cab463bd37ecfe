"""The pairing plan in a real browser (issue 17): asked for on the plans page, it is queued for
a worker; the plan page polls (htmx, no reload by hand) and shows the plan once the worker has
built it."""

import pytest
from playwright.sync_api import expect

from network_portal.celery import app
from network_portal.documents import tasks
from network_portal.documents.services import job_run
from partnerships.models import PairingPlan


@pytest.fixture
def worker_later(monkeypatch):
    """A broker as in production, except that the test itself is the worker."""
    sent = []
    app.conf.task_always_eager = False
    monkeypatch.setattr(tasks.build_document, "delay", lambda job_id: sent.append(job_id))
    yield sent
    app.conf.task_always_eager = True  # as the autouse fixture of tests/conftest.py left it


@pytest.mark.django_db(transaction=True)
def test_the_plan_page_waits_for_the_worker_and_shows_the_plan(
    demo, page, live_server, login, worker_later
):
    login(page, "methodist@demo.local")
    page.goto(f"{live_server.url}/partnerships/plans/")
    page.get_by_role("button", name="Построить план").click()
    expect(page.get_by_text("План в очереди")).to_be_visible()
    expect(page.get_by_role("button", name="Утвердить план")).to_have_count(0)
    plan = PairingPlan.objects.get()
    assert worker_later == [plan.job_id] and not plan.rows.exists()

    job_run(job_id=plan.job_id)  # the worker builds it meanwhile

    # the page notices by itself (polling every 2 s) and shows the plan
    expect(page.get_by_role("button", name="Утвердить план")).to_be_visible(timeout=15_000)
    expect(page.locator("#plan-build")).to_have_count(0)
    assert plan.rows.exists()
