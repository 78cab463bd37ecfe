"""Who sees and who edits: the municipality's users see, the organiser's side edits."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import EventStatus

from .factories import EventFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

ORGANISER_PAGES = ["events:edit", "events:attendance", "events:sign_in_sheet", "events:report"]


@pytest.fixture
def event(world):
    return EventFactory(organiser=world.leader, title="Семинар для СОШ № 5")


@pytest.fixture
def draft(world):
    return EventFactory(organiser=world.leader, title="Черновик семинара", status=EventStatus.DRAFT)


@pytest.mark.parametrize(
    "who", ["methodologist", "coordinator", "curator", "director", "teacher", "partner", "admin"]
)
def test_everyone_of_the_municipality_sees_a_published_event(client_for, users, event, who):
    response = client_for(getattr(users, who)).get(reverse("events:detail", args=[event.pk]))
    assert response.status_code == 200
    assert "Семинар для СОШ № 5" in response.text


@pytest.mark.parametrize("who", ["outsider", "outsider_director", "nobody"])
def test_outsiders_do_not_see_the_event(client_for, users, event, who):
    client = client_for(getattr(users, who))
    assert client.get(reverse("events:detail", args=[event.pk])).status_code == 404
    assert "Семинар для СОШ № 5" not in client.get(reverse("events:list")).text


@pytest.mark.parametrize("page", [*ORGANISER_PAGES, "events:registrations"])
def test_outsider_gets_404_on_organiser_pages(client_for, users, event, page):
    assert client_for(users.outsider).get(reverse(page, args=[event.pk])).status_code == 404


@pytest.mark.parametrize("page", ORGANISER_PAGES)
def test_teacher_of_the_municipality_gets_403_on_organiser_pages(client_for, users, event, page):
    assert client_for(users.teacher).get(reverse(page, args=[event.pk])).status_code == 403


@pytest.mark.parametrize("who", ["methodologist", "leader_director"])
def test_organiser_side_opens_organiser_pages(client_for, users, event, who):
    client = client_for(getattr(users, who))
    for page in [*ORGANISER_PAGES, "events:registrations"]:
        assert client.get(reverse(page, args=[event.pk])).status_code == 200, page


def test_director_of_another_school_cannot_edit_but_registers_a_group(client_for, users, event):
    client = client_for(users.director)  # director of world.school, not of the organiser
    assert client.get(reverse("events:edit", args=[event.pk])).status_code == 403
    assert client.get(reverse("events:registrations", args=[event.pk])).status_code == 200


def test_drafts_are_seen_only_by_the_organiser_side(client_for, users, draft):
    url = reverse("events:detail", args=[draft.pk])
    assert client_for(users.teacher).get(url).status_code == 404
    assert client_for(users.director).get(url).status_code == 404
    assert client_for(users.methodologist).get(url).status_code == 200
    assert client_for(users.leader_director).get(url).status_code == 200


def test_list_shows_upcoming_and_my_registrations(client_for, users, event, world):
    RegistrationFactory(event=event, user=users.teacher)
    response = client_for(users.teacher).get(reverse("events:list"))
    assert response.status_code == 200
    assert response.context["my_registrations"][0].event == event
    assert "Мои записи" in response.text


def test_list_query_count_does_not_grow(client_for, users, world, django_assert_num_queries):
    client = client_for(users.teacher)
    for _ in range(3):
        RegistrationFactory(event=EventFactory(organiser=world.leader), user=users.teacher)
    client.get(reverse("events:list"))  # warm the session
    with django_assert_num_queries(7) as small:
        client.get(reverse("events:list"))
    for _ in range(15):
        RegistrationFactory(event=EventFactory(organiser=world.leader), user=users.teacher)
    with django_assert_num_queries(len(small.captured_queries)):
        client.get(reverse("events:list"))


def test_teacher_registers_and_cancels_through_the_page(client_for, users, event):
    client = client_for(users.teacher)
    response = client.post(reverse("events:register", args=[event.pk]), follow=True)
    assert "Вы записаны" in response.text
    response = client.post(reverse("events:unregister", args=[event.pk]), follow=True)
    assert "отменена" in response.text
    assert event.registrations.get().status == "cancelled"


def test_full_event_puts_the_teacher_on_the_waiting_list(client_for, users, event):
    event.capacity = 1
    event.save()
    RegistrationFactory(event=event)
    response = client_for(users.teacher).post(
        reverse("events:register", args=[event.pk]), follow=True
    )
    assert "листе ожидания" in response.text
    assert event.registrations.get(user=users.teacher).status == "waitlisted"


def test_registering_twice_shows_a_russian_message(client_for, users, event):
    client = client_for(users.teacher)
    client.post(reverse("events:register", args=[event.pk]))
    response = client.post(reverse("events:register", args=[event.pk]), follow=True)
    assert "Вы уже записаны" in response.text
    assert event.registrations.count() == 1


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/x", "https:evil.example", "javascript:x"]
)
def test_unregister_never_redirects_off_the_portal(client_for, users, event, target):
    RegistrationFactory(event=event, user=users.teacher)
    response = client_for(users.teacher).post(
        reverse("events:unregister", args=[event.pk]), {"next": target}
    )
    assert response.status_code == 302
    assert response.url == reverse("events:detail", args=[event.pk])


def test_unregister_goes_back_to_a_portal_page(client_for, users, event):
    RegistrationFactory(event=event, user=users.teacher)
    response = client_for(users.teacher).post(
        reverse("events:unregister", args=[event.pk]), {"next": "/events/?when=past"}
    )
    assert response.status_code == 302 and response.url == "/events/?when=past"


def test_russian_labels_are_the_events_own(client_for, users, world, draft, event):
    """Other catalogs translate the same English words differently («Проект», «Полное
    наименование», «Участников», «Проверка»); the events pages use their own context."""
    methodologist = client_for(users.methodologist)
    assert "Черновик" in methodologist.get(reverse("events:detail", args=[draft.pk])).text
    assert draft.get_status_display() == "Черновик"
    RegistrationFactory(event=event, user=users.teacher)
    sheet = methodologist.get(reverse("events:sign_in_sheet", args=[event.pk])).text
    assert ">ФИО<" in sheet and "Полное наименование" not in sheet
    assert ">Ответственный<" not in sheet and "Ответственный:" in sheet
    page = methodologist.get(reverse("events:registrations", args=[event.pk])).text
    assert '<h1 class="h3">Участники</h1>' in page and "Участников" not in page
    verify = methodologist.get(reverse("events:public_certificate_check")).text
    assert ">Проверить</button>" in verify


def test_my_registrations_read_right_for_a_woman_teacher_too(client_for, users, event, world):
    """«записан» / «присутствовал» said only a man's part; the portal writes «(а)» elsewhere."""
    start = timezone.now() - timedelta(days=3)
    held = EventFactory(
        organiser=world.leader,
        title="Прошедший методический день",
        status=EventStatus.HELD,
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    RegistrationFactory(event=event, user=users.teacher)
    RegistrationFactory(event=held, user=users.teacher, attended=True)
    text = client_for(users.teacher).get(reverse("events:list")).text
    assert "записан(а)" in text
    assert "присутствовал(а)" in text


def test_director_of_another_school_is_not_addressed_as_the_organiser(client_for, users, event):
    """Her box holds «Записать моих педагогов»; its heading said «Организатору»."""
    text = client_for(users.director).get(reverse("events:detail", args=[event.pk])).text
    assert "Записать моих педагогов" in text
    assert "Организатору" not in text
    assert "Для моей школы" in text
    organiser = client_for(users.leader_director).get(reverse("events:detail", args=[event.pk]))
    assert "Организатору" in organiser.text


def test_group_registration_boxes_are_styled_checkboxes(client_for, users, event):
    """Bare checkboxes sat glued to the names, off the form's left edge."""
    text = client_for(users.director).get(reverse("events:registrations", args=[event.pk])).text
    boxes = re.findall(r'<input type="checkbox" name="teachers"[^>]*>', text)
    assert boxes
    assert all('class="form-check-input"' in box for box in boxes)


@pytest.mark.parametrize(
    ("capacity", "text"), [(1, "занято 1 из 1 места"), (3, "занято 1 из 3 мест")]
)
def test_places_taken_agree_with_the_capacity(client_for, users, world, capacity, text):
    """«занято 1 из 1 места», not «из 1 мест», on the event page and in the list."""
    event = EventFactory(organiser=world.leader, capacity=capacity)
    RegistrationFactory(event=event)
    client = client_for(users.methodologist)
    assert text in " ".join(client.get(reverse("events:detail", args=[event.pk])).text.split())
    assert text in " ".join(client.get(reverse("events:list")).text.split())
