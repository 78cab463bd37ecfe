"""An item's evidence and comment forms on pages of their own (a link opened in a new tab, or
followed before the page's scripts loaded): with JavaScript on, the form still posts and
leads back to the roadmap; on the roadmap page it works in place (test_roadmaps_journey)."""

import re

import pytest
from playwright.sync_api import expect

from roadmaps.models import Evidence, ReviewComment, Roadmap


@pytest.mark.parametrize(
    "who, path, label, button, model",
    [
        ("director", "evidence", "Комментарий", "Прикрепить", Evidence),
        ("curator", "comment", "Прокомментировать пункт", "Добавить комментарий", ReviewComment),
    ],
)
def test_an_item_form_on_its_own_page_posts_and_returns_to_the_roadmap(
    demo, login, page, live_server, who, path, label, button, model
):
    roadmap = Roadmap.objects.get(title__startswith="Программа перехода МОБУ «СОШ № 5»")
    item = roadmap.items.order_by("pk").first()
    before = model.objects.filter(item=item).count()
    login(page, f"{who}@demo.local")
    page.goto(f"{live_server.url}/roadmaps/items/{item.pk}/{path}/")
    page.get_by_label(label).fill("Протокол заседания методического объединения")
    page.get_by_role("button", name=button).click()
    expect(page).to_have_url(re.compile(rf"/roadmaps/{roadmap.pk}/"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Программа перехода")
    assert model.objects.filter(item=item).count() == before + 1
