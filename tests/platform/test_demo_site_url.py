"""Issue 15: links in e-mails, feeds and certificates kept ``127.0.0.1:8000`` when the demo ran
on another address. ``make demo`` sets ``SITE_URL`` from ``DEMO_ADDRESS``; the links are built
from ``SITE_URL``."""

import shutil
import subprocess
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def test_make_demo_sets_site_url_from_the_demo_address():
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    out = subprocess.run(  # noqa: S603 — a fixed tool, a dry run
        [make, "-n", "-C", str(ROOT), "demo", "DEMO_ADDRESS=10.1.2.3:8080"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    commands = [line for line in out.splitlines() if "manage.py" in line]
    assert commands and all("SITE_URL=http://10.1.2.3:8080" in c for c in commands)


@pytest.mark.django_db
def test_links_in_e_mails_and_feeds_follow_site_url(settings, world, client):
    import datetime as dt

    from network_portal.notifications.services import _Composer
    from tests.events.factories import EventFactory

    settings.SITE_URL = "http://10.1.2.3:8080"
    # a reminder letter as the send loop composes it (the kind's items, its links, the footer's)
    item = {"task": "Т", "school": "Ш", "path": "/x/", "due_date": dt.date(2026, 12, 10)}
    message = _Composer()(1, "a@example.ru", "", "partner_commitment", [item])
    text, html = message.body, message.alternatives[0][0]
    for part in (text, html):
        assert "http://10.1.2.3:8080/x/" in part and "127.0.0.1" not in part
        assert "http://10.1.2.3:8080/notifications/" in part  # settings and unsubscribe links
    event = EventFactory(organiser=world.school)
    feed = client.get(reverse("events:public_feed", args=[world.mun.pk])).content.decode()
    public = reverse("events:public_detail", args=[event.pk])
    assert "http://10.1.2.3:8080" + public in feed.replace("\r\n ", "")
    assert "127.0.0.1" not in feed
