"""Templates carry no script that the Content-Security-Policy would block (or allow).

script-src is 'self' without 'unsafe-inline' / 'unsafe-eval': an inline ``<script>``, an
``onclick=`` attribute, a ``javascript:`` link or htmx's ``hx-on`` (evaluated code) would be
silently dead in the browser. JavaScript belongs in static files.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", "staticfiles", "test-artifacts", ".git"}


def _templates() -> list[Path]:
    found = []
    for path in BASE_DIR.rglob("templates/**/*.html"):
        if not SKIP_DIRS.intersection(path.relative_to(BASE_DIR).parts):
            found.append(path)
    return sorted(found)


SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.IGNORECASE)
DATA_SCRIPT = re.compile(r"""type\s*=\s*["']?(application/(ld\+)?json|text/plain)""", re.I)
EVENT_HANDLER = re.compile(r"""<[a-z][^>]*\s(on[a-z]+)\s*=\s*["']""", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.IGNORECASE)
HX_ON = re.compile(r"""\shx-on[:\-\w]*\s*=""", re.IGNORECASE)
HX_JS_VALS = re.compile(r"""hx-(vals|headers)\s*=\s*["']\s*js:""", re.IGNORECASE)


def _problems(text: str) -> list[str]:
    problems = []
    for match in SCRIPT_TAG.finditer(text):
        attrs = match.group(1)
        if "src=" not in attrs.replace(" ", "") and not DATA_SCRIPT.search(attrs):
            problems.append(f"inline <script{attrs}>")
    problems += [f"event handler {m.group(1)}=" for m in EVENT_HANDLER.finditer(text)]
    problems += ["javascript: URL" for _ in JS_URL.finditer(text)]
    problems += ["hx-on (evaluated code)" for _ in HX_ON.finditer(text)]
    problems += ["hx-vals/hx-headers with js:" for _ in HX_JS_VALS.finditer(text)]
    return problems


def test_templates_are_found():
    assert len(_templates()) >= 10


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<button onclick="go()">',
        '<a href="javascript:void(0)">',
        '<div hx-on:click="x()">',
        "<div hx-vals='js:{a: 1}'>",
    ],
)
def test_the_checker_catches(snippet):
    assert _problems(snippet)


def test_the_checker_allows_external_and_data_scripts():
    ok = '<script src="/static/app.js" defer></script><script type="application/json">{}</script>'
    assert not _problems(ok)


def test_no_template_has_code_the_csp_blocks():
    found = {}
    for path in _templates():
        problems = _problems(path.read_text(encoding="utf-8"))
        if problems:
            found[str(path.relative_to(BASE_DIR))] = problems
    assert not found, f"Move this JavaScript to a static file: {found}"
