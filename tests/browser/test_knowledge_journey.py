"""The knowledge base journey (issue 18, «Checked by»): a methodologist completes a partnership,
describes its practice from the pre-filled form and publishes it; a director of another school
finds it by its risk factor and adds its measure to the roadmap; a teacher's difficulty leads to
a suggested mentor and a mentorship with a first meeting and its reminder."""

import os
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from knowledge import reminders
from knowledge.models import Mentorship, Practice, PracticeAdoption
from network_portal.accounts.models import Role, RoleAssignment, User
from partnerships.models import Partnership
from roadmaps.models import Roadmap
from schools.models import Organisation

SCREENSHOTS = os.environ.get("KNOWLEDGE_SCREENSHOTS")  # a folder to look at the pages


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


@pytest.mark.django_db(transaction=True)
def test_practice_from_a_partnership_to_another_roadmap_and_a_mentor(
    demo, page, live_server, login, browser
):
    pair = Partnership.objects.get(title="Сетевая пара МОБУ «СОШ № 5» — МОБУ «СОШ № 9»")
    login(page, "methodist@demo.local")
    page.goto(f"{live_server.url}/partnerships/{pair.pk}/")
    page.get_by_role("button", name="Завершить").click()
    page.get_by_role("link", name="Описать практику").click()
    expect(page.get_by_label("Название")).to_have_value(pair.title)
    page.get_by_label("Название").fill("Сетевая пара по ОВЗ: взаимопосещение и наставничество")
    page.get_by_label("Результаты словами").fill("Учителя переписали адаптированные программы.")
    page.get_by_label("Мероприятие для дорожной карты").fill(
        "Взаимопосещение уроков в инклюзивных классах школы-лидера"
    )
    _shot(page, "practice_form")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.locator(".alert-success")).to_contain_text("сохранена как черновик")
    page.get_by_role("button", name="Отправить на рассмотрение").click()
    expect(page.locator("main h1")).to_contain_text("На рассмотрении")
    page.get_by_role("button", name="Опубликовать").click()
    expect(page.locator("main h1")).to_contain_text("Опубликована")
    _shot(page, "practice_detail")
    practice = Practice.objects.get(title__startswith="Сетевая пара по ОВЗ")
    assert practice.partnership == pair and practice.results_snapshot["schools"]

    # a director of СОШ № 2 (ОВЗ is a high risk there) finds it by the factor
    school = Organisation.objects.get(short_name="МОБУ «СОШ № 2»")
    director = User.objects.create_user(email="director-sosh2@demo.local", password="demo12345")
    RoleAssignment.objects.create(user=director, role=Role.DIRECTOR, organisation=school)
    roadmap = Roadmap.objects.create(organisation=school, title="Программа СОШ № 2")
    page.context.clear_cookies()
    login(page, "director-sosh2@demo.local")
    page.goto(f"{live_server.url}/knowledge/")
    page.get_by_label("Фактор риска").select_option(label="9. Высокая доля обучающихся с ОВЗ")
    page.get_by_role("button", name="Найти").click()
    _shot(page, "practice_list")
    page.get_by_role("link", name="Сетевая пара по ОВЗ: взаимопосещение и наставничество").click()
    page.get_by_label("Дорожная карта").select_option(label=str(roadmap))
    page.get_by_role("button", name="Добавить мероприятие").click()
    expect(page.locator(".alert-success")).to_contain_text("добавлено в дорожную карту")
    expect(page.locator("main")).to_contain_text("Мероприятия из практик")
    assert PracticeAdoption.objects.get(practice=practice).item.roadmap == roadmap

    # a teacher of СОШ № 5: the difficulties survey leads to a mentor
    page.context.clear_cookies()
    login(page, "teacher@demo.local")
    school5 = Organisation.objects.get(short_name="МОБУ «СОШ № 5»")
    page.goto(f"{live_server.url}/knowledge/mentors/for-school/{school5.pk}/")
    first = page.locator("main ol.list-group > li").first
    expect(first).to_contain_text("Кузнецова Ольга Викторовна")
    expect(first).to_contain_text("педагогов школы")
    _shot(page, "mentor_suggest")
    first.get_by_label("Наставляемый").fill("Петров Михаил Андреевич")
    first.get_by_role("button", name="Предложить наставничество").click()
    expect(page.locator(".alert-success")).to_contain_text("предложено наставнику")
    tomorrow = timezone.localtime() + timedelta(days=1)
    page.get_by_label("Начало").fill(tomorrow.strftime("%Y-%m-%dT16:00"))
    page.get_by_label("Тема", exact=True).fill("Первая встреча")
    page.get_by_role("button", name="Запланировать").click()
    expect(page.locator("#meetings")).to_contain_text("Первая встреча")
    _shot(page, "mentorship")
    teacher = User.objects.get(email="teacher@demo.local")
    mentorship = Mentorship.objects.filter(mentee_user=teacher).latest("pk")
    sent = [
        r
        for r in reminders.meetings_tomorrow(timezone.localdate())
        if r.context["topic"] == "Первая встреча"
    ]
    assert [r.recipient_id for r in sent] == [teacher.pk]
    assert mentorship.status == "proposed"
