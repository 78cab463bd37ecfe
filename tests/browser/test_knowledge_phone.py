"""A practice's page on a phone: its risk factors are printed by their full names, which must
wrap instead of pushing the page sideways."""

from knowledge.models import Practice, PracticeStatus


def _wide(page, urls: dict[str, str]) -> dict[str, int]:
    """The pages (title -> URL) that scroll sideways at a 360 px wide phone, by their width."""
    page.set_viewport_size({"width": 360, "height": 780})
    wide = {}
    for title, url in urls.items():
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 360:
            wide[title] = width
    return wide


def test_every_demo_practice_fits_a_phone_screen(page, live_server, demo, login):
    login(page, "methodist@demo.local")
    practices = list(Practice.objects.order_by("pk"))
    assert practices
    wide = _wide(page, {p.title: f"{live_server.url}/knowledge/{p.pk}/" for p in practices})
    assert not wide, f"practice pages scroll sideways at 360 px: {wide}"


def test_every_public_practice_fits_a_phone_screen(page, live_server, demo):
    """The public page shows the same full factor names to an anonymous visitor."""
    practices = list(
        Practice.objects.filter(status=PracticeStatus.PUBLISHED, is_public=True).order_by("pk")
    )
    assert practices
    wide = _wide(page, {p.title: f"{live_server.url}/knowledge/public/{p.pk}/" for p in practices})
    assert not wide, f"public practice pages scroll sideways at 360 px: {wide}"
