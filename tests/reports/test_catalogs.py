"""The Russian catalogs of reports and notifications are complete and compiled."""

from pathlib import Path

import polib
import pytest
from django.conf import settings

CATALOGS = [
    settings.BASE_DIR / "reports/locale/ru/LC_MESSAGES/django.po",
    settings.BASE_DIR / "network_portal/notifications/locale/ru/LC_MESSAGES/django.po",
]


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.parts[-5])
def test_catalog_is_complete_and_compiled(path: Path):
    po = polib.pofile(str(path))
    assert not po.untranslated_entries(), [e.msgid for e in po.untranslated_entries()][:5]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()][:5]
    mo = polib.mofile(str(path.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    for entry in po.translated_entries():
        assert (entry.msgctxt, entry.msgid) in compiled, f"stale .mo: {entry.msgid!r}"
