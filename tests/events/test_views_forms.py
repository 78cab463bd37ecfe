"""Creating and editing events: who organises, and bad input shown in Russian, nothing lost."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.urls import reverse
from django.utils import timezone

from events.models import Event, EventStatus

from .factories import EventFactory, EventTypeFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def form_data(world, **overrides):
    day = timezone.localdate() + timedelta(days=10)
    return {
        "title": "Мастер-класс по ОВЗ",
        "event_type": EventTypeFactory().pk,
        "organiser": world.leader.pk,
        "audience": ["teachers"],
        "date": day.isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "place": "СОШ № 9, каб. 12",
        "capacity": "20",
        "description": "Приёмы работы",
        "teacher_needs": ["ovz"],
    } | overrides


def test_methodologist_creates_a_draft_for_any_organisation(client_for, users, world):
    response = client_for(users.methodologist).post(reverse("events:create"), form_data(world))
    event = Event.objects.get()
    assert response.status_code == 302
    assert event.status == EventStatus.DRAFT
    assert event.municipality == world.mun and event.organiser == world.leader
    assert event.teacher_needs == ["ovz"] and event.audience == ["teachers"]
    assert timezone.localtime(event.starts_at).hour == 10


def test_director_organises_only_for_own_school(client_for, users, world):
    client = client_for(users.director)
    response = client.post(reverse("events:create"), form_data(world))  # world.leader: not hers
    assert response.status_code == 200 and not Event.objects.exists()
    assert "organiser" in response.context["form"].errors
    client.post(reverse("events:create"), form_data(world, organiser=world.school.pk))
    assert Event.objects.get().organiser == world.school


def test_teacher_cannot_create(client_for, users):
    assert client_for(users.teacher).get(reverse("events:create")).status_code == 403


def test_end_before_start_is_refused_and_input_kept(client_for, users, world):
    data = form_data(world, start_time="12:00", end_time="10:00")
    response = client_for(users.methodologist).post(reverse("events:create"), data)
    assert response.status_code == 200 and not Event.objects.exists()
    assert "должно закончиться позже" in response.text
    assert 'value="Мастер-класс по ОВЗ"' in response.text


def test_malformed_online_link_is_refused_in_russian(client_for, users, world):
    data = form_data(world, place="", online_url="zoom точка ру/123")
    response = client_for(users.methodologist).post(reverse("events:create"), data)
    assert response.status_code == 200 and not Event.objects.exists()
    assert "Ссылка для подключения указана неверно" in response.text


def test_capacity_below_registered_is_refused_with_numbers(client_for, users, world):
    event = EventFactory(organiser=world.leader, capacity=5)
    for _ in range(3):
        RegistrationFactory(event=event)
    data = form_data(world, capacity="2", version=event.version)
    response = client_for(users.methodologist).post(reverse("events:edit", args=[event.pk]), data)
    assert response.status_code == 200
    assert "уже записаны 3" in response.text
    event.refresh_from_db()
    assert event.capacity == 5 and event.title != "Мастер-класс по ОВЗ"


def test_publish_and_cancel(client_for, users, world):
    event = EventFactory(organiser=world.leader, status=EventStatus.DRAFT)
    client = client_for(users.methodologist)
    client.post(reverse("events:publish", args=[event.pk]))
    event.refresh_from_db()
    assert event.status == EventStatus.PUBLISHED
    response = client.post(reverse("events:cancel", args=[event.pk]), {"reason": ""})
    assert response.status_code == 200  # the reason is required
    client.post(reverse("events:cancel", args=[event.pk]), {"reason": "Карантин по гриппу"})
    event.refresh_from_db()
    assert event.status == EventStatus.CANCELLED and event.cancellation_reason


def test_material_link_and_file(client_for, users, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    event = EventFactory(organiser=world.leader)
    client = client_for(users.methodologist)
    client.post(
        reverse("events:material_add", args=[event.pk]),
        {"title": "Презентация", "url": "https://example.org/p"},
    )
    upload = SimpleUploadedFile("plan.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(reverse("events:material_add", args=[event.pk]), {"title": "План", "file": upload})
    response = client.post(
        reverse("events:material_add", args=[event.pk]),
        {"title": "Вирус", "file": SimpleUploadedFile("x.exe", b"MZ")},
        follow=True,
    )
    assert "не принимаются" in response.text
    assert event.materials.count() == 2
    material = event.materials.exclude(file="").get()
    teacher = client_for(users.teacher)
    download = teacher.get(reverse("events:material_download", args=[event.pk, material.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    outsider = client_for(users.outsider)
    url = reverse("events:material_download", args=[event.pk, material.pk])
    assert outsider.get(url).status_code == 404


# --- The edit form renders what the browser accepts; it saves unchanged ------------------


def _rendered_form(html: str) -> dict:
    """The values the edit page puts in its inputs, as a browser would post them back."""
    import re

    data: dict = {}
    for tag in re.findall(r"<input[^>]+>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or 'type="submit"' in tag or 'name="csrfmiddlewaretoken"' in tag:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if ('type="checkbox"' in tag or 'type="radio"' in tag) and "checked" not in tag:
            continue
        data.setdefault(name.group(1), []).append(value.group(1) if value else "")
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
        data[name] = re.findall(r'<option value="([^"]*)"[^>]*selected', body)
    for name, body in re.findall(r'<textarea name="([^"]+)"[^>]*>(.*?)</textarea>', html, re.S):
        data[name] = [body.strip()]
    return data


def test_edit_form_gives_dates_and_times_in_the_format_of_date_and_time_inputs(
    client_for, users, world
):
    from datetime import datetime

    start = timezone.make_aware(datetime(2026, 12, 12, 10, 0))
    event = EventFactory(
        organiser=world.leader,
        starts_at=start,
        ends_at=start + timedelta(days=1, hours=2),
        registration_deadline=start - timedelta(days=1),
    )
    page = client_for(users.methodologist).get(reverse("events:edit", args=[event.pk])).text
    assert 'type="date" name="date" value="2026-12-12"' in page
    assert 'type="date" name="end_date" value="2026-12-13"' in page
    assert 'type="time" name="start_time" value="10:00"' in page
    assert 'name="registration_deadline" value="2026-12-11T10:00"' in page
    assert "12.12.2026" not in page


def test_edit_form_saved_unchanged_is_accepted(client_for, users, world):
    event = EventFactory(organiser=world.leader, capacity=20, description="Приёмы работы")
    client = client_for(users.methodologist)
    url = reverse("events:edit", args=[event.pk])
    response = client.post(url, _rendered_form(client.get(url).text))
    assert response.status_code == 302, response.context["form"].errors
    saved = Event.objects.get(pk=event.pk)
    assert (saved.starts_at, saved.ends_at, saved.capacity) == (
        event.starts_at,
        event.ends_at,
        20,
    )


def test_public_date_filter_keeps_the_chosen_date_as_a_date_input_value(client, world):
    url = reverse("events:public_list", args=[world.mun.pk])
    page = client.get(url, {"date_from": "2026-12-12"}).text
    assert 'value="2026-12-12"' in page


# --- What the form offers is scoped by the user ----------------------------------------


@pytest.fixture
def two_pairs(world):
    """The director's school with the leader in one partnership; another school of the same
    municipality with the leader in another; a roadmap item in each."""
    from tests.factories import OrganisationFactory
    from tests.roadmaps.factories import RoadmapFactory, RoadmapItemFactory, partnership_of

    other = OrganisationFactory(municipality=world.mun, short_name="МОБУ «СОШ № 3»")
    mine = partnership_of(supported=world.school, leader=world.leader)
    theirs = partnership_of(supported=other, leader=world.leader)
    my_item = RoadmapItemFactory(
        roadmap=RoadmapFactory(organisation=world.school, partnership=mine), task="Моя задача"
    )
    their_item = RoadmapItemFactory(
        roadmap=RoadmapFactory(organisation=other, partnership=theirs), task="Чужая задача"
    )
    return SimpleNamespace(mine=mine, theirs=theirs, my_item=my_item, their_item=their_item)


def test_director_is_offered_only_her_partnerships_and_roadmap_items(
    client_for, users, world, two_pairs
):
    form = client_for(users.director).get(reverse("events:create")).context["form"]
    assert list(form.fields["partnership"].queryset) == [two_pairs.mine]
    assert list(form.fields["roadmap_items"].queryset) == [two_pairs.my_item]
    page = client_for(users.director).get(reverse("events:create")).text
    assert "Чужая задача" not in page and two_pairs.theirs.title not in page


def test_director_cannot_post_another_schools_partnership_or_item(
    client_for, users, world, two_pairs
):
    data = form_data(
        world,
        organiser=world.school.pk,
        partnership=two_pairs.theirs.pk,
        roadmap_items=[two_pairs.their_item.pk],
    )
    response = client_for(users.director).post(reverse("events:create"), data)
    assert response.status_code == 200 and not Event.objects.exists()
    errors = response.context["form"].errors
    assert "partnership" in errors and "roadmap_items" in errors


def test_methodologist_sees_the_municipality_but_items_must_match_the_partnership(
    client_for, users, world, two_pairs
):
    client = client_for(users.methodologist)
    form = client.get(reverse("events:create")).context["form"]
    assert set(form.fields["partnership"].queryset) == {two_pairs.mine, two_pairs.theirs}
    data = form_data(world, partnership=two_pairs.mine.pk, roadmap_items=[two_pairs.their_item.pk])
    response = client.post(reverse("events:create"), data)
    assert response.status_code == 200 and not Event.objects.exists()
    assert "«Чужая задача» — пункт другой дорожной карты" in response.text
    assert 'value="Мастер-класс по ОВЗ"' in response.text  # nothing typed is lost
    data["roadmap_items"] = [two_pairs.my_item.pk]
    assert client.post(reverse("events:create"), data).status_code == 302
    assert list(Event.objects.get().roadmap_items.all()) == [two_pairs.my_item]


def test_editing_keeps_links_the_editor_could_not_choose(client_for, users, world, two_pairs):
    """The methodologist linked the director's event to another pair; the director's edit
    keeps that link rather than failing or dropping it."""
    event = EventFactory(organiser=world.school, partnership=two_pairs.theirs)
    event.roadmap_items.set([two_pairs.their_item])
    client = client_for(users.director)
    url = reverse("events:edit", args=[event.pk])
    data = _rendered_form(client.get(url).text) | {"title": ["Новое название"]}
    assert client.post(url, data).status_code == 302
    event.refresh_from_db()
    assert event.title == "Новое название" and event.partnership == two_pairs.theirs
    assert list(event.roadmap_items.all()) == [two_pairs.their_item]


# --- Two people editing one event ------------------------------------------------------


def test_a_later_save_over_another_change_is_refused_with_it_and_nothing_typed_is_lost(
    client_for, users, world
):
    event = EventFactory(organiser=world.leader, capacity=20, place="Актовый зал")
    url = reverse("events:edit", args=[event.pk])
    users.leader_director.first_name, users.leader_director.last_name = "Анна", "Петрова"
    users.leader_director.save()
    mine = _rendered_form(client_for(users.methodologist).get(url).text)
    theirs = _rendered_form(client_for(users.leader_director).get(url).text)
    theirs |= {"place": ["Кабинет 12"], "capacity": ["30"]}
    assert client_for(users.leader_director).post(url, theirs).status_code == 302

    mine |= {"title": ["Моё название"], "description": ["Мой текст описания"]}
    response = client_for(users.methodologist).post(url, mine)
    assert response.status_code == 200
    text = response.text
    assert "Не сохранено: Петрова Анна изменил(а) мероприятие" in text
    assert "Место проведения (адрес, кабинет) — Кабинет 12" in text
    assert "Количество мест — 30" in text
    assert 'value="Моё название"' in text and "Мой текст описания" in text
    event.refresh_from_db()
    assert (event.title, event.place, event.capacity) != ("Моё название", "Актовый зал", 20)
    assert event.place == "Кабинет 12" and event.capacity == 30

    # having seen the other change, the person saves again: accepted
    again = _rendered_form(text)
    assert client_for(users.methodologist).post(url, again).status_code == 302
    event.refresh_from_db()
    assert event.title == "Моё название" and event.description == "Мой текст описания"


def test_an_edit_open_while_the_event_was_cancelled_is_refused(client_for, users, world):
    from events import services

    event = EventFactory(organiser=world.leader)
    url = reverse("events:edit", args=[event.pk])
    client = client_for(users.methodologist)
    stale = _rendered_form(client.get(url).text) | {"title": ["Поздняя правка"]}
    services.event_cancel(event=event, user=users.leader_director, reason="Карантин")
    response = client.post(url, stale)
    assert "Не сохранено" in response.text and "статус сейчас: «Отменено»" in response.text
    event.refresh_from_db()
    assert event.title != "Поздняя правка" and event.status == EventStatus.CANCELLED


def test_an_edit_sending_no_version_is_refused_not_saved_over_the_event(client_for, users, world):
    """A POST without the hidden version (a script, a page from before the field) saw
    nothing: refused like a stale save, showing what is stored, never saved over it
    (``network_portal.editing``)."""
    event = EventFactory(organiser=world.leader, place="Актовый зал")
    url = reverse("events:edit", args=[event.pk])
    client = client_for(users.methodologist)
    mine = _rendered_form(client.get(url).text) | {"title": ["Без версии"]}
    del mine["version"]
    response = client.post(url, mine)
    assert response.status_code == 200 and "Не сохранено" in response.text
    assert 'value="Без версии"' in response.text
    event.refresh_from_db()
    assert event.title != "Без версии"


def test_capacity_refusal_agrees_with_its_numbers_in_russian(client_for, users, world):
    """«Нельзя установить 2 мест» read wrong for any number but 5–20."""
    event = EventFactory(organiser=world.leader, capacity=5)
    for _ in range(3):
        RegistrationFactory(event=event)
    data = form_data(world, capacity="2", version=event.version)
    response = client_for(users.methodologist).post(reverse("events:edit", args=[event.pk]), data)
    assert "Нельзя уменьшить число мест до 2: уже записаны 3 чел." in response.text
    assert "2 мест" not in response.text and "3 мест" not in response.text
