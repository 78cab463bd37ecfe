"""The interface is Russian: every catalog is complete and compiled, and pages use it."""

import datetime
import os
import shutil
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import polib
import pytest
from django.template import Context, Template
from django.utils import formats, translation

from tests.tools import require_tool

ROOT = Path(__file__).resolve().parent.parent
SKIP_DIRS = {".venv", ".git", "node_modules", "staticfiles", "media", "private_media"}


def _catalogs() -> list[Path]:
    found = []
    for dirpath, dirnames, filenames in os.walk(ROOT):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
        if (
            dirpath.endswith(os.path.join("locale", "ru", "LC_MESSAGES"))
            and "django.po" in filenames
        ):
            found.append(Path(dirpath) / "django.po")
    return found


CATALOGS = _catalogs()


def _translations(entries) -> dict[tuple[str | None, str], object]:
    result = {}
    for entry in entries:
        if entry.obsolete or "fuzzy" in entry.flags:
            continue
        key = (entry.msgctxt, entry.msgid)
        if entry.msgid_plural:
            plurals = entry.msgstr_plural
            result[key] = tuple(plurals[k] for k in sorted(plurals))
        else:
            result[key] = entry.msgstr
    return result


def test_the_root_catalog_is_found():
    assert ROOT / "locale" / "ru" / "LC_MESSAGES" / "django.po" in CATALOGS


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalog_is_fully_translated(po_path):
    po = polib.pofile(str(po_path))
    untranslated = [e.msgid for e in po.untranslated_entries() if not e.obsolete]
    fuzzy = [e.msgid for e in po.fuzzy_entries() if not e.obsolete]
    assert not untranslated, f"untranslated in {po_path.relative_to(ROOT)}: {untranslated}"
    assert not fuzzy, f"fuzzy in {po_path.relative_to(ROOT)}: {fuzzy}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_plural_has_all_russian_forms(po_path):
    """Django's Russian catalogs declare four forms (one, few, many, fractions); an entry with
    three is refused by `msgfmt --check` and shows the English text for «1,5»."""
    po = polib.pofile(str(po_path))
    nplurals = int(po.metadata["Plural-Forms"].split("nplurals=")[1].split(";")[0])
    short = [
        e.msgid for e in po if e.msgid_plural and not e.obsolete and len(e.msgstr_plural) < nplurals
    ]
    assert not short, f"fewer than {nplurals} forms in {po_path.relative_to(ROOT)}: {short}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_each_catalog_is_shown_as_written(po_path):
    """Django merges every catalog into one: for the same msgid the root catalog wins, then
    the app listed first in INSTALLED_APPS (Django's own before ours). A msgid two catalogs
    translate differently therefore shows the other's words («Изменить» for a column
    «Изменение», «имя» for a school's name): give it a context (``pgettext``) or the same
    translation."""
    shown = {}
    with translation.override("ru"):
        for entry in polib.pofile(str(po_path)):
            if entry.obsolete or entry.msgid_plural or not entry.msgstr:
                continue
            if entry.msgctxt:
                got = translation.pgettext(entry.msgctxt, entry.msgid)
            else:
                got = translation.gettext(entry.msgid)
            if got != entry.msgstr:
                shown[entry.msgid] = f"«{entry.msgstr}» is shown as «{got}»"
    assert not shown, f"{po_path.relative_to(ROOT)}: {shown}"


def _entries(po_path: Path) -> set[tuple[str | None, str, str]]:
    return {
        (e.msgctxt, e.msgid, e.msgid_plural or "")
        for e in polib.pofile(str(po_path))
        if not e.obsolete and "fuzzy" not in e.flags
    }


def test_every_catalog_holds_what_the_code_asks_for(tmp_path):
    """`make messages` on a copy of the sources changes no catalog's entries: no string of the
    code lacks its translation, none is left over, and no msgid is asked for both with and
    without a plural form — gettext keeps one of the two and the other shows in English
    (``{{ n }} overdue`` on the commitments page, while the panel asked for it singular)."""
    require_tool("xgettext"), require_tool("msgmerge")
    copy = tmp_path / "src"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            *SKIP_DIRS, "tests", "bench", "__pycache__", "*.egg-info", "test-artifacts"
        ),
    )
    python = Path(sys.executable)
    run = subprocess.run(  # noqa: S603 — our own Makefile on a copy
        [shutil.which("make") or "make", "-s", "-o", "install", "messages", f"PY={python}",
         f"DJANGO_ADMIN={python.parent / 'django-admin'}"],
        cwd=copy, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    # makemessages passes xgettext's warnings on to its standard output
    assert "warning" not in run.stdout + run.stderr, (run.stdout + run.stderr)[-3000:]
    changed = {}
    for po_path in CATALOGS:
        where = po_path.relative_to(ROOT)
        before, after = _entries(po_path), _entries(copy / where)
        if before != after:
            changed[str(where)] = {
                "missing": sorted(k[1] for k in after - before)[:10],
                "left over": sorted(k[1] for k in before - after)[:10],
            }
    assert not changed, f"run `make messages` and translate: {changed}"


@pytest.mark.parametrize("po_path", CATALOGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_compiled_catalog_matches_the_po_file(po_path):
    mo_path = po_path.with_suffix(".mo")
    where = po_path.relative_to(ROOT)
    assert mo_path.exists(), f"{where}: run `make compilemessages` and commit the .mo"
    po = _translations(polib.pofile(str(po_path)))
    mo = _translations(polib.mofile(str(mo_path)))
    mo.pop((None, ""), None)  # the header
    stale = sorted(k[1] for k in po.keys() | mo.keys() if po.get(k) != mo.get(k))
    assert not stale, f"{where}: the .mo is stale, run `make compilemessages`: {stale[:10]}"


def test_login_page_is_in_russian(client):
    response = client.get("/accounts/login/")
    text = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ru">' in text
    for phrase in ("Электронная почта", "Пароль", "Войти", "Забыли пароль?"):
        assert phrase in text
    assert "Log in" not in text


def test_unknown_page_is_the_russian_404(client_for, users):
    response = client_for(users.director).get("/no-such-page/")
    assert response.status_code == 404
    text = response.content.decode()
    assert "Страница не найдена" in text
    assert "Page not found" not in text


def test_dates_and_numbers_use_the_russian_formats():
    day = datetime.date(2026, 11, 23)
    with translation.override("ru"):
        assert formats.date_format(day) == "23 ноября 2026 г."
        assert formats.date_format(day, "SHORT_DATE_FORMAT") == "23.11.2026"
        assert Template('{{ d|date:"j E Y" }}').render(Context({"d": day})) == "23 ноября 2026"
        assert formats.number_format(Decimal("1234.5"), 1, use_l10n=True) == "1234,5"


def test_default_language_is_russian(settings):
    assert settings.LANGUAGE_CODE == "ru"
    assert translation.get_language() == "ru"
