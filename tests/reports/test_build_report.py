"""``build_report`` writes a PDF whose text holds the school, the criteria and their values."""

import subprocess

import pytest
from django.core.management import CommandError, call_command

from tests.tools import require_tool

from .helpers import school_with_history

pytestmark = pytest.mark.django_db


def pdf_text(path) -> str:
    """The text of a PDF with runs of whitespace (line and column breaks) as one space.

    Skipped locally without poppler-utils; a failure in CI (``tests.tools.require_tool``).
    """
    raw = subprocess.run(  # noqa: S603 — a fixed tool on a file the test wrote
        [require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(raw.split())


def test_school_report_holds_school_criteria_and_values(world, tmp_path):
    school_with_history(world)
    out = tmp_path / "report.pdf"
    call_command(
        "build_report",
        "school",
        "МОБУ «СОШ № 5»",
        "--output",
        str(out),
        "--start",
        "2025-09-01",
        "--end",
        "2026-08-31",
    )
    text = pdf_text(out)
    assert "МОБУ «СОШ № 5»" in text
    assert "Отчёт о ходе реализации".upper() in text or "Отчёт о ходе реализации" in text
    # the three seed-002 criteria, each with a verdict and its numbers
    assert "не преодолевших базовый порог" in text
    assert "2026: не преодолели порог 3 из 100 обучающихся (3,0 %)" in text
    assert "Положительная динамика среднего балла" in text
    assert "14,8 (2024) → 13,4 (2026), −1,4" in text
    assert "Реализация дорожной карты" in text
    assert "выполнено 1 из 2 пунктов" in text
    assert text.count("не выполнен") >= 3
    # risk profile then and now, overdue item, the event
    assert "Рисковый профиль" in text and "01.05.2025" in text and "01.05.2026" in text
    assert "Родительский всеобуч" in text
    assert "Мастер-класс «Формирующее оценивание»" in text, text[
        text.find("Сетевые мероприятия") :
    ][:400]
    assert "Страница 1 из" in text


def test_report_for_an_empty_period_says_so(world, tmp_path):
    school_with_history(world)
    out = tmp_path / "empty.pdf"
    call_command(
        "build_report",
        "school",
        "СОШ № 5",
        "--output",
        str(out),
        "--start",
        "2001-01-01",
        "--end",
        "2001-12-31",
    )
    text = pdf_text(out)
    assert "За выбранный период данных нет" in text
    assert "недостаточно данных" in text


def test_municipality_and_partnership_reports(world, tmp_path):
    history = school_with_history(world)
    out = tmp_path / "m.pdf"
    call_command(
        "build_report", "municipality", world.mun.name, "--output", str(out), "--end", "2026-08-31"
    )
    text = pdf_text(out)
    assert world.mun.name in text and "МОБУ «СОШ № 5»" in text
    assert "Критерии успешности проекта: сводка" in text
    out = tmp_path / "p.pdf"
    call_command("build_report", "partnership", history.partnership.title, "--output", str(out))
    text = pdf_text(out)
    assert "МОБУ «СОШ № 9»" in text and "Школа-лидер".lower() in text.lower()


def test_unknown_name_is_a_clear_error(world, tmp_path):
    with pytest.raises(CommandError, match="не найдена"):
        call_command("build_report", "school", "Нет такой", "--output", str(tmp_path / "x.pdf"))
