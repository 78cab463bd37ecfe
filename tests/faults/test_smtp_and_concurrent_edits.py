"""An SMTP server that is down, and two people saving the same thing at the same moment.

The SMTP case uses Django's real SMTP backend against a closed port on 127.0.0.1 (connection
refused) and against a listening socket that never answers (timeout), not a mock. The
concurrent edits run in real threads with their own connections on PostgreSQL (skipped on
SQLite, which serialises writers; a failure in CI, which runs on PostgreSQL).
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from network_portal.editing import StaleEdit
from network_portal.notifications.models import Notification, NotificationStatus
from network_portal.notifications.services import reminders_send
from roadmaps.models import RoadmapItem
from roadmaps.services import item_save
from tests.roadmaps.factories import RoadmapFactory, RoadmapItemFactory
from tests.tools import missing

KIND = "roadmap_due_soon"


@pytest.fixture
def due_item(world, users):
    roadmap = RoadmapFactory(organisation=world.school)
    return RoadmapItemFactory(
        roadmap=roadmap,
        responsible_user=users.director,
        due_date=timezone.localdate() + timedelta(days=2),
    )


@pytest.fixture
def silent_smtp():
    """A port that accepts connections and never says a word (a hung mail server)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    yield server.getsockname()[1]
    server.close()


def _smtp(settings, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 1


@pytest.mark.parametrize("failure", ["refused", "timeout"])
def test_smtp_down_leaves_the_reminder_pending_then_it_goes_once(
    due_item, settings, silent_smtp, failure
):
    _smtp(settings, 1 if failure == "refused" else silent_smtp)
    first = reminders_send(kinds=[KIND])
    assert first.emails == 0
    row = Notification.objects.get(kind=KIND)
    assert row.status == NotificationStatus.FAILED  # kept for the next run, with the reason
    assert row.last_error
    # A second run while SMTP is still down neither loses nor duplicates the row.
    reminders_send(kinds=[KIND])
    assert Notification.objects.filter(kind=KIND).count() == 1
    # The mail server is back.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert reminders_send(kinds=[KIND]).emails == 1
    assert reminders_send(kinds=[KIND]).emails == 0
    assert len(mail.outbox) == 1
    row.refresh_from_db()
    assert row.status == NotificationStatus.SENT


class RefusingRecipients(socketserver.StreamRequestHandler):
    """A real (tiny) SMTP server that knows no mailbox: ``RCPT TO`` gets 550."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self) -> None:
        self.reply("220 mail.school5.test ESMTP")
        for raw in self.rfile:
            command = raw.decode(errors="replace").strip().upper()
            if command.startswith(("EHLO", "HELO")):
                self.reply("250 mail.school5.test")
            elif command.startswith("RCPT"):
                self.reply(
                    "550 5.1.1 <"
                    + raw.decode().split("<", 1)[-1].split(">")[0]
                    + ">: no such mailbox"
                )
            elif command.startswith("QUIT"):
                self.reply("221 bye")
                return
            else:  # MAIL, RSET, NOOP
                self.reply("250 OK")


@pytest.fixture
def refusing_smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), RefusingRecipients)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_refused_recipient_leaves_no_address_in_logs_errors_or_output(
    due_item, users, settings, refusing_smtp, caplog, capsys
):
    """For ``SMTPRecipientsRefused`` the exception's text *is* the address: the loop logs and
    stores only the class and the SMTP code, and the command prints no address either."""
    caplog.set_level(logging.DEBUG)
    _smtp(settings, refusing_smtp)
    email = users.director.email
    call_command("send_reminders", kind=[KIND])
    out, err = capsys.readouterr()
    row = Notification.objects.get(kind=KIND)
    assert row.status == NotificationStatus.FAILED
    assert row.last_error == "SMTPRecipientsRefused (550)"
    assert "failed 1, will be retried" in out
    assert "SMTPRecipientsRefused (550)" in err
    logged = "\n".join(
        f"{r.name} {r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records
    )
    assert "SMTPRecipientsRefused (550)" in logged
    for text in (out, err, logged, row.last_error):
        assert email not in text
        assert email.split("@")[0] not in text


@pytest.mark.django_db(transaction=True)
def test_two_people_saving_one_roadmap_item_at_once_never_overwrite_silently(world, users):
    if connection.vendor != "postgresql":
        missing("needs PostgreSQL (set DATABASE_URL=postgres://…)")
    item = RoadmapItemFactory(roadmap=RoadmapFactory(organisation=world.school))
    seen = item.version
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def save(who: str, user) -> None:
        try:
            copy = RoadmapItem.objects.get(pk=item.pk)  # each opened the form at `seen`
            barrier.wait(timeout=10)
            item_save(item=copy, data={"task": f"Правка: {who}"}, version=seen, user=user)
            outcome[who] = "saved"
        except StaleEdit:
            outcome[who] = "refused"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=save, args=("директор", users.director)),
        threading.Thread(target=save, args=("администратор", users.admin)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcome.values()) == ["refused", "saved"], outcome
    winner = next(who for who, result in outcome.items() if result == "saved")
    item.refresh_from_db()
    assert item.task == f"Правка: {winner}"
    assert item.version == seen + 1
