"""The methodologist's journey (issue 6): a suggestion becomes a partnership, the partnership is
approved and started, the agreement PDF is generated and read back, the signed scan uploaded;
a director of another municipality can open none of it."""

import os
import re
import subprocess

import pytest
from playwright.sync_api import expect

from network_portal.accounts.models import Role, RoleAssignment, User
from schools.models import Municipality, Organisation
from tests.tools import require_tool

SCREENSHOTS = os.environ.get("PARTNERSHIPS_SCREENSHOTS")  # a folder to look at the pages
PDF_SCAN = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _shot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}.png"), full_page=True)


def _outsider_director() -> User:
    demo = Municipality.objects.get(name="Северогорский муниципальный округ")
    other = Municipality.objects.create(region=demo.region, name="Южный муниципальный округ")
    school = Organisation.objects.create(
        municipality=other, short_name="МОБУ «СОШ № 77»", full_name="Школа № 77", inn="2901000151"
    )
    user = User.objects.create_user(email="south@demo.local", password="south-pass-2026")
    RoleAssignment.objects.create(user=user, role=Role.DIRECTOR, organisation=school)
    return user


@pytest.mark.django_db(transaction=True)
def test_methodologist_pairs_a_school_and_formalises_the_agreement(
    demo, page, live_server, login, browser, tmp_path
):
    pdftotext = require_tool("pdftotext")
    school = Organisation.objects.get(short_name="МОБУ «СОШ № 47»")
    login(page, "methodist@demo.local")

    # 1. suggestions for the school left without a partner in seed 001
    page.goto(f"{live_server.url}/partnerships/schools/{school.pk}/suggestions/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("СОШ № 47")
    # the best candidate this methodologist may propose (the region's other municipality's
    # leaders are listed too, for the coordinator to propose)
    first = (
        page.locator("article")
        .filter(has=page.get_by_role("button", name="Предложить партнёрство"))
        .first
    )
    expect(first).to_contain_text("у школы высокий риск")
    candidate = first.locator("h3").inner_text().split(". ", 1)[1].split("\n")[0].strip()
    _shot(page, "suggest")
    first.get_by_role("button", name="Предложить партнёрство").click()

    # 2. the proposed partnership: approve, then start
    expect(page.locator(".alert-success")).to_contain_text("Партнёрство предложено.")
    expect(page.locator("main")).to_contain_text("Предложена")
    expect(page.locator("main")).to_contain_text(candidate)
    partnership_url = page.url
    page.get_by_role("button", name="Утвердить").click()
    expect(page.locator("main h1 + p")).to_contain_text("Согласована")
    page.get_by_role("button", name="Начать работу").click()
    expect(page.locator("main h1 + p")).to_contain_text("Действует")
    _shot(page, "partnership")

    # 3. the agreement: a form, then the PDF built by the documents job
    page.get_by_role("link", name="Оформить соглашение").click()
    page.get_by_label("Действует по").fill("2027-06-30")
    page.get_by_label("Предмет").fill("Сотрудничество в обучении детей-инофонов")
    page.get_by_label("Обязательства сторон").fill("Школа-лидер проводит стажировки для педагогов.")
    page.get_by_role("button", name="Создать соглашение").click()
    expect(page.locator(".alert-success")).to_contain_text("Соглашение создано.")
    agreement_url = page.url
    page.get_by_role("button", name="Сформировать PDF").click()
    expect(page.locator(".job-status")).to_contain_text("Готово", timeout=20_000)
    _shot(page, "agreement")
    with page.expect_download() as info:
        page.locator(".job-status").get_by_role("link", name="Скачать").click()
    pdf = tmp_path / "agreement.pdf"
    info.value.save_as(pdf)
    job_url = page.locator(".job-status").get_by_role("link", name="Скачать").get_attribute("href")
    text = " ".join(
        subprocess.run(  # noqa: S603 — our own file and a fixed tool
            [pdftotext, str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split()
    )
    assert "Соглашение о сотрудничестве" in text
    assert "МОБУ «СОШ № 47»" in text and candidate in text
    assert "Сотрудничество в обучении детей-инофонов" in text
    assert re.search(r"Страница 1 из \d", text)

    # 4. the signed scan: a fake one is refused, a real PDF is stored; then it is signed
    scan_input = page.get_by_label("Подписанный скан (PDF, JPEG или PNG)")
    scan_input.set_input_files(
        {"name": "скан.pdf", "mimeType": "application/pdf", "buffer": b"GIF89a not a pdf"}
    )
    page.get_by_role("button", name="Загрузить").click()
    expect(page.locator("main")).to_contain_text("не соответствует своему расширению")
    page.get_by_label("Подписанный скан (PDF, JPEG или PNG)").set_input_files(
        {"name": "скан.pdf", "mimeType": "application/pdf", "buffer": PDF_SCAN}
    )
    page.get_by_role("button", name="Загрузить").click()
    expect(page.locator(".alert-success")).to_contain_text("Подписанный скан загружен.")
    page.get_by_role("button", name="Отметить как подписанное").click()
    expect(page.locator("main h1 + p")).to_contain_text("Подписано")
    scan_url = page.get_by_role("link", name="скан.pdf").get_attribute("href")

    # 5. a director of another municipality opens none of it
    _outsider_director()
    context = browser.new_context(locale="ru-RU")
    outsider = context.new_page()
    login(outsider, "south@demo.local", "south-pass-2026")
    for url in (
        partnership_url,
        agreement_url,
        f"{live_server.url}{job_url}",
        f"{live_server.url}{scan_url}",
    ):
        response = outsider.request.get(url)
        assert response.status == 404, url
    outsider.goto(f"{live_server.url}/partnerships/")
    expect(outsider.locator("main")).not_to_contain_text("СОШ № 47")
    context.close()
