"""A teacher takes the last place, another waits and is promoted when the first cancels; the
organiser marks attendance and the attendee downloads a certificate. Public pages and the
iCal feed answer without login."""

import re
from datetime import timedelta

import icalendar
import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from events.demo import NEARLY_FULL
from events.models import Event, Registration
from network_portal.accounts.models import Role, RoleAssignment, User

from .conftest import DEMO_PASSWORD


def _switch(page, login, email):
    page.context.clear_cookies()
    login(page, email)


def _open_event(page, live_server, event):
    page.goto(f"{live_server.url}/events/{event.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text(event.title)


@pytest.fixture
def second_teacher(demo):
    user = User.objects.create_user(
        email="teacher2@demo.local",
        password=DEMO_PASSWORD,
        last_name="Смирнова",
        first_name="Ольга",
        middle_name="Ивановна",
    )
    director_school = RoleAssignment.objects.get(user__email="teacher@demo.local").organisation
    RoleAssignment.objects.create(user=user, role=Role.TEACHER, organisation=director_school)
    return user


def test_waiting_list_promotion_attendance_and_certificate(
    demo, second_teacher, page, login, live_server
):
    event = Event.objects.get(title=NEARLY_FULL)

    # 1. The demo teacher takes the last place, from the list of events.
    login(page, "teacher@demo.local")
    page.goto(f"{live_server.url}/events/")
    page.get_by_role("link", name=NEARLY_FULL).click()
    page.get_by_role("button", name="Записаться").click()
    expect(page.get_by_text("Вы записаны. До встречи")).to_be_visible()

    # 2. Another teacher finds the event full and joins the waiting list.
    _switch(page, login, second_teacher.email)
    _open_event(page, live_server, event)
    page.get_by_role("button", name="Встать в лист ожидания").click()
    expect(page.get_by_test_id("my-status")).to_contain_text("листе ожидания, номер 1")

    # 3. The first cancels: the second is promoted and gets an e-mail.
    mail.outbox.clear()
    _switch(page, login, "teacher@demo.local")
    _open_event(page, live_server, event)
    page.get_by_role("button", name="Отменить запись").click()
    expect(page.get_by_text("Ваша запись отменена")).to_be_visible()
    assert Registration.objects.get(event=event, user=second_teacher).status == "registered"
    assert [m.to for m in mail.outbox] == [[second_teacher.email]]

    _switch(page, login, second_teacher.email)
    _open_event(page, live_server, event)
    expect(page.get_by_test_id("my-status")).to_have_text("Вы записаны.")

    # 4. The day comes; the methodologist checks the teacher in on the phone-sized list.
    start = timezone.now() - timedelta(minutes=30)
    Event.objects.filter(pk=event.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    _switch(page, login, "methodist@demo.local")
    page.goto(f"{live_server.url}/events/{event.pk}/attendance/")
    row = page.locator("li", has_text="Смирнова Ольга Ивановна")
    row.get_by_role("button", name="Отметить").click()
    expect(row.get_by_role("button", name="Присутствует")).to_be_visible()
    assert Registration.objects.get(event=event, user=second_teacher).attended

    # 5. The attendee downloads the certificate of participation.
    _switch(page, login, second_teacher.email)
    _open_event(page, live_server, event)
    page.get_by_role("button", name="Получить сертификат участника").click()
    expect(page).to_have_url(re.compile(r"/documents/\d+/$"))
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Скачать").click()
    path = download_info.value.path()
    with open(path, "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
    code = Registration.objects.get(event=event, user=second_teacher).certificate_code
    assert code and download_info.value.suggested_filename.endswith(f"{code}.pdf")


@pytest.mark.django_db(transaction=True)
def test_public_pages_and_feed_answer_without_login(page, live_server):
    # Own small data rather than ``demo``: after a transactional test the data migrations'
    # rows are flushed, and seeding the demo a second time in one session fails.
    from tests.events.factories import EventFactory, RegistrationFactory

    event = EventFactory(title="Открытый урок: формирующее оценивание", capacity=3)
    RegistrationFactory(event=event, user__last_name="Орлова")
    page.goto(f"{live_server.url}/events/public/m/{event.municipality_id}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Сетевые мероприятия")
    page.get_by_role("link", name=event.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(event.title)
    expect(page.get_by_text("Орлова")).to_have_count(0)  # registered people: no names
    response = page.request.get(
        f"{live_server.url}/events/public/m/{event.municipality_id}/calendar.ics"
    )
    assert response.ok
    calendar = icalendar.Calendar.from_ical(response.body())
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == [f"Семинар: {event.title}"]


def test_organiser_opens_an_event_and_saves_it_unchanged(demo, page, login, live_server):
    """The browser posts back what the edit page gave it: dates and times included."""
    event = Event.objects.get(title=NEARLY_FULL)
    before = (event.starts_at, event.ends_at, event.registration_deadline, event.capacity)
    login(page, "methodist@demo.local")
    _open_event(page, live_server, event)
    page.get_by_role("link", name="Изменить").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Изменение мероприятия")
    assert page.locator("input[name=date]").input_value() == timezone.localtime(
        event.starts_at
    ).strftime("%Y-%m-%d")
    page.get_by_role("button", name="Сохранить").click()
    expect(page.get_by_text("Изменения сохранены")).to_be_visible()
    expect(page).to_have_url(f"{live_server.url}/events/{event.pk}/")
    event.refresh_from_db()
    assert (event.starts_at, event.ends_at, event.registration_deadline, event.capacity) == before


def test_planning_needs_table_stays_inside_its_card(demo, page, login, live_server):
    """The side card «Затруднения педагогов без мероприятий» at 1366 px: its table (long
    Russian words, «Доля педагогов») stuck out past the card's right border."""
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, "methodist@demo.local")
    page.goto(f"{live_server.url}/events/planning/")
    table = page.locator("aside .card-body table")
    expect(table).to_be_visible()
    overflow = table.evaluate(
        "t => t.getBoundingClientRect().right - t.closest('.card-body').getBoundingClientRect().right"
    )
    assert overflow <= 0, f"the table sticks out of its card by {overflow:.0f} px"
