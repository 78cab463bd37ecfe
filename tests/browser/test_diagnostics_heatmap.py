"""The heatmap is a heatmap (issue 15): coloured cells that also say their level, all ten
factors visible at 1366 px, the school column stays while the table scrolls."""

WHITE = ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")


def test_heatmap_cells_are_coloured_and_ten_factors_fit_1366(page, live_server, demo, login):
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "methodist@demo.local")
    page.goto(f"{live_server.url}/diagnostics/heatmap/")
    for level, word in (("high", "Высокий"), ("medium", "Средний"), ("low", "Низкий")):
        cell = page.locator(f"table.heatmap td.level-{level}").first
        background = cell.evaluate("el => getComputedStyle(el).backgroundColor")
        assert background not in WHITE, f"{level}: {background}"
        assert word.lower() in cell.inner_text().lower()  # colour plus text
    headers = page.locator("table.heatmap thead th")
    assert headers.count() == 11
    tenth = headers.nth(10).bounding_box()
    assert tenth is not None and tenth["x"] + tenth["width"] <= 1366, tenth
    school = page.locator("table.heatmap tbody th").first
    assert school.evaluate("el => getComputedStyle(el).position") == "sticky"
