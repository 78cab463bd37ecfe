"""Addresses of views that take no arguments, reversed once per process (issue 17).

``reverse()`` costs 20–60 µs; the layout and the menu ask for the same dozen addresses on every
page. The cache is keyed by the resolver object and the script prefix, so a changed URLconf
(tests' ``ROOT_URLCONF``, a request's ``urlconf``, ``clear_url_caches``) or prefix reverses
them again. The entries are a handful of strings per URLconf.
"""

from __future__ import annotations

from django.urls import get_resolver, get_script_prefix, get_urlconf, reverse

_URLS: dict[tuple, str] = {}


def fixed_url(name: str) -> str:
    """``reverse(name)`` for a view without arguments (``NoReverseMatch`` is not cached)."""
    key = (get_resolver(get_urlconf()), get_script_prefix(), name)
    url = _URLS.get(key)
    if url is None:
        url = _URLS[key] = reverse(name)
    return url
