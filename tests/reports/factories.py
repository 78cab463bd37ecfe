"""Factories of the rows reports read (other apps' models, minimal; reports owns no models)."""

import datetime
from datetime import timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from diagnostics.models import Cycle, FactorLevel, RiskFactor, RiskProfile
from events.models import Event, Registration
from partnerships.models import Agreement, Partnership, PartnershipMember
from roadmaps.models import Roadmap, RoadmapItem
from schools.models import AssessmentResult, CategoryAssignment
from tests.factories import MunicipalityFactory, OrganisationFactory


class AssessmentResultFactory(DjangoModelFactory):
    class Meta:
        model = AssessmentResult

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2026
    kind = "oge"
    subject = "math"
    participants = 50
    average_score = 15
    below_threshold = 0


class CategoryAssignmentFactory(DjangoModelFactory):
    class Meta:
        model = CategoryAssignment

    organisation = factory.SubFactory(OrganisationFactory)
    year = 2026
    category = "shnor"


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership

    title = factory.Sequence(lambda n: f"Сетевая пара {n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    status = "active"


class PartnershipMemberFactory(DjangoModelFactory):
    class Meta:
        model = PartnershipMember

    partnership = factory.SubFactory(PartnershipFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "supported"


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = Agreement

    partnership = factory.SubFactory(PartnershipFactory)
    kind = "cooperation"
    municipality = factory.LazyAttribute(lambda o: o.partnership.municipality)
    year = 2026
    sequence = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"{o.sequence}-2026")
    date = datetime.date(2026, 1, 10)
    valid_from = datetime.date(2026, 1, 10)
    valid_until = datetime.date(2026, 12, 31)
    status = "signed"
    subject = "Сотрудничество"


class RoadmapFactory(DjangoModelFactory):
    class Meta:
        model = Roadmap

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Дорожная карта {n}")
    status = "approved"


class RoadmapItemFactory(DjangoModelFactory):
    class Meta:
        model = RoadmapItem

    roadmap = factory.SubFactory(RoadmapFactory)
    task = factory.Sequence(lambda n: f"Задача {n}")
    measure = "Мероприятие"
    module = "teaching"
    start_date = factory.LazyAttribute(lambda o: o.due_date - timedelta(days=30))
    due_date = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    status = "planned"


class EventFactory(DjangoModelFactory):
    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Семинар {n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    organiser = factory.SubFactory(
        OrganisationFactory, municipality=factory.SelfAttribute("..municipality")
    )
    starts_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=1))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=2))
    status = "published"


class RegistrationFactory(DjangoModelFactory):
    class Meta:
        model = Registration

    event = factory.SubFactory(EventFactory)
    user = None
    status = "registered"


class CycleFactory(DjangoModelFactory):
    class Meta:
        model = Cycle

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = "entry"
    title = factory.Sequence(lambda n: f"Входная диагностика {n}")
    opens_on = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=20))
    closes_on = factory.LazyFunction(lambda: timezone.localdate() + timedelta(days=3))
    status = "open"


class RiskProfileFactory(DjangoModelFactory):
    class Meta:
        model = RiskProfile

    organisation = factory.SubFactory(OrganisationFactory)
    computed_at = factory.LazyFunction(timezone.now)


def profile_with_levels(organisation, computed_at, levels: dict[int, str], cycle=None):
    """A profile with the given {factor code: level}."""
    profile = RiskProfileFactory(organisation=organisation, computed_at=computed_at, cycle=cycle)
    factors = {f.code: f for f in RiskFactor.objects.all()}
    for code, level in levels.items():
        FactorLevel.objects.create(
            profile=profile, factor=factors[code], level=level, score=1 if level == "high" else 0
        )
    return profile
