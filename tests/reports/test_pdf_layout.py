"""How the progress report looks on paper: one sans-serif font everywhere (page footers
included), whole words in the narrow label column and the verdict badges, Russian column
headers, and chart labels that fit in the SVG.

Text is read back from the PDF with ``pdftotext`` (skipped locally without poppler-utils, a
failure in CI); WeasyPrint marks the place where it hyphenated a word with «‐» (U+2010).
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from django.core.management import call_command
from django.template import engines
from django.utils import translation
from pypdf import PdfReader

from network_portal.documents.rendering import html_to_pdf
from network_portal.ui.charts import bar_chart
from partnerships.models import Partnership
from schools.models import Organisation
from tests.tools import missing, require_tool

from .factories import PartnershipMemberFactory
from .helpers import school_with_history

pytestmark = pytest.mark.django_db

HYPHEN = "\u2010"


def _build(subject: str, name: str, tmp_path: Path) -> Path:
    out = tmp_path / f"{subject}.pdf"
    call_command(
        "build_report", subject, name, "--output", str(out), "--start", "2025-09-01",
        "--end", "2026-08-31",
    )  # fmt: skip
    return out


def _text(path: Path) -> str:
    return subprocess.run(  # noqa: S603 — a fixed tool on a file the test wrote
        [require_tool("pdftotext"), "-layout", str(path), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def _fonts(pdf: bytes) -> set[str]:
    names = set()
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            names.add(re.sub(r"^/?[A-Z]{6}\+", "", str(font.get_object()["/BaseFont"])))
    return names


@pytest.fixture
def school(world):
    """As the demo's СОШ № 5: a long partnership line squeezes the label column."""
    history = school_with_history(world)
    Organisation.objects.filter(pk=world.school.pk).update(director_name="Орлова Елена Сергеевна")
    Organisation.objects.filter(pk=world.partner_org.pk).update(
        short_name="ГАПОУ «Северогорский политехнический колледж»"
    )
    Partnership.objects.filter(pk=history.partnership.pk).update(
        title="Сетевая пара МОБУ «СОШ № 5» — МОБУ «СОШ № 9»"
    )
    PartnershipMemberFactory(
        partnership=history.partnership, organisation=world.partner_org, role="partner"
    )
    return history


def test_the_report_is_in_one_sans_serif_font_footer_included(school, world, tmp_path):
    fonts = _fonts(_build("school", world.school.short_name, tmp_path).read_bytes())
    assert fonts and all(f.startswith("DejaVu-Sans") for f in fonts), fonts


def test_every_document_s_page_footer_is_in_the_body_s_font():
    """``documents/pdf_base.html`` itself: the margin boxes (footer, page numbers) do not
    inherit the body's font, so without their own they come out in a serif font."""
    template = engines["django"].from_string(
        '{% extends "documents/pdf_base.html" %}{% block footer_left %}Подвал'
        "{% endblock %}{% block body %}<p>Текст</p>{% endblock %}"
    )
    fonts = _fonts(html_to_pdf(template.render({})))
    assert fonts == {"DejaVu-Sans"}, fonts


def test_labels_and_verdicts_are_whole_words(school, world, tmp_path):
    text = _text(_build("school", world.school.short_name, tmp_path))
    for label in ("Категория", "Директор", "Партнёрство", "не выполнен"):
        assert label in text
    for cut in ("Катего", "Дирек", "Парт", "выпол"):
        assert cut + HYPHEN not in text, f"«{cut}‐» is hyphenated"
    municipality = _text(_build("municipality", world.mun.name, tmp_path))
    assert "не выполнен" in municipality
    for cut in ("не выпол" + HYPHEN, "нет дан" + HYPHEN):
        assert cut not in municipality, f"a badge is hyphenated: «{cut}»"


def test_the_risk_profile_change_column_is_headed_as_a_noun(school, world, tmp_path):
    """«Изменение» (what changed), not the admin's «Изменить» (a button)."""
    text = _text(_build("school", world.school.short_name, tmp_path))
    assert "Изменение" in text
    assert "Изменить" not in text


def test_each_results_chart_says_which_examination_it_shows(school, world, tmp_path):
    """The charts of «Результаты за три года» (OGE, EGE) look alike, lines over three years: each
    carries its title on paper, not only in the SVG's <title> that no PDF shows. (The fixture
    school has OGE results only.)"""
    for subject, name in (("school", world.school.short_name), ("municipality", world.mun.name)):
        text = _text(_build(subject, name, tmp_path))
        assert "ОГЭ (ГИА-9): средний балл" in text, subject


def _dejavu_sans() -> Path:
    for root in ("/usr/share/fonts", "/usr/local/share/fonts"):
        found = sorted(Path(root).rglob("DejaVuSans.ttf")) if Path(root).is_dir() else []
        if found:
            return found[0]
    missing("DejaVu Sans is not installed (apt-get install fonts-dejavu-core)")
    raise AssertionError  # pragma: no cover — missing() skips or fails


def test_bar_chart_labels_fit_left_of_the_bars():
    """Labels are right-aligned at the bars; one too long for the room lost its first letters
    («кола, функционирующая…» on the methodologist's home page)."""
    from fontTools.ttLib import TTFont

    font = TTFont(str(_dejavu_sans()))
    advances, per_em = font["hmtx"], font["head"].unitsPerEm
    glyphs = font.getBestCmap()

    def width(text: str, size: float = 11) -> float:
        return sum(advances[glyphs[ord(c)]][0] for c in text) / per_em * size

    labels = [
        "Школа, функционирующая в сложных социальных условиях (ШНСУ)",
        "Школа с низкими результатами обучения (ШНОР)",
        "Зона риска снижения образовательных результатов",
        "ЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖЖ",
        "Школа-лидер",
    ]
    for label_width in (220, 260, 300):
        svg = bar_chart(
            title="Школы по категориям",
            bars=[(label, n) for n, label in enumerate(labels)],
            label_width=label_width,
            width=label_width + 200,
        )
        shown = re.findall(r'text-anchor="end" fill="#212529"><title>[^<]*</title>([^<]*)<', svg)
        assert len(shown) == len(labels)
        for text in shown:
            text = text.replace("&quot;", '"')
            assert width(text) <= label_width - 6, (label_width, text)
        assert "Школа-лидер" in shown  # a short label is not cut
        assert all(s.endswith("…") for s in shown if s != "Школа-лидер" and len(s) > 30)


def test_the_page_number_stays_on_one_line_beside_a_long_footer(tmp_path):
    """A partnership's long title in the footer squeezed «Страница 1 из» and its «1» apart."""
    template = engines["django"].from_string(
        '{% extends "documents/pdf_base.html" %}{% block footer_left %}'
        "Заречная ООШ — Заречная СОШ № 1: математика и ОВЗ · напечатано 05.12.2026 07:49, "
        "Соколова Анна Павловна{% endblock %}{% block body %}<p>Текст</p>{% endblock %}"
    )
    with translation.override("ru"):
        pdf = html_to_pdf(template.render({}))
    out = tmp_path / "footer.pdf"
    out.write_bytes(pdf)
    assert "Страница 1 из 1" in _text(out)


def test_a_partnership_without_dates_has_one_dash_for_its_term(school, tmp_path):
    Partnership.objects.filter(pk=school.partnership.pk).update(start_date=None, end_date=None)
    text = _text(_build("partnership", "Сетевая пара МОБУ «СОШ № 5» — МОБУ «СОШ № 9»", tmp_path))
    assert re.search(r"Срок +—\n", text), text[:600]
    assert "— — —" not in text
