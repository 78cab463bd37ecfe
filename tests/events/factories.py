"""Factories of the events app (and minimal ones of the contract models it builds on)."""

from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from events.models import Event, EventStatus, EventType, Registration, RegistrationStatus
from partnerships.models import Partnership
from tests.factories import MunicipalityFactory, OrganisationFactory


class EventTypeFactory(DjangoModelFactory):
    class Meta:
        model = EventType
        django_get_or_create = ("code",)

    code = "seminar"
    name = "Семинар"


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership

    title = factory.Sequence(lambda n: f"Сетевая пара {n}")
    municipality = factory.SubFactory(MunicipalityFactory)


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Семинар {n}")
    event_type = factory.SubFactory(EventTypeFactory)
    organiser = factory.SubFactory(OrganisationFactory)
    municipality = factory.LazyAttribute(lambda o: o.organiser.municipality)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    place = "Актовый зал"
    status = EventStatus.PUBLISHED
    for_teachers = True


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = factory.SubFactory("tests.factories.UserFactory")
    status = RegistrationStatus.REGISTERED
    queued_at = factory.LazyFunction(timezone.now)
