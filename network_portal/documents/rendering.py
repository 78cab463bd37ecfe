"""HTML → PDF with WeasyPrint. Context building stays in the domain apps (pure functions)."""

from typing import Any

from django.conf import settings
from django.template.loader import render_to_string


def html_to_pdf(html: str) -> bytes:
    from weasyprint import HTML  # heavy import: only in the worker

    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def render_pdf(template_name: str, context: dict[str, Any]) -> bytes:
    """Render a template that extends ``documents/pdf_base.html`` to PDF bytes."""
    return html_to_pdf(render_to_string(template_name, context))
