"""Issue 16, item 1: text typed by users cannot escape into the CSS of a PDF, and the PDF
renderer fetches nothing from outside the portal's own static files.

A listening HTTP server on 127.0.0.1 counts the requests it gets: a name that ends the CSS
string of the footer and names ``url(http://…)``, a template title that does the same, an
``<img>`` or a stylesheet pointing at it — none of them reaches it, and the text is printed
intact in the footer.
"""

from __future__ import annotations

import subprocess
import threading
from datetime import date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from network_portal.accounts.forms import ProfileForm
from network_portal.documents.rendering import html_to_pdf, static_file_for_url
from network_portal.documents.rendering import static_only_fetcher as fetcher
from partnerships.models import AgreementTemplate
from reports.documents import report_context, report_render
from reports.selectors import Period
from tests.tools import require_tool

pytestmark = pytest.mark.django_db


@pytest.fixture
def listener():
    """An HTTP server that records every path asked of it."""
    hits: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def _text(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(  # noqa: S603 — a fixed tool on a file the test wrote
        [require_tool("pdftotext"), str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    return " ".join(out.split())


def _evil(url: str) -> str:
    return f'Иванов\n"; }} @page {{ background: url({url}/css-escape) }} .x {{ content: "'


def test_printed_by_with_newline_and_url_fetches_nothing_and_prints_intact(
    world, listener, tmp_path
):
    url, hits = listener
    context = report_context(
        subject="school",
        pk=world.school.pk,
        period=Period(start=date(2025, 9, 1), end=date(2026, 8, 31)),
        printed_by=_evil(url),
        printed_at=timezone.make_aware(datetime(2026, 5, 4, 10, 30)),
    )
    text = _text(report_render(context), tmp_path)
    assert hits == []
    # The whole name is text in the footer, quotes, braces and the URL included.
    assert f"@page {{ background: url({url}/css-escape) }}" in text
    assert "Иванов" in text and "напечатано 04.05.2026 10:30" in text


def test_agreement_template_title_with_css_prints_as_text(
    world, users, listener, tmp_path, django_capture_on_commit_callbacks
):
    from partnerships import services
    from tests.partnerships.factories import AgreementFactory, PartnershipFactory

    url, hits = listener
    agreement = AgreementFactory(partnership=PartnershipFactory(municipality=world.mun))
    template = services.agreement_template_for(
        agreement.kind, region_id=agreement.municipality.region_id
    )
    # Rows written before the validator existed are rendered safely too.
    AgreementTemplate.objects.filter(pk=template.pk).update(title=_evil(url))
    with django_capture_on_commit_callbacks(execute=True):
        job = services.agreement_request_pdf(agreement=agreement, user=users.methodologist)
    job.refresh_from_db()
    assert job.error == ""
    text = _text(job.file.read(), tmp_path)
    assert hits == []
    assert f"url({url}/css-escape)" in text


@pytest.mark.parametrize(
    "markup",
    [
        '<img src="{url}/img">',
        '<link rel="stylesheet" href="{url}/style.css">',
        '<style>@import url("{url}/import.css"); body {{ background: url({url}/bg) }}</style>',
        '<img src="file:///etc/passwd">',
        '<img src="/etc/passwd">',
        '<img src="../../../../etc/passwd">',
    ],
)
def test_renderer_fetches_nothing_outside_static_files(markup, listener):
    url, hits = listener
    pdf = html_to_pdf(f"<html><head></head><body>{markup.format(url=url)}<p>x</p></body></html>")
    assert pdf.startswith(b"%PDF")
    assert hits == []


def test_fetcher_serves_own_static_files_and_data_urls_only(settings):
    css = f"{settings.SITE_URL}/static/css/portal.css"
    assert static_file_for_url(css) is not None
    response = fetcher().fetch(css)
    assert response.read()
    assert fetcher().fetch("data:text/plain,hello").read() == b"hello"
    for refused in (
        f"{settings.SITE_URL}/static/../network_portal/settings.py",
        f"{settings.SITE_URL}/media/secret.pdf",
        f"{settings.SITE_URL}/static//etc/passwd",
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
    ):
        assert static_file_for_url(refused) is None
        with pytest.raises(ValueError):
            fetcher().fetch(refused)


@pytest.mark.parametrize(
    "name", ["Иванов\nurl(x)", "Ива\rнов", "Ива\tнов", "Ива\x00нов", "\u202eвонавИ"]
)
def test_names_refuse_control_characters(users, name):
    form = ProfileForm(
        data={
            "last_name": name,
            "first_name": "Анна",
            "middle_name": "",
            "position": "",
            "phone": "",
        },
        instance=users.teacher,
    )
    assert not form.is_valid()
    assert "last_name" in form.errors
    users.teacher.first_name = name
    with pytest.raises(ValidationError):
        users.teacher.full_clean()


def test_template_title_refuses_control_characters(world):
    template = AgreementTemplate(kind="cooperation", title="Соглашение\nurl(x)", body="text")
    with pytest.raises(ValidationError) as error:
        template.full_clean(exclude=["region"])
    assert "title" in error.value.message_dict


def test_template_form_refuses_control_characters():
    from partnerships.forms import AgreementTemplateForm

    form = AgreementTemplateForm(data={"title": "Соглашение\nurl(x)", "body": "{предмет}"})
    assert not form.is_valid()
    assert "title" in form.errors
