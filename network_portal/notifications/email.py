"""One helper renders and sends every e-mail of the portal from three templates.

``emails/<name>_subject.txt``, ``emails/<name>.txt`` and ``emails/<name>.html``.
"""

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def email_render(*, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    ctx = {"site_url": settings.SITE_URL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = " ".join(render_to_string(f"emails/{template}_subject.txt", ctx).split())
        text = render_to_string(f"emails/{template}.txt", ctx)
        html = render_to_string(f"emails/{template}.html", ctx)
    return subject, text, html


def email_send(
    *,
    to: Iterable[str],
    template: str,
    context: dict[str, Any],
    headers: dict[str, str] | None = None,
) -> str:
    """Render and send one e-mail; raises on SMTP errors (callers decide about retries)."""
    subject, text, html = email_render(template=template, context=context)
    message = EmailMultiAlternatives(subject=subject, body=text, to=list(to), headers=headers or {})
    message.attach_alternative(html, "text/html")
    message.send(fail_silently=False)
    return subject
