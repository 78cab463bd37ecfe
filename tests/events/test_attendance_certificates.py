"""Check-in (htmx and plain POST), the sign-in sheet, certificates and their verification,
the report after the event."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from events import services
from events.models import EventStatus, Registration
from network_portal.documents.models import Job, JobStatus

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def today_event(world):
    start = timezone.now() - timedelta(hours=1)
    return EventFactory(
        organiser=world.leader,
        title="Методический день в СОШ № 9",
        starts_at=start,
        ends_at=start + timedelta(hours=3),
    )


@pytest.fixture
def registration(today_event, users):
    return RegistrationFactory(event=today_event, user=users.teacher)


def test_check_in_with_htmx_returns_the_row(client_for, users, today_event, registration):
    client = client_for(users.methodologist)
    response = client.post(
        reverse("events:attendance", args=[today_event.pk]),
        {"registration": registration.pk, "attended": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert f'id="r{registration.pk}"' in response.text and "<html" not in response.text
    registration.refresh_from_db()
    assert registration.attended


def test_check_in_row_keeps_the_organisation_after_the_htmx_swap(
    client_for, users, world, today_event, registration
):
    url = reverse("events:attendance", args=[today_event.pk])
    client = client_for(users.methodologist)
    assert "МОБУ «СОШ № 5»" in client.get(url).text
    response = client.post(
        url, {"registration": registration.pk, "attended": "1"}, HTTP_HX_REQUEST="true"
    )
    assert "МОБУ «СОШ № 5»" in response.text and "Присутствует" in response.text


def test_check_in_without_js_redirects_back(client_for, users, today_event, registration):
    client = client_for(users.leader_director)
    url = reverse("events:attendance", args=[today_event.pk])
    response = client.post(url, {"registration": registration.pk, "attended": "1"})
    assert response.status_code == 302 and response.url.endswith(f"#r{registration.pk}")
    client.post(url, {"registration": registration.pk, "attended": "0"})
    registration.refresh_from_db()
    assert not registration.attended


def test_attendance_cannot_be_marked_before_the_day(client_for, users, world):
    event = EventFactory(organiser=world.leader, starts_at=timezone.now() + timedelta(days=3))
    registration = RegistrationFactory(event=event)
    response = client_for(users.methodologist).post(
        reverse("events:attendance", args=[event.pk]),
        {"registration": registration.pk, "attended": "1"},
        follow=True,
    )
    assert "начиная с дня мероприятия" in response.text
    registration.refresh_from_db()
    assert not registration.attended


def test_sign_in_sheet_lists_participants_with_their_school(
    client_for, users, today_event, registration, world
):
    response = client_for(users.methodologist).get(
        reverse("events:sign_in_sheet", args=[today_event.pk])
    )
    assert users.teacher.get_full_name() in response.text
    assert world.school.short_name in response.text
    assert "Подпись" in response.text


def test_attendee_gets_a_certificate_pdf_with_a_code_that_verifies(
    client_for, client, users, today_event, registration, django_capture_on_commit_callbacks
):
    registration.attended = True
    registration.save()
    teacher = client_for(users.teacher)
    with django_capture_on_commit_callbacks(execute=True):
        response = teacher.post(reverse("events:certificate", args=[today_event.pk]))
    job = Job.objects.get()
    assert response.url == reverse("documents:detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == JobStatus.READY, job.error
    registration.refresh_from_db()
    code = registration.certificate_code
    download = teacher.get(reverse("documents:download", args=[job.pk]))
    text = "".join(
        page.extract_text()
        for page in PdfReader(io.BytesIO(b"".join(download.streaming_content))).pages
    )
    assert code in text
    assert users.teacher.last_name in text
    assert "Методический день в СОШ № 9" in text
    # public verification, without login and with the name masked
    client.logout()
    verified = client.get(reverse("events:public_certificate_verify", args=[code]))
    assert verified.status_code == 200 and "действителен" in verified.text
    assert users.teacher.last_name not in verified.text
    assert (
        client.get(reverse("events:public_certificate_verify", args=["AAAA-BBBB-CCCC"])).status_code
        == 404
    )
    # the same data: the same document, not a second job
    with django_capture_on_commit_callbacks(execute=True):
        teacher.post(reverse("events:certificate", args=[today_event.pk]))
    assert Job.objects.count() == 1


def test_no_certificate_without_attendance(client_for, users, today_event, registration):
    response = client_for(users.teacher).post(
        reverse("events:certificate", args=[today_event.pk]), follow=True
    )
    assert "только присутствовавшим" in response.text
    assert not Job.objects.exists()


def test_others_cannot_open_the_certificate_job(
    client_for, users, today_event, registration, django_capture_on_commit_callbacks
):
    registration.attended = True
    registration.save()
    with django_capture_on_commit_callbacks(execute=True):
        job = services.certificate_request(registration=registration, user=users.teacher)
    assert (
        client_for(users.outsider).get(reverse("documents:detail", args=[job.pk])).status_code
        == 404
    )
    assert (
        client_for(users.methodologist).get(reverse("documents:detail", args=[job.pk])).status_code
        == 200
    )


def test_report_marks_the_event_held_and_is_shown(client_for, users, today_event, registration):
    client = client_for(users.methodologist)
    response = client.post(
        reverse("events:report", args=[today_event.pk]),
        {"summary": "Провели два открытых урока", "results": "", "other_participants": "4"},
    )
    assert response.status_code == 302
    today_event.refresh_from_db()
    assert today_event.status == EventStatus.HELD
    page = client_for(users.teacher).get(reverse("events:detail", args=[today_event.pk]))
    assert "Провели два открытых урока" in page.text


def test_report_before_the_event_is_refused(client_for, users, world):
    event = EventFactory(organiser=world.leader)
    response = client_for(users.methodologist).post(
        reverse("events:report", args=[event.pk]),
        {"summary": "Рано", "other_participants": "0"},
    )
    assert response.status_code == 200 and "после проведения" in response.text
    assert not hasattr(Registration, "report")


def test_a_certificate_job_for_someone_not_present_fails_with_a_russian_reason(
    registration, users, django_capture_on_commit_callbacks
):
    """The attendance mark was taken back after the job was queued: the builder explains."""
    from events.services import CERTIFICATE_KIND
    from network_portal.documents.services import job_request

    registration.certificate_code = "TEST-0001"
    registration.attended = False
    registration.save()
    with django_capture_on_commit_callbacks(execute=True):
        job = job_request(
            kind=CERTIFICATE_KIND,
            params={"registration_id": registration.pk},
            title="Сертификат",
            user=users.teacher,
        )
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert job.error == ("Сертификат выдаётся только присутствовавшим.")
