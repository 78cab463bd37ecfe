"""What the tests of the kept pages (``schools/card_cache.py``: the card, the roadmap page, the
school list) compare: a page's HTML without its per-request CSRF tokens, and the same page
rendered anew with the cache off."""

import re

from django.test import override_settings


def page_html(response) -> str:
    """The page's HTML with every CSRF token (forms' and htmx headers') replaced by a marker."""
    assert response.status_code == 200
    html = response.content.decode()
    html = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "CSRF", html)
    return re.sub(r'X-CSRFToken": "[^"]+"', "XCSRF", html)


def fresh_html(client, url) -> str:
    """The page as it is rendered without the cache."""
    with override_settings(SCHOOL_CARD_CACHE=False):
        return page_html(client.get(url))
