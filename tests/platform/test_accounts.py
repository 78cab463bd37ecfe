"""Login, lockout, logout, password change and reset — all through the real views."""

import re

import pytest
from django.conf import settings
from django.core import mail

from tests.factories import UserFactory

LOGIN = "/accounts/login/"
PASSWORD = "correct-horse-42"  # UserFactory's password
WRONG_LOGIN = "Неверная электронная почта или пароль"
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def _login(client, email, password):
    return client.post(LOGIN, {"username": email, "password": password})


def test_login_with_e_mail_and_password_opens_the_home_page(client, users):
    response = _login(client, "Director@Example.test", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert "Директор школы" in home.content.decode()


def test_wrong_password_says_so_in_russian(client, users):
    response = _login(client, users.director.email, "wrong-password")
    assert response.status_code == 200
    text = response.content.decode()
    assert WRONG_LOGIN in text
    assert 'value="director@example.test"' in text  # what was typed is shown again
    assert "_auth_user_id" not in client.session


def test_unknown_e_mail_gets_the_same_message_as_a_wrong_password(client, users):
    known = _login(client, users.director.email, "wrong-password").content.decode()
    unknown = _login(client, "nobody-here@example.test", "wrong-password").content.decode()
    assert WRONG_LOGIN in unknown

    def message(text):
        return re.search(r'class="alert[^"]*"[^>]*>(.*?)</', text, re.S).group(1).strip()

    assert message(known) == message(unknown)


def test_inactive_user_cannot_log_in(client, db):
    UserFactory(email="gone@example.test", is_active=False)
    response = _login(client, "gone@example.test", PASSWORD)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_repeated_failures_lock_the_login_with_a_russian_page(client, users):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert _login(client, users.director.email, "wrong-password").status_code == 200
    locked = _login(client, users.director.email, "wrong-password")
    assert locked.status_code == 429
    text = locked.content.decode()
    assert "Вход временно заблокирован" in text
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"заблокирован на {minutes} мин." in text
    # Even the right password is refused while the lock holds.
    assert _login(client, users.director.email, PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lock_is_per_account(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, users.director.email, "wrong-password")
    assert _login(client, users.teacher.email, PASSWORD).status_code == 302


def test_success_resets_the_failure_count(client, users):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, users.director.email, "wrong-password")
    assert _login(client, users.director.email, PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    assert _login(client, users.director.email, "wrong-password").status_code == 200


def test_logout_is_post_only(client_for, users):
    client = client_for(users.director)
    assert client.get("/accounts/logout/").status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response["Location"] == LOGIN
    assert "_auth_user_id" not in client.session


def test_password_change(client_for, users):
    client = client_for(users.director)
    page = client.get("/accounts/password/change/")
    assert "Сменить пароль" in page.content.decode()
    response = client.post(
        "/accounts/password/change/",
        {
            "old_password": PASSWORD,
            "new_password1": "Новый-пароль-2026",
            "new_password2": "Новый-пароль-2026",
        },
        follow=True,
    )
    assert "Пароль изменён." in response.content.decode()
    users.director.refresh_from_db()
    assert users.director.check_password("Новый-пароль-2026")


def test_password_change_rejects_a_wrong_old_password_in_russian(client_for, users):
    response = client_for(users.director).post(
        "/accounts/password/change/",
        {"old_password": "nope", "new_password1": "x-Y-z-12345", "new_password2": "x-Y-z-12345"},
    )
    assert response.status_code == 200
    assert "Ваш старый пароль введен неправильно" in response.content.decode()


def test_password_reset_by_e_mail_in_russian(client, users):
    response = client.post("/accounts/password/reset/", {"email": users.director.email})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [users.director.email]
    assert message.subject == "Восстановление пароля на портале сетевого взаимодействия"
    assert "Чтобы установить новый пароль, откройте ссылку" in message.body
    html = message.alternatives[0][0]
    assert "Установить новый пароль" in html

    link = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/)", message.body).group(1)
    form_page = client.get(link, follow=True)
    assert "Новый пароль" in form_page.content.decode()
    set_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Сосна-и-ель-77", "new_password2": "Сосна-и-ель-77"}
    )
    assert done["Location"] == "/accounts/password/reset/complete/"
    assert _login(client, users.director.email, "Сосна-и-ель-77").status_code == 302
    # The link works once.
    client.post("/accounts/logout/")
    again = client.get(link, follow=True)
    assert "Ссылка недействительна" in again.content.decode()


def test_password_reset_for_an_unknown_e_mail_looks_the_same_and_sends_nothing(client, db):
    response = client.post("/accounts/password/reset/", {"email": "nobody@example.test"})
    assert response["Location"] == "/accounts/password/reset/sent/"
    assert mail.outbox == []


def test_profile_saves_the_name(client_for, users):
    client = client_for(users.teacher)
    response = client.post(
        "/accounts/profile/",
        {
            "last_name": "Петров",
            "first_name": "Пётр",
            "middle_name": "",
            "position": "",
            "phone": "",
        },
        follow=True,
    )
    assert "Профиль сохранён." in response.content.decode()
    users.teacher.refresh_from_db()
    assert users.teacher.get_full_name() == "Петров Пётр"


def test_admin_is_in_russian_for_staff(client_for, users):
    response = client_for(users.admin).get("/admin/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "Портал сетевого взаимодействия: администрирование" in text
    assert "Пользователи и роли" in text


def test_admin_login_forwards_to_the_portal_login(client):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response["Location"] == "/accounts/login/?next=/admin/accounts/user/"


def test_admin_refuses_a_signed_in_user_without_staff_rights(client_for, users):
    response = client_for(users.methodologist).get("/admin/", follow=True)
    assert response.status_code == 403
    assert "Доступ запрещён" in response.content.decode()


@pytest.mark.parametrize("signed_in", [False, True], ids=["login page", "home page"])
def test_content_security_policy_forbids_inline_scripts(client, users, signed_in):
    if signed_in:
        client.force_login(users.director)
    response = client.get("/" if signed_in else LOGIN)
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    directives = dict(p.strip().partition(" ")[::2] for p in policy.split(";") if p.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in directives["script-src"]
    assert "unsafe-eval" not in directives["script-src"]
    assert directives["object-src"] == "'none'"
    assert not INLINE_SCRIPT.search(response.content.decode()), "inline <script> in the page"
