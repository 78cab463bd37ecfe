"""The platform editing kit (network_portal/editing.py): one claim, one refusal, one form."""

import pytest
from django import forms
from django.db import transaction
from django.db.models import F

from events.models import Event
from network_portal.editing import NOTHING_SEEN, Change, StaleEdit, VersionedFormMixin, claim
from tests.events.factories import EventFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class EventKitForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Event
        fields = ["title", "place", "capacity"]


def _somebody_saves(event, **values):
    """Another person's save: through the claim, as every service does."""
    other = Event.objects.get(pk=event.pk)
    with transaction.atomic():
        claim(other, seen=other.version)
        for name, value in values.items():
            setattr(other, name, value)
        other.save()
    return other


def _save(form, event):
    """What a view does: claim at the version the form carries, then write."""
    with transaction.atomic():
        claim(event, seen=form.seen_version)
        form.save()


# --- the claim ----------------------------------------------------------------------------


def test_a_claim_at_the_seen_version_takes_the_next_version():
    event = EventFactory()
    assert event.version == 1
    with transaction.atomic():
        assert claim(event, seen=1) == 2
    assert event.version == 2
    assert Event.objects.get(pk=event.pk).version == 2


def test_a_claim_over_another_save_is_refused_with_the_stored_object():
    event = EventFactory(place="Актовый зал")
    _somebody_saves(event, place="Кабинет 12")
    with pytest.raises(StaleEdit) as refused, transaction.atomic():
        claim(event, seen=1)
    stale = refused.value
    assert stale.seen == 1 and stale.version == 2
    assert stale.current.place == "Кабинет 12"
    assert Event.objects.get(pk=event.pk).version == 2  # nothing claimed
    assert event.version == 1


def test_seen_zero_means_the_person_saw_no_stored_object():
    """Stored versions start at 1: a row claimed by somebody who saw none (a form opened on
    a new object) is always refused, even one nobody has touched since it was created."""
    event = EventFactory()
    with pytest.raises(StaleEdit) as refused, transaction.atomic():
        claim(event, seen=NOTHING_SEEN)
    assert refused.value.seen == 0 and refused.value.version == 1
    assert Event.objects.get(pk=event.pk).version == 1


def test_seen_none_is_the_version_of_the_instance_held():
    event = EventFactory()
    with transaction.atomic():
        claim(event, seen=None)
        claim(event)  # the default: the instance now holds version 2
    assert Event.objects.get(pk=event.pk).version == 3
    stale_copy = Event.objects.get(pk=event.pk)
    Event.objects.filter(pk=event.pk).update(version=F("version") + 1)
    with pytest.raises(StaleEdit) as refused, transaction.atomic():
        claim(stale_copy)
    assert refused.value.seen == 3 and refused.value.version == 4


def test_a_refused_save_later_in_the_transaction_gives_the_claim_back():
    event = EventFactory()
    with pytest.raises(ValueError), transaction.atomic():
        claim(event, seen=1)
        raise ValueError("a rule refuses the edit")
    assert Event.objects.get(pk=event.pk).version == 1


# --- the form -----------------------------------------------------------------------------


def test_the_form_carries_the_version_it_was_opened_on():
    event = EventFactory()
    _somebody_saves(event, place="Кабинет 5")
    event.refresh_from_db()
    html = EventKitForm(instance=event).as_div()
    assert 'name="version" value="2"' in html and 'type="hidden"' in html
    assert EventKitForm().initial["version"] == NOTHING_SEEN  # a new object: saw nothing


def test_a_refused_form_keeps_the_typing_lists_the_changes_and_saves_when_sent_again():
    event = EventFactory(place="Актовый зал", capacity=20)
    typed = {"title": "Моё название", "place": "Актовый зал", "capacity": "20", "version": "1"}
    _somebody_saves(event, place="Кабинет 12", capacity=30)

    form = EventKitForm(typed, instance=Event.objects.get(pk=event.pk))
    assert form.is_valid() and form.seen_version == 1
    with pytest.raises(StaleEdit) as refused:
        _save(form, form.instance)
    form.refuse(refused.value)

    assert refused.value.changed_fields == ["title", "place", "capacity"]
    assert form.is_stale
    assert form["title"].value() == "Моё название"  # nothing typed is lost
    assert form["version"].value() == "2"  # sending it again overwrites, deliberately
    (message,) = form.non_field_errors()
    assert "Не сохранено: пока вы редактировали, кто-то другой сохранил эту страницу" in message
    assert "(статус сейчас: «Опубликовано»)" in message
    assert "место проведения — Кабинет 12" in message and "30" in message
    assert "Введённое вами осталось в форме" in message
    assert Event.objects.get(pk=event.pk).place == "Кабинет 12"

    again = EventKitForm(form.data, instance=Event.objects.get(pk=event.pk))
    assert again.is_valid()
    _save(again, again.instance)
    event.refresh_from_db()
    assert (event.title, event.place, event.capacity, event.version) == (
        "Моё название",
        "Актовый зал",
        20,
        3,
    )


def test_a_value_stored_exactly_as_typed_is_not_a_change():
    event = EventFactory(place="Актовый зал")
    _somebody_saves(event, place="Кабинет 12")
    instance = Event.objects.get(pk=event.pk)
    typed = {"title": instance.title, "place": "Кабинет 12", "capacity": "", "version": "1"}
    form = EventKitForm(typed, instance=instance)
    assert form.is_valid()
    with pytest.raises(StaleEdit) as refused:
        _save(form, instance)
    form.refuse(refused.value)
    assert refused.value.changes == []
    assert "Сейчас сохранено" not in form.non_field_errors()[0]


def test_the_refusal_names_who_saved_and_when():
    event = EventFactory()
    anna = UserFactory(first_name="Анна", last_name="Петрова")
    _somebody_saves(event, place="Кабинет 12", updated_by=anna)
    form = EventKitForm(
        {"title": event.title, "place": "Зал", "capacity": "", "version": "1"}, instance=event
    )
    form.stale_what = "мероприятие"
    assert form.is_valid()
    with pytest.raises(StaleEdit) as refused:
        _save(form, event)
    form.refuse(refused.value)
    message = form.non_field_errors()[0]
    assert "Не сохранено: Петрова Анна изменил(а) мероприятие " in message
    assert "пока вы редактировали (статус сейчас: «Опубликовано»)." in message


def test_a_refusal_lists_up_to_four_changes_and_counts_the_rest():
    stale = StaleEdit(current=Event(pk=1, version=3), seen=1)
    stale.changes = [Change(f"f{i}", f"поле {i}", str(i)) for i in range(4)]
    assert stale.listed_changes == stale.changes and stale.unlisted == 0  # never «и ещё 1»
    stale.changes.append(Change("f4", "поле 4", "4"))
    assert [c.name for c in stale.listed_changes] == ["f0", "f1", "f2"] and stale.unlisted == 2
