"""A practice's page on a phone: its risk factors are printed by their full names, which must
wrap instead of pushing the page sideways."""

from knowledge.models import Practice, PracticeStatus


def test_every_demo_practice_fits_a_phone_screen(page, live_server, demo, login):
    page.set_viewport_size({"width": 360, "height": 780})
    login(page, "methodist@demo.local")
    practices = list(Practice.objects.order_by("pk"))
    assert practices
    wide = {}
    for practice in practices:
        page.goto(f"{live_server.url}/knowledge/{practice.pk}/")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[practice.title] = width
    assert not wide, f"practice pages scroll sideways at 360 px: {wide}"


def test_every_published_demo_practice_fits_a_phone_on_the_public_page(page, live_server, demo):
    """The public page (no login) printed the same long factor names in badges that did not
    wrap: «Высокая доля обучающихся с рисками учебной неуспешности» pushed it sideways."""
    page.set_viewport_size({"width": 360, "height": 780})
    practices = list(Practice.objects.filter(status=PracticeStatus.PUBLISHED).order_by("pk"))
    assert practices
    wide = {}
    for practice in practices:
        page.goto(f"{live_server.url}/knowledge/public/{practice.pk}/")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[practice.title] = width
    assert not wide, f"public practice pages scroll sideways at 360 px: {wide}"
