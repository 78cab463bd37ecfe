"""Issue 15: the administration read «Добавить пользователь», «Добавить еще один Назначение
роли», «AXES»; a new user had no name fields."""

import json

import pytest
from django.urls import reverse

from network_portal.accounts.models import User

pytestmark = pytest.mark.django_db


def test_admin_labels_read_as_russian(users, client_for):
    client = client_for(users.admin)
    index = client.get(reverse("admin:index")).text
    assert "Попытки входа и блокировки" in index
    assert ">Axes<" not in index and ">AXES<" not in index
    changelist = client.get(reverse("admin:accounts_user_changelist")).text
    assert "Добавить пользователь" not in changelist and "Добавить: пользователь" in changelist
    assert "Выберите пользователь" not in changelist
    change = client.get(reverse("admin:accounts_user_change", args=[users.director.pk])).text
    # the inline's «add another» text is JSON in a data attribute
    assert json.dumps("Добавить еще один")[1:-1] not in change
    assert json.dumps("Добавить ещё: Назначение роли")[1:-1] in change


def test_a_new_user_is_added_with_a_name(users, client_for):
    client = client_for(users.admin)
    url = reverse("admin:accounts_user_add")
    page = client.get(url).text
    assert "Добавить пользователь" not in page
    for field in ("last_name", "first_name", "middle_name", "position"):
        assert f'name="{field}"' in page
    password = "Длинный-пароль-2026"
    inline = {
        "role_assignments-TOTAL_FORMS": "0",
        "role_assignments-INITIAL_FORMS": "0",
        "role_assignments-MIN_NUM_FORMS": "0",
        "role_assignments-MAX_NUM_FORMS": "1000",
    }
    nameless = client.post(
        url, {"email": "new@example.test", "password1": password, "password2": password, **inline}
    )
    assert nameless.status_code == 200 and not User.objects.filter(email="new@example.test")
    response = client.post(
        url,
        {
            "email": "new@example.test",
            "last_name": "Ахмедова",
            "first_name": "Лейла",
            "middle_name": "Рашидовна",
            "password1": password,
            "password2": password,
            **inline,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="new@example.test")
    assert (user.last_name, user.first_name, user.middle_name) == ("Ахмедова", "Лейла", "Рашидовна")


def test_only_staff_reach_the_user_add_form(users, client_for):
    response = client_for(users.methodologist).get(reverse("admin:accounts_user_add"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
