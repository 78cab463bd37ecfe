"""Issue 15: a rating form's errors appeared ~6,000 px below where the page reloaded. The
refused form now opens where the curator is: the page is at the form, the message in view,
the first wrong field focused."""

from playwright.sync_api import expect

from tests.browser.test_roadmaps_journey import _open_demo_roadmap


def test_rating_errors_are_shown_in_the_viewport(demo, login, page, live_server):
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "curator@demo.local")
    _open_demo_roadmap(page, live_server)
    rate = page.locator("#rate")
    rate.get_by_label("Красный: серьёзное отставание").check()
    rate.get_by_label("Год").fill("2031")
    rate.get_by_label("Квартал").select_option(label="IV")
    rate.get_by_role("button", name="Сохранить оценку").click()
    page.wait_for_load_state("load")

    error = page.locator("#rate").get_by_text("прошедший квартал")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    reason_error = page.locator("#rate").get_by_text("Укажите обоснование оценки")
    expect(reason_error).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 1000  # not the top of a long page
    assert page.evaluate("document.activeElement.closest('#rate') !== null")
    expect(page.locator("#ratings")).not_to_contain_text("2031")
