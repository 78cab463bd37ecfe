"""Issue 16, item 11: password reset sends in the background, throttled, and answers the same
for known and unknown e-mails.

The web request only counts the request and queues a task; the task (eager in tests) finds
the account and sends. Known and unknown addresses run the same queries and queue the same
task with the same arguments, so neither the answer nor its time tells them apart.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from network_portal.accounts import password_reset, tasks
from network_portal.outbox.models import OutboxTask

pytestmark = pytest.mark.django_db

URL = "/accounts/password/reset/"


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def queued(monkeypatch):
    """The arguments of every queued task (nothing runs)."""
    calls: list[tuple] = []
    monkeypatch.setattr(
        tasks.send_password_reset, "apply_async", lambda args=(), kwargs=None: calls.append(args)
    )
    return calls


def _ask(email: str, address: str = "203.0.113.5"):
    return Client().post(URL, {"email": email}, REMOTE_ADDR=address)


def test_known_and_unknown_do_the_same_work_and_send_nothing_in_the_request(
    users, queued, mailoutbox
):
    answers, queries = [], []
    for email in (users.director.email, "unknown-person@example.test"):
        with CaptureQueriesContext(connection) as captured:
            answers.append(_ask(email))
        queries.append([q["sql"] for q in captured.captured_queries])
    assert [a.status_code for a in answers] == [302, 302]
    assert (
        answers[0]["Location"] == answers[1]["Location"] == reverse("accounts:password_reset_done")
    )
    assert queries[0] == queries[1]  # no account lookup in the request
    assert not any("accounts_user" in sql for sql in queries[0])
    assert queued == [(users.director.email,), ("unknown-person@example.test",)]
    assert mailoutbox == []  # no SMTP in the request


def test_the_task_sends_to_a_known_address_only(users, mailoutbox):
    assert password_reset.password_reset_send(email=users.director.email.upper()) == 1
    assert password_reset.password_reset_send(email="unknown-person@example.test") == 0
    (message,) = mail.outbox
    assert message.to == [users.director.email]
    assert "/accounts/password/reset/" in message.body
    assert "&amp;" not in message.body and "&#x27;" not in message.body


def test_per_account_throttle(users, queued):
    for i in range(6):
        assert _ask(users.director.email, f"203.0.113.{i}").status_code == 302
    assert len(queued) == password_reset.PASSWORD_RESET_ACCOUNT_LIMIT


def test_per_address_throttle(users, queued):
    for i in range(15):
        assert _ask(f"someone{i}@example.test", "203.0.113.9").status_code == 302
    assert len(queued) == password_reset.PASSWORD_RESET_ADDRESS_LIMIT
    # Another address is not affected.
    _ask("other@example.test", "198.51.100.1")
    assert queued[-1] == ("other@example.test",)


def test_a_broker_that_is_down_changes_nothing_in_the_answer(users, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionRefusedError(111, "Connection refused")

    monkeypatch.setattr(tasks.send_password_reset, "apply_async", down)
    response = _ask(users.director.email)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_reset_done")
    # the e-mail is not lost: beat sends it once the broker is back
    kept = OutboxTask.objects.get()
    assert kept.task_name == tasks.send_password_reset.name and kept.args == [users.director.email]
