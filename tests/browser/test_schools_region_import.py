"""The demo coordinator loads a region's ФИС ОКО schools file in the wizard: the new
municipality is listed and confirmed, a close name is refused «похоже на …», each change is
shown old → new before anything is saved."""

import os

import pytest
from playwright.sync_api import expect

from network_portal.celery import app as celery_app
from schools.models import Municipality, Organisation


@pytest.fixture(autouse=True)
def _eager_jobs():
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def test_coordinator_loads_a_region_file(demo, login, page, live_server, tmp_path):
    known = Municipality.objects.order_by("pk").first()
    school = Organisation.objects.filter(municipality=known).schools().order_by("pk").first()
    path = tmp_path / "schools.csv"
    path.write_text(
        "Логин ФИС ОКО;Муниципалитет;Наименование ОО\n"
        f"sch990101;{known.name};{school.full_name}\n"
        "sch990102;ЗАТО Северный;МБОУ СОШ № 1\n"
        f"sch990103;{known.name}а;МБОУ СОШ № 2\n",
        encoding="utf-8",
    )
    login(page, "coordinator@demo.local")
    page.goto(f"{live_server.url}/schools/imports/new/")
    page.get_by_label("Что в файле").select_option("schools")
    page.locator("input[type=file]").set_input_files(str(path))
    page.get_by_role("button", name="Загрузить и продолжить").click()
    page.get_by_role("button", name="Проверить строки").click()
    expect(page.get_by_text("«ЗАТО Северный» — 1 строка")).to_be_visible()
    expect(page.get_by_text(f"похоже на «{known.name}»: не создаётся")).to_be_visible()
    expect(page.get_by_role("heading", name="Что изменится")).to_be_visible()
    page.set_viewport_size({"width": 1200, "height": 1400})
    if os.environ.get("SCREENSHOTS"):
        page.screenshot(
            path=os.path.join(os.environ["SCREENSHOTS"], "import-preview.png"), full_page=True
        )
    page.get_by_label("Создать перечисленные муниципалитеты и проверить файл снова").check()
    page.get_by_role("button", name="Загрузить", exact=True).click()
    expect(page.get_by_text("Они будут созданы при импорте")).to_be_visible()
    page.get_by_label("Загрузить корректные строки без ошибочных").check()
    page.get_by_role("button", name="Загрузить", exact=True).click()
    page.wait_for_load_state("networkidle")
    assert Organisation.objects.get(login="sch990102").municipality.name == "ЗАТО Северный"
    assert Organisation.objects.get(login="sch990101") == school
    assert not Organisation.objects.filter(login="sch990103").exists()
