"""System tools and services that some tests need: skip locally, fail in CI.

A developer without ``pdftotext`` or Chromium still gets a green ``make test`` with a clear
skip reason; CI (where the ``CI`` variable is set and ``.ci/run`` installs the tools) fails
instead, so a missing install step can never hide behind a skip::

    from tests.tools import require_tool

    def test_report_pdf_has_text(...):
        pdftotext = require_tool("pdftotext")
        subprocess.run([pdftotext, ...])
"""

from __future__ import annotations

import os
import shutil

import pytest

#: Which Debian package brings each tool (``.ci/run`` installs these).
DEBIAN_PACKAGES = {
    "chromium": "chromium",
    "pdftotext": "poppler-utils",
    "pdftoppm": "poppler-utils",
    "pdfinfo": "poppler-utils",
    "msgfmt": "gettext",
    "xgettext": "gettext",
    "msgmerge": "gettext",
}


def in_ci() -> bool:
    """True in CI, where nothing may be skipped for want of a tool."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


def missing(reason: str) -> None:
    """Skip the test with ``reason`` locally; fail it in CI."""
    if in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure, not a skip)", pytrace=False)
    pytest.skip(reason)


def require_tool(name: str) -> str:
    """The absolute path of a system tool; skip (locally) or fail (CI) when it is missing.

    ``CHROMIUM_PATH`` overrides the lookup of ``chromium``.
    """
    override = os.environ.get(f"{name.upper()}_PATH")
    path = override if override and os.access(override, os.X_OK) else shutil.which(name)
    if path is None:
        package = DEBIAN_PACKAGES.get(name, name)
        missing(f"{name} is not installed (apt-get install {package})")
    return path
