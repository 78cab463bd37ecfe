"""Roadmap journeys in a browser: the director updates an item and attaches evidence inline,
the curator comments, rates the quarter and approves, the methodologist sees the
municipality's progress and open concerns."""

import re
import time

from playwright.sync_api import expect


def _open_demo_roadmap(page, live_server):
    page.goto(f"{live_server.url}/roadmaps/")
    page.get_by_role("link", name=re.compile("Программа перехода МОБУ «СОШ № 5»")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Программа перехода")


def test_director_updates_an_item_and_attaches_evidence_quickly(
    demo, login, page, live_server, tmp_path
):
    started = time.monotonic()
    login(page, "director@demo.local")
    _open_demo_roadmap(page, live_server)
    in_progress = page.locator("article.roadmap-item").filter(
        has=page.locator(".badge", has_text="В работе")
    )
    card_id = in_progress.first.get_attribute("id")
    card = page.locator(f"#{card_id}")
    url_before = page.url

    # the quick form opens on the card when asked for (issue 17: 50 open forms slowed the page)
    card.get_by_role("link", name="Обновить статус и факт").click()
    card.get_by_label("Статус").select_option(label="Выполнено")
    card.get_by_label("Фактическое значение").fill("75")
    card.get_by_role("button", name="Сохранить").click()
    expect(card.get_by_role("status")).to_have_text("Сохранено.")
    expect(card.locator(".badge").first).to_have_text("Выполнено")
    assert page.url == url_before  # updated in place, no navigation

    report = tmp_path / "протокол семинара.pdf"
    report.write_bytes(b"%PDF-1.4\n% demo\n")
    card.get_by_role("link", name="Добавить подтверждение").click()
    card.get_by_label("Файл").set_input_files(str(report))
    card.get_by_label("Комментарий").fill("Семинар проведён, протокол прилагается")
    card.get_by_role("button", name="Прикрепить").click()
    expect(card.get_by_role("status")).to_have_text("Подтверждение добавлено.")
    expect(card.get_by_role("link", name="протокол семинара.pdf")).to_be_visible()
    expect(card).to_contain_text("Семинар проведён")
    assert time.monotonic() - started < 60


def test_director_sees_a_refusal_for_a_non_number(demo, login, page, live_server):
    login(page, "director@demo.local")
    _open_demo_roadmap(page, live_server)
    card = page.locator("article.roadmap-item").first
    card_id = card.get_attribute("id")
    card = page.locator(f"#{card_id}")  # the card is swapped when its form opens
    card.get_by_role("link", name="Обновить статус и факт").click()
    card.get_by_label("Фактическое значение").fill("почти всё")
    card.get_by_role("button", name="Сохранить").click()
    expect(card.get_by_text("введите фактическое значение числом")).to_be_visible()
    expect(card.get_by_label("Фактическое значение")).to_have_value("почти всё")


def test_curator_comments_rates_the_quarter_and_approves(demo, login, page, live_server):
    login(page, "curator@demo.local")
    _open_demo_roadmap(page, live_server)
    card = page.locator("article.roadmap-item").first
    card.get_by_role("link", name="Прокомментировать пункт").click()
    card.get_by_label("Прокомментировать пункт").fill("Хорошо, приложите фотоотчёт")
    card.get_by_role("button", name="Добавить комментарий").click()
    expect(card).to_contain_text("Хорошо, приложите фотоотчёт")

    rate = page.locator("#rate")
    rate.get_by_label("Зелёный: по плану").check()
    rate.get_by_label("Обоснование").fill("Меры по неуспешности выполнены в срок")
    rate.get_by_role("button", name="Сохранить оценку").click()
    expect(page.get_by_text("Оценка за квартал сохранена.")).to_be_visible()
    expect(page.locator("#ratings")).to_contain_text("Меры по неуспешности выполнены в срок")

    review = page.locator("#review")
    review.get_by_label("Утвердить").check()
    review.get_by_label("Комментарий").fill("Согласовано")
    review.get_by_role("button", name="Принять решение").click()
    expect(page.get_by_text("Дорожная карта утверждена.")).to_be_visible()
    expect(page.locator("h1 + p .badge")).to_have_text("Утверждена")


def test_methodologist_sees_progress_and_open_concerns(demo, login, page, live_server):
    login(page, "methodist@demo.local")
    page.goto(f"{live_server.url}/roadmaps/")
    page.get_by_role("link", name="Обзор по территории").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("МОБУ «СОШ № 5»")
    expect(table).to_contain_text("%")
    expect(table).to_contain_text("Школа не выходит на связь")  # СОШ № 3, from the demo

    page.get_by_role("link", name=re.compile("Программа перехода МОБУ «СОШ № 5»")).click()
    page.get_by_label("Сигнал").fill("Директор не отвечает на письма две недели")
    page.get_by_role("button", name="Отправить сигнал").click()
    expect(page.locator("#concerns")).to_contain_text("Директор не отвечает на письма")
    page.goto(f"{live_server.url}/roadmaps/overview/")
    expect(page.get_by_role("table")).to_contain_text("Директор не отвечает на письма")
