"""HTML → PDF with WeasyPrint. Context building stays in the domain apps (pure functions).

WeasyPrint fetches whatever a stylesheet or an ``<img>`` names. A PDF is built in the worker
from text that users typed, so the renderer gets a fetcher that serves the portal's own static
files (and inline ``data:`` URLs) and refuses every other URL: no request ever leaves the
worker because of a document (server-side request forgery).
"""

import logging
import mimetypes
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils._os import safe_join

logger = logging.getLogger(__name__)


class RefusedURL(ValueError):
    """A document named a URL outside the portal's static files."""


def static_base_url() -> str:
    """The base URL of PDF documents: ``{% static %}`` paths resolve under it."""
    return f"{settings.SITE_URL}/"


def static_file_for_url(url: str) -> Path | None:
    """The file behind a URL of the portal's own static files, or None for any other URL."""
    prefix = f"{settings.SITE_URL}/{settings.STATIC_URL.lstrip('/')}"
    if not url.startswith(prefix):
        return None
    relative = url[len(prefix) :].split("?", 1)[0].split("#", 1)[0]
    if not relative or relative.startswith("/") or "\\" in relative:
        return None
    try:
        found = finders.find(relative) if settings.WHITENOISE_USE_FINDERS else None
        candidate = Path(found) if found else Path(safe_join(settings.STATIC_ROOT, relative))
    except Exception:
        return None
    return candidate if candidate.is_file() else None


def _fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse  # heavy import: worker only

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = static_file_for_url(url)
            if path is None:
                logger.warning("PDF rendering refused a URL outside the static files")
                raise RefusedURL("Only the portal's own static files may be used in a PDF.")
            content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, path.read_bytes(), headers={"Content-Type": content_type}
            )

    return StaticOnlyFetcher


def static_only_fetcher():
    """A WeasyPrint URL fetcher that serves static files and ``data:`` URLs only."""
    return _fetcher_class()(allowed_protocols={"data", "http", "https"}, allow_redirects=False)


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only in the worker

    return HTML(
        string=html, base_url=static_base_url(), url_fetcher=static_only_fetcher()
    ).write_pdf()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a template that extends ``documents/pdf_base.html`` to PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context))
