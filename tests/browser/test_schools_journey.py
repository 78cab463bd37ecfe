"""The methodologist's journey through the schools registry (issue 4): find the ШНОР schools of
the demo municipality, open a card and read why, import a small file through the wizard."""

import re

import pytest
from playwright.sync_api import expect


@pytest.mark.django_db(transaction=True)
def test_methodologist_finds_low_result_schools_and_reads_why(
    demo, page, live_server, login, tmp_path
):
    login(page, "methodist@demo.local")
    page.get_by_role("link", name="Школы", exact=True).first.click()
    expect(page.get_by_role("heading", name="Школы и организации")).to_be_visible()
    page.get_by_label("Категория").select_option("shnor")
    page.get_by_role("button", name="Показать").click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    expect(page.locator("main table")).to_contain_text("МОБУ «ООШ № 1»")
    expect(page.locator("main table")).to_contain_text("МКОУ «О(С)ОШ № 14»")
    page.get_by_role("link", name="МОБУ «ООШ № 1»").click()
    reasons = page.locator("#categories-h + .card")
    expect(reasons).to_contain_text("математика ОГЭ 2026: ниже порога у")
    expect(reasons).to_contain_text("факторы риска")
    expect(page.locator("figure svg")).to_have_count(2)

    # The wizard: upload → columns → check → import.
    csv_file = tmp_path / "новые школы.csv"
    csv_file.write_bytes("Наименование;ИНН\nМОБУ «СОШ № 60»;2901000225\n".encode("cp1251"))
    page.goto(f"{live_server.url}/schools/imports/new/")
    page.locator("#id_file").set_input_files(str(csv_file))
    page.get_by_role("button", name="Загрузить и продолжить").click()
    expect(page.get_by_role("heading", name="Столбцы файла")).to_be_visible()
    expect(page.locator("main")).to_contain_text("cp1251")
    page.get_by_role("button", name="Проверить строки").click()
    expect(page.locator("main")).to_contain_text("Пока ничего не сохранено")
    page.get_by_role("button", name="Загрузить", exact=True).click()
    expect(page.locator("#import-status")).to_contain_text("Загружено")
    expect(page).to_have_url(re.compile(r"/schools/imports/\d+/$"))
