"""Creating and editing events: who organises, and bad input shown in Russian, nothing lost."""

from datetime import timedelta

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
    data = form_data(world, capacity="2")
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
