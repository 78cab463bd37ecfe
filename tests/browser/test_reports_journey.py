"""The demo curator orders a progress report from the home page and downloads the PDF; then
orders one from «Мои отчёты» with a chosen period."""

import re

import pytest
from playwright.sync_api import expect

from network_portal.celery import app as celery_app


@pytest.fixture(autouse=True)
def _eager_jobs():
    """The live server builds the job in the request (the broker path has its own test)."""
    saved = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = saved


def test_curator_orders_a_report_and_downloads_it(demo, login, page, live_server, tmp_path):
    login(page, "curator@demo.local")
    panel = page.get_by_role("region", name="Мои школы")
    expect(panel).to_be_visible()
    panel.get_by_role("button", name="Напечатать отчёт о ходе реализации: МОБУ «СОШ № 5»").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Мои отчёты")
    row = page.get_by_role("row").filter(has_text="Отчёт о ходе реализации: МОБУ «СОШ № 5»")
    expect(row.get_by_text("Готов")).to_be_visible()
    with page.expect_download() as download_info:
        row.get_by_role("link", name="Скачать").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    path = tmp_path / "report.pdf"
    download.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")


def test_curator_chooses_a_period_on_my_reports(demo, login, page, live_server):
    login(page, "curator@demo.local")
    page.goto(f"{live_server.url}/reports/")
    form = page.locator("form").filter(has=page.get_by_label("Школа"))
    form.get_by_label("Школа").select_option(label="МОБУ «СОШ № 3»")
    form.get_by_label("С").fill("2026-05-01")
    form.get_by_label("По").fill("2026-01-01")
    form.get_by_role("button", name="Сформировать отчёт").click()
    expect(page.get_by_text("Конец периода раньше его начала.")).to_be_visible()
    form = page.locator("form").filter(has=page.get_by_label("Школа"))
    form.get_by_label("С").fill("2025-09-01")
    form.get_by_label("По").fill("2026-06-30")
    form.get_by_role("button", name="Сформировать отчёт").click()
    row = page.get_by_role("row").filter(
        has_text=re.compile(r"СОШ № 3».*01\.09\.2025–30\.06\.2026")
    )
    expect(row.get_by_role("link", name="Скачать")).to_be_visible()
