"""Issue 16, item 2: a lockout that cannot be turned against a user.

Behind the documented proxy every request comes from the proxy's address; the client's is
the right-most entry of ``X-Forwarded-For``. Logins are locked per (address, account), so a
stranger who knows an e-mail locks only their own attempts; an address failing too often
over any accounts is refused before any password is checked.
"""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client, RequestFactory
from django.urls import reverse

from network_portal.accounts.client_ip import client_ip

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.2"
PASSWORD = "correct-horse-42"  # tests/factories.py


@pytest.fixture
def behind_proxy(settings):
    settings.PROXY_COUNT = 1
    settings.PROXY_TRUSTED_IPS = []


def _login(address: str, email: str, password: str, client: Client | None = None):
    client = client or Client()
    response = client.post(
        reverse("accounts:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=address,
    )
    return response


def test_strangers_failures_never_lock_the_owner_out_of_their_own_address(behind_proxy, users):
    owner = users.director.email
    for _ in range(settings.AXES_FAILURE_LIMIT * 3):
        _login("203.0.113.66", owner, "wrong-password-1")
    # The stranger's own pair is locked, even with the right password.
    assert _login("203.0.113.66", owner, PASSWORD).status_code == 429
    # The owner, from their own address, gets in.
    client = Client()
    response = _login("198.51.100.7", owner, PASSWORD, client)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(users.director.pk)


def test_axes_records_the_clients_address_not_the_proxys(behind_proxy, users):
    _login("203.0.113.66", users.director.email, "wrong-password-1")
    (attempt,) = AccessAttempt.objects.all()
    assert attempt.ip_address == "203.0.113.66"
    assert attempt.username == users.director.email


def test_a_forged_header_does_not_move_the_lock(behind_proxy, users):
    """The proxy appends the real address: what a client puts before it changes nothing."""
    owner = users.director.email
    for i in range(settings.AXES_FAILURE_LIMIT):
        _login(f"192.0.2.{i}, 203.0.113.66", owner, "wrong-password-1")
    assert _login("203.0.113.66", owner, PASSWORD).status_code == 429
    assert _login("198.51.100.7", owner, PASSWORD).status_code == 302


def test_an_address_failing_over_many_accounts_is_refused(behind_proxy, settings, users):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    accounts = [users.teacher, users.curator, users.partner, users.methodologist]
    for user in accounts:
        for _ in range(2):
            _login("203.0.113.66", user.email, "wrong-password-1")
    # Below the pair limit for each account, but the address is done for now ...
    response = _login("203.0.113.66", users.director.email, PASSWORD)
    assert response.status_code == 429
    assert "с вашего адреса" in response.content.decode()
    # ... and nobody else is.
    assert _login("198.51.100.7", users.teacher.email, PASSWORD).status_code == 302


def test_without_a_proxy_the_header_is_ignored(settings, users):
    settings.PROXY_COUNT = 0
    for i in range(settings.AXES_FAILURE_LIMIT):
        response = Client().post(
            reverse("accounts:login"),
            {"username": users.director.email, "password": "wrong-password-1"},
            REMOTE_ADDR="203.0.113.66",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{i}",
        )
    assert response.status_code == 429


@pytest.mark.parametrize(
    ("count", "trusted", "peer", "header", "expected"),
    [
        (0, [], "203.0.113.66", "192.0.2.1", "203.0.113.66"),
        (1, [], PROXY, "203.0.113.66", "203.0.113.66"),
        (1, [], PROXY, "192.0.2.1, 203.0.113.66", "203.0.113.66"),
        (1, [], PROXY, " 192.0.2.1 ,203.0.113.66 ", "203.0.113.66"),
        (2, [], PROXY, "192.0.2.1, 203.0.113.66, 10.0.0.9", "203.0.113.66"),
        (1, [], PROXY, "", PROXY),
        (1, [], PROXY, "garbage", PROXY),
        (1, [], PROXY, "2001:db8::1", "2001:db8::1"),
        (1, ["10.0.0.0/24"], PROXY, "203.0.113.66", "203.0.113.66"),
        (1, ["10.0.0.0/24"], "198.51.100.1", "203.0.113.66", "198.51.100.1"),
    ],
)
def test_client_ip(settings, count, trusted, peer, header, expected):
    settings.PROXY_COUNT = count
    settings.PROXY_TRUSTED_IPS = trusted
    request = RequestFactory().get("/", REMOTE_ADDR=peer, HTTP_X_FORWARDED_FOR=header)
    assert client_ip(request) == expected


def test_lockout_is_by_the_pair_of_address_and_account():
    assert settings.AXES_LOCKOUT_PARAMETERS == [["ip_address", "username"]]
    assert settings.AXES_CLIENT_IP_CALLABLE == "network_portal.accounts.client_ip.client_ip"
