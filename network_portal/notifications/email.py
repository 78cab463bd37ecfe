"""One helper renders and sends every e-mail of the portal from three templates.

``emails/<name>_subject.txt``, ``emails/<name>.txt`` and ``emails/<name>.html``.
"""

import smtplib
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import get_template
from django.utils import translation

#: The template engine of plain text (settings.TEMPLATES): no HTML escaping.
TEXT_ENGINE = "text"


def email_subject_line(text: str) -> str:
    """One line: every run of whitespace (line breaks included) becomes one space."""
    return " ".join(text.split())


class EmailTemplates:
    """The three templates of one e-mail, looked up once (a loop that renders many letters of
    one kind keeps this and calls :meth:`render`, inside ``translation.override``)."""

    def __init__(self, name: str) -> None:
        self.subject = get_template(f"emails/{name}_subject.txt", using=TEXT_ENGINE)
        self.text = get_template(f"emails/{name}.txt", using=TEXT_ENGINE)
        self.html = get_template(f"emails/{name}.html")

    def render(self, context: dict[str, Any]) -> tuple[str, str, str]:
        """The subject and the text part are plain text (rendered without HTML escaping, the
        subject on one line); the HTML part is escaped as any page."""
        ctx = {"site_url": settings.SITE_URL, **context}
        return (
            email_subject_line(self.subject.render(ctx)),
            self.text.render(ctx),
            self.html.render(ctx),
        )


def email_render(*, template: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of one e-mail in the site's language (see :class:`EmailTemplates`)."""
    with translation.override(settings.LANGUAGE_CODE):
        return EmailTemplates(template).render(context)


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


def email_error_text(exc: BaseException) -> str:
    """What to log and store about a failed e-mail: the exception class and the SMTP reply
    code(s), e.g. ``SMTPRecipientsRefused (550)``. Never the exception's text: for a refused
    recipient that *is* the address (``{'ivanova@school5.ru': (550, …)}``)."""
    codes: set[int] = set()
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _message in exc.recipients.values()}
    elif isinstance(exc, smtplib.SMTPResponseException):
        codes = {exc.smtp_code}
    name = exc.__class__.__name__
    return f"{name} ({', '.join(str(c) for c in sorted(codes))})" if codes else name
