"""Links given by users are http(s) only (issue 16, item 12).

An organisation's website ``javascript://%0aalert()`` was stored from an import and rendered
as a live link (only the Content-Security-Policy stopped it). Every input path validates with
:func:`validate_web_url` (model fields, forms, imports), and every template renders a
user-supplied link through the ``safe_href`` filter (``{% load ui %}``), which gives "" for
anything but an http(s) address — so a value stored before, or by a path that forgot to
check, is shown as text, never as a link.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

SCHEMES = frozenset({"http", "https"})
# A site written without its scheme, as schools often write it: «school5.ru», «www.sch.ru/a».
_BARE_HOST = re.compile(r"^[\w-]+(\.[\w-]+)*\.[^\W\d_]{2,}(:\d{1,5})?([/?#]\S*)?$")


def safe_href(value: object) -> str:
    """The address to put in ``href``: an http(s) URL (a bare host gets ``http://``), or ""."""
    text = str(value or "").strip()
    if not text or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        return ""  # browsers drop tabs and newlines inside a URL: «java\tscript:» is javascript:
    if "://" not in text:
        if not _BARE_HOST.match(text):
            return ""
        text = "http://" + text
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:
        return ""
    if parts.scheme.lower() not in SCHEMES or not host:
        return ""
    return text


def validate_web_url(value: str) -> None:
    """A model and form validator: empty, or a link :func:`safe_href` accepts."""
    if value and not safe_href(value):
        raise ValidationError(
            _("Enter a link that starts with http:// or https:// (for example https://school.ru)."),
            code="unsafe_url",
        )
