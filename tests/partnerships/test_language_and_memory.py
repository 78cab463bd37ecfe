"""Explanations and documents go through gettext (the partnerships catalog); reference names
keep their abbreviations inside sentences; the web and report processes never load numpy or
scipy (only the pairing-plan solver does)."""

import os
import subprocess
import sys
from pathlib import Path

from django.utils import translation

from partnerships.documents import signature_name
from partnerships.matching import Candidate, School, Weights, in_sentence, match_score

NAMES = {9: "Высокая доля обучающихся с ОВЗ"}
SCHOOL = School(id=1, name="СОШ № 5", municipality_id=1, levels={9: "high"}, lat=64.5, lon=40.5)
FAR = Candidate(
    id=2,
    name="СОШ № 9",
    municipality_id=2,
    municipality_name="Соседний округ",
    lat=65.5,
    lon=40.5,
    declared={9: "инклюзивные классы"},
    capacity=3,
    load=1,
    resources=("Кадровые", "ИКТ-ресурсы"),
    results="high",
)


def _reasons():
    return match_score(school=SCHOOL, candidate=FAR, weights=Weights(), factor_names=NAMES).reasons


def test_explanation_is_russian_in_the_portal():
    assert _reasons() == (
        "«Высокая доля обучающихся с ОВЗ» (у школы высокий риск) — заявленный опыт: "
        "инклюзивные классы.",
        "Результаты: стабильно высокие (школа-лидер).",
        "Может предоставить ресурсы: кадровые, ИКТ-ресурсы.",
        "Расстояние: 111,2 км, другой муниципалитет (Соседний округ).",
        "Нагрузка: 1 из 3 (может поддержать ещё 2 школы).",
    )


def test_explanation_follows_the_active_language():
    with translation.override("en"):
        reasons = _reasons()
    assert reasons[1] == "Results: consistently high (a leader school)."
    assert reasons[3] == "Distance: 111.2 km, another municipality (Соседний округ)."
    assert reasons[4] == "Load: 1 of 3 (can support 2 more schools)."


def test_names_inside_a_sentence_keep_their_abbreviations():
    assert in_sentence("Высокая доля обучающихся с ОВЗ") == "высокая доля обучающихся с ОВЗ"
    assert in_sentence("ИКТ-оснащение школ") == "ИКТ-оснащение школ"
    assert in_sentence("ОВЗ: инклюзия") == "ОВЗ: инклюзия"
    assert in_sentence("") == ""


def test_signature_line_has_the_surname_and_initials():
    assert signature_name("Морозов Дмитрий Андреевич") == "Морозов Д. А."
    assert signature_name("Морозов Д. А.") == "Морозов Д. А."
    assert signature_name("Морозов") == "Морозов"


def test_loading_the_portal_imports_neither_numpy_nor_scipy():
    """≈ 64 MB in every process (bench/README: the report worker over its memory budget)."""
    root = Path(__file__).resolve().parents[2]
    code = (
        "import sys, django; django.setup()\n"
        "from django.urls import get_resolver; get_resolver().url_patterns\n"
        "import partnerships.matching, partnerships.services, partnerships.documents\n"
        "import roadmaps.export, roadmaps.views\n"
        "print(sorted(m for m in ('numpy', 'scipy') if m in sys.modules))\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "network_portal.settings", "DATABASE_URL": ""}
    out = subprocess.run(  # noqa: S603 — our own interpreter and code
        [sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip().splitlines()[-1] == "[]"
