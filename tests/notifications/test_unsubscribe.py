"""Unsubscribing from a link without logging in; the preferences page."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from network_portal.notifications.models import NotificationPreference
from network_portal.notifications.tokens import unsubscribe_token

pytestmark = pytest.mark.django_db


def test_unsubscribe_link_works_without_login_and_asks_first(users, client):
    url = reverse(
        "notifications:unsubscribe",
        args=[unsubscribe_token(user_id=users.director.pk, kind="roadmap_overdue")],
    )
    page = client.get(url)
    assert page.status_code == 200
    assert (
        "Отказаться от напоминания «Просроченные пункты дорожной карты»?" in page.content.decode()
    )
    assert (
        not NotificationPreference.objects.exists()
    )  # a GET (e.g. a mail scanner) changes nothing
    done = client.post(url)
    assert "Вы больше не будете получать напоминание" in done.content.decode()
    assert NotificationPreference.objects.get(user=users.director).disabled_kinds == [
        "roadmap_overdue"
    ]


def test_unsubscribe_from_everything(users, client):
    url = reverse("notifications:unsubscribe", args=[unsubscribe_token(user_id=users.director.pk)])
    client.post(url)
    assert len(NotificationPreference.objects.get(user=users.director).disabled_kinds) == 10


def test_damaged_link_explains_itself(users, client):
    token = unsubscribe_token(user_id=users.director.pk, kind="roadmap_overdue")
    page = client.get(reverse("notifications:unsubscribe", args=[token[:-3] + "abc"]))
    assert page.status_code == 400
    assert "Ссылка повреждена или скопирована не полностью" in page.content.decode()
    assert client.post(reverse("notifications:unsubscribe", args=["garbage"])).status_code == 400
    assert not NotificationPreference.objects.exists()


def test_expired_link_explains_itself(users, client):
    token = unsubscribe_token(user_id=users.director.pk, kind="roadmap_overdue")
    with time_machine.travel(timezone.now() + timedelta(days=91)):
        page = client.get(reverse("notifications:unsubscribe", args=[token]))
    assert page.status_code == 400
    assert "Срок действия ссылки истёк" in page.content.decode()


def test_preferences_page_saves_choices(users, client_for):
    client = client_for(users.curator)
    page = client.get(reverse("notifications:preferences"))
    assert "Еженедельная сводка" in page.content.decode()
    client.post(
        reverse("notifications:preferences"), {"enabled": ["weekly_digest", "event_tomorrow"]}
    )
    disabled = NotificationPreference.objects.get(user=users.curator).disabled_kinds
    assert "weekly_digest" not in disabled and "roadmap_overdue" in disabled


def test_preferences_need_login(client):
    response = client.get(reverse("notifications:preferences"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_preference_boxes_are_styled_checkboxes(users, client_for):
    """The boxes are laid out by hand: without form-check-input they sat off the labels."""
    text = client_for(users.director).get(reverse("notifications:preferences")).content.decode()
    boxes = re.findall(r'<input type="checkbox" name="enabled"[^>]*>', text)
    assert boxes
    assert all('class="form-check-input"' in box for box in boxes)
