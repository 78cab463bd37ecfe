"""A ``{# … #}`` comment ends on its own line: Django's lexer does not read one across lines,
so a comment broken over two lines is printed on the page as text (it was, on every roadmap
item card, once). Longer comments use ``{% comment %}``."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SKIP_DIRS = {".venv", "node_modules", "staticfiles", "test-artifacts", ".git"}


def _templates() -> list[Path]:
    return sorted(
        path
        for suffix in ("html", "txt")
        for path in BASE_DIR.rglob(f"templates/**/*.{suffix}")
        if not SKIP_DIRS.intersection(path.relative_to(BASE_DIR).parts)
    )


def _unclosed(text: str) -> list[int]:
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        rest = line
        while "{#" in rest:
            rest = rest[rest.index("{#") + 2 :]
            if "#}" not in rest:
                lines.append(number)
                break
            rest = rest[rest.index("#}") + 2 :]
    return lines


def test_the_check_finds_a_comment_broken_over_lines():
    assert _unclosed("a {# one #} b\n{# two\n three #}\n") == [2]


def test_no_template_breaks_a_comment_over_lines():
    templates = _templates()
    assert len(templates) > 100
    broken = {
        str(path.relative_to(BASE_DIR)): lines
        for path in templates
        if (lines := _unclosed(path.read_text(encoding="utf-8")))
    }
    assert broken == {}
