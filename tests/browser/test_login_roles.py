"""Each demo user logs in through the form and sees their own home page (issue 3)."""

import re

from playwright.sync_api import expect

# e-mail, the role as the home page names it, the scope it shows
DEMO_ROLES = [
    ("admin@demo.local", "Администратор", "Открыть администрирование"),
    ("coordinator@demo.local", "Региональный координатор", "Северная область"),
    ("methodist@demo.local", "Муниципальный методист", "Северогорский муниципальный округ"),
    ("curator@demo.local", "Куратор", "МКОУ «О(С)ОШ № 14»"),
    ("director@demo.local", "Директор школы", "МОБУ «СОШ № 5»"),
    ("teacher@demo.local", "Педагог", "МОБУ «СОШ № 5»"),
    ("partner@demo.local", "Представитель партнёра", "Северогорский политехнический колледж"),
]


def test_each_demo_role_logs_in_and_sees_its_home_page(page, live_server, demo, login):
    for email, role, scope in DEMO_ROLES:
        login(page, email)
        assert page.url == f"{live_server.url}/", f"{email} did not reach the home page"
        expect(page).to_have_title("Главная — Портал сетевого взаимодействия")
        main = page.locator("main")
        expect(main.get_by_role("heading", level=1)).to_contain_text("Здравствуйте")
        expect(main).to_contain_text(email)
        expect(main.get_by_role("heading", name=role, exact=True)).to_be_visible()
        expect(main).to_contain_text(scope)
        expect(main).to_contain_text("Здесь вы можете:")

        # Log out through the user menu (a POST form behind a Bootstrap dropdown).
        page.locator("header .dropdown-toggle").click()
        page.get_by_role("button", name="Выйти").click()
        page.wait_for_url(re.compile(r"/accounts/login/$"))


def test_wrong_password_shows_the_russian_message(page, live_server, demo, login):
    login(page, "director@demo.local", password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("Неверная электронная почта или пароль")
    expect(page.get_by_label("Электронная почта")).to_have_value("director@demo.local")


def test_the_shell_fits_a_phone_screen(page, live_server, demo, login):
    """The login page and the shell (navigation, profile form) at 360 px, no sideways scroll."""
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(f"{live_server.url}/accounts/login/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    login(page, "methodist@demo.local")
    page.goto(f"{live_server.url}/accounts/profile/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the profile page scrolls sideways at 360 px ({width} px wide)"
    page.get_by_role("button", name="Показать или скрыть меню").click()
    expect(page.get_by_role("link", name="Школы")).to_be_visible()
    expect(page.get_by_role("link", name="Мои документы")).to_be_visible()


def test_the_full_menu_fits_a_laptop_screen(page, live_server, demo, login):
    """At 1280 px the menu is shown whole: the coordinator's ten sections wrap onto a second
    line instead of pushing the page sideways."""
    page.set_viewport_size({"width": 1280, "height": 800})
    login(page, "coordinator@demo.local")
    page.goto(f"{live_server.url}/partnerships/plans/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1280, f"the page scrolls sideways at 1280 px ({width} px wide)"
    expect(page.get_by_role("link", name="Мои документы")).to_be_visible()
