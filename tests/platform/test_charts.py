"""Server-rendered SVG charts (``network_portal.ui.charts``): what a reader sees on the axes."""

import re

import pytest
from django.utils import translation

from network_portal.ui.charts import Series, line_chart


def _ticks(svg: str) -> list[str]:
    return re.findall(r'text-anchor="end" fill="#495057">([^<]+)</text>', svg)


@pytest.mark.parametrize(
    ("y_max", "expected"),
    [
        (100, ["0", "25", "50", "75", "100"]),
        (50, ["0,0", "12,5", "25,0", "37,5", "50,0"]),  # not «12» and «38» under their lines
        (1, ["0,00", "0,25", "0,50", "0,75", "1,00"]),
    ],
)
def test_the_value_axis_prints_each_gridline_at_its_value(y_max, expected):
    with translation.override("ru"):
        svg = line_chart(
            title="Доля «2»",
            x_labels=["2024", "2025", "2026"],
            series=[Series(label="ОГЭ", values=[10.0, 20.0, None])],
            y_max=y_max,
        )
    assert _ticks(svg) == expected


def test_each_point_prints_its_value_with_the_charts_decimals_not_the_axis():
    """The axis 0–20 needs no decimals; a point of 15.46 still reads «15,5», as in the table."""
    with translation.override("ru"):
        svg = line_chart(
            title="Средний балл",
            x_labels=["2024", "2025"],
            series=[Series(label="Все школы", values=[15.46, 12.9])],
        )
    points = re.findall(r'font-size="10">([^<]+)</text>', svg)
    assert points == ["15,5", "12,9"]
    assert _ticks(svg) == ["0", "5", "10", "15", "20"]
