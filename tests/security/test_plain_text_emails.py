"""Issue 16, item 13: text e-mails and subjects are plain text.

Straight quotes are common in school names («МБОУ "СОШ № 5"»). The subject and the text
part of an e-mail read them as typed — no ``&quot;`` or ``&lt;`` — while the HTML part
escapes them as any page does; a line break typed in a title never reaches the subject.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core import mail
from django.template import engines

from network_portal.notifications.email import email_render, email_send

SCHOOL = 'МБОУ "СОШ <№ 5>" & Ко'
ENTITIES = ("&quot;", "&lt;", "&gt;", "&amp;", "&#x27;", "&#39;")


def _questionnaire():
    return SimpleNamespace(
        pk=1,
        organisation=SimpleNamespace(short_name=SCHOOL),
        cycle=SimpleNamespace(title='Диагностика "весна"\nBcc: victim@example.test'),
        return_comment="Исправьте <раздел 2> и 'итоги'",
    )


def test_subject_and_text_are_not_html_escaped_and_html_is():
    user = SimpleNamespace(get_short_name="Анна", email="a@example.test")
    subject, text, html = email_render(
        template="diagnostics_returned",
        context={"user": user, "questionnaire": _questionnaire(), "path": "/x/"},
    )
    assert SCHOOL in subject
    assert "Исправьте <раздел 2> и 'итоги'" in text
    assert 'Диагностика "весна"' in text
    for entity in ENTITIES:
        assert entity not in subject
        assert entity not in text
    assert "&lt;раздел 2&gt;" in html and "<раздел 2>" not in html


def test_a_line_break_never_reaches_the_subject():
    event = SimpleNamespace(
        title='Семинар "ОВЗ"\r\nBcc: victim@example.test\u2028X',
        starts_at=None,
        cancellation_reason="",
        organiser=SimpleNamespace(short_name=SCHOOL),
    )
    user = SimpleNamespace(get_short_name="Анна")
    subject, text, _ = email_render(
        template="events_cancelled", context={"user": user, "event": event, "event_path": "/e/"}
    )
    assert "\n" not in subject and "\r" not in subject and "\u2028" not in subject
    assert 'Семинар "ОВЗ" Bcc: victim@example.test X' in subject
    assert f"{SCHOOL}" in text


def test_sent_message_carries_the_plain_subject(mailoutbox):
    user = SimpleNamespace(get_short_name="Анна")
    email_send(
        to=["a@example.test"],
        template="diagnostics_returned",
        context={"user": user, "questionnaire": _questionnaire(), "path": "/x/"},
    )
    (message,) = mail.outbox
    assert SCHOOL in message.subject
    assert message.to == ["a@example.test"] and message.bcc == []
    headers = message.message()
    assert headers["Bcc"] is None
    assert "\n" not in message.subject


def _email_templates() -> list[str]:
    root = Path(settings.BASE_DIR)
    names = set()
    for path in root.glob("**/templates/emails/*.txt"):
        if ".venv" not in path.parts:
            names.add(f"emails/{path.name}")
    return sorted(names)


@pytest.mark.parametrize("name", _email_templates())
def test_every_text_email_template_renders_without_escaping(name):
    """The text engine renders every ``.txt`` e-mail template; a value with quotes and
    angle brackets comes out as typed wherever a template prints a plain variable."""
    template = engines["text"].get_template(name)
    assert template.template.engine.autoescape is False
    rendered = engines["text"].from_string("{{ v }}").render({"v": SCHOOL})
    assert rendered == SCHOOL
