"""The UI shell: navigation per role, the role home page, Russian error pages."""

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import get_resolver, reverse

from network_portal.accounts.models import Role
from network_portal.ui.roles import ROLE_CAPABILITIES

SECTIONS = {
    "schools": reverse("schools:list"),
    "diagnostics": reverse("diagnostics:index"),
    "partnerships": reverse("partnerships:list"),
    "roadmaps": reverse("roadmaps:list"),
    "events": reverse("events:list"),
    "documents": reverse("documents:list"),
}
ALL = set(SECTIONS)
EXPECTED_SECTIONS = {
    "admin": ALL,
    "coordinator": ALL,
    "methodologist": ALL,
    "curator": ALL,
    "director": ALL,
    "teacher": {"diagnostics", "events", "documents"},
    "partner": {"partnerships", "roadmaps", "events", "documents"},
    "nobody": {"documents"},
}


@pytest.mark.parametrize("who", sorted(EXPECTED_SECTIONS))
def test_navigation_shows_each_role_its_sections(client_for, users, who):
    response = client_for(getattr(users, who)).get("/")
    urls = {item["url"] for item in response.context["nav_items"]}
    shown = {key for key, url in SECTIONS.items() if url in urls}
    assert shown == EXPECTED_SECTIONS[who]
    assert "/" in urls
    assert any(item["active"] and item["url"] == "/" for item in response.context["nav_items"])


def test_administration_link_only_for_staff(client_for, users):
    assert "/admin/" in client_for(users.admin).get("/").content.decode()
    assert 'href="/admin/"' not in client_for(users.methodologist).get("/").content.decode()


@pytest.mark.parametrize(
    ("who", "role", "scope"),
    [
        ("coordinator", Role.COORDINATOR, "Тестовая область"),
        ("methodologist", Role.METHODOLOGIST, "Первый округ"),
        ("curator", Role.CURATOR, "МОБУ «СОШ № 5»"),
        ("director", Role.DIRECTOR, "МОБУ «СОШ № 5»"),
        ("teacher", Role.TEACHER, "МОБУ «СОШ № 5»"),
        ("partner", Role.PARTNER, "ГАПОУ «Колледж»"),
    ],
)
def test_home_says_who_you_are_and_what_you_can_do(client_for, users, who, role, scope):
    user = getattr(users, who)
    text = client_for(user).get("/").content.decode()
    assert "<title>Главная — Портал сетевого взаимодействия</title>" in text
    assert f"Здравствуйте, {user.first_name}!" in text
    assert user.email in text
    assert str(Role(role).label) in text
    assert scope in text
    for capability in ROLE_CAPABILITIES[role]:
        assert str(capability) in text


def test_home_of_a_user_with_several_roles_lists_each(client_for, users, world):
    from tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=users.director, role=Role.CURATOR, organisation=world.leader)
    text = client_for(users.director).get("/").content.decode()
    assert "Директор школы" in text
    assert "Куратор" in text
    assert "МОБУ «СОШ № 9»" in text


def test_home_of_a_user_without_role_says_whom_to_ask(client_for, users):
    text = client_for(users.nobody).get("/").content.decode()
    assert "У вас пока нет роли в портале" in text


def test_home_of_the_administrator(client_for, users):
    text = client_for(users.admin).get("/").content.decode()
    assert "Администратор" in text
    assert "видеть все регионы, муниципалитеты и школы" in text


def test_pages_have_breadcrumbs_messages_and_labelled_fields(client_for, users):
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
    text = response.content.decode()
    assert '<html lang="ru">' in text
    assert 'aria-label="Навигационная цепочка"' in text
    assert '<li class="breadcrumb-item"><a href="/">Главная</a></li>' in text
    assert 'role="status"' in text and "Профиль сохранён." in text
    for field in ("id_last_name", "id_first_name", "id_phone"):
        assert f'for="{field}"' in text


@pytest.mark.django_db
def test_anonymous_unknown_page_is_the_russian_404(client):
    response = client.get("/definitely/not/here/")
    assert response.status_code == 404
    text = response.content.decode()
    assert '<html lang="ru">' in text
    assert "Страница не найдена" in text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "title", "text"),
    [
        (400, "Некорректный запрос", "Запрос не удалось обработать"),
        (403, "Доступ запрещён", "У вас нет прав на просмотр этой страницы"),
        (404, "Страница не найдена", "Такой страницы нет или она вам недоступна"),
        (500, "Ошибка сервера", "Что-то пошло не так на нашей стороне"),
    ],
)
def test_error_handlers_answer_in_russian_with_the_right_status(rf, status, title, text):
    from django.contrib.auth.models import AnonymousUser

    handler = get_resolver().resolve_error_handler(status)
    request = rf.get("/somewhere/")
    request.user = AnonymousUser()
    args = () if status == 500 else (PermissionDenied(),)
    response = handler(request, *args)
    assert response.status_code == status
    body = response.content.decode()
    assert '<html lang="ru">' in body
    assert title in body
    assert text in body


def test_403_from_a_view_is_the_russian_page(client_for, users):
    response = client_for(users.teacher).get("/admin/login/")
    assert response.status_code == 403
    assert "Доступ запрещён" in response.content.decode()


def test_plain_text_becomes_escaped_html_with_only_known_placeholders():
    from network_portal.ui.plaintext import text_as_html

    html = text_as_html(
        "# Договор {номер}\n\nСтороны: {стороны}\n<b>{неизвестно}</b>\n\n\n",
        values={"номер": "7", "стороны": "СОШ № 1\n<script>"},
        known={"номер", "стороны"},
    )
    assert html == (
        "<h2>Договор 7</h2>\n"
        "<p>Стороны: СОШ № 1<br>&lt;script&gt;<br>&lt;b&gt;{неизвестно}&lt;/b&gt;</p>"
    )
    assert text_as_html("{номер}", known={"номер"}) == "<p>—</p>"
