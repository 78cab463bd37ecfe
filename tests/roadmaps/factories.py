"""Factories of roadmaps and of the contract models it reads (partnerships, risk profiles)."""

from datetime import date, timedelta

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from diagnostics.models import FactorLevel, RiskFactor, RiskProfile
from partnerships.models import Partnership, PartnershipMember
from roadmaps.models import Roadmap, RoadmapItem
from tests.factories import MunicipalityFactory, OrganisationFactory


def factor(code: int) -> RiskFactor:
    """The reference risk factors come from diagnostics' data migration."""
    return RiskFactor.objects.get(code=code)


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership

    title = factory.Sequence(lambda n: f"Сетевая пара {n}")
    municipality = factory.SubFactory(MunicipalityFactory)
    status = "active"


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = PartnershipMember

    partnership = factory.SubFactory(PartnershipFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "supported"


def partnership_of(*, supported, leader, partners=()) -> Partnership:
    partnership = PartnershipFactory(municipality=supported.municipality)
    MemberFactory(partnership=partnership, organisation=supported, role="supported")
    MemberFactory(partnership=partnership, organisation=leader, role="leader")
    for org in partners:
        MemberFactory(partnership=partnership, organisation=org, role="partner")
    return partnership


class RiskProfileFactory(DjangoModelFactory):
    class Meta:
        model = RiskProfile

    organisation = factory.SubFactory(OrganisationFactory)
    computed_at = factory.LazyFunction(timezone.now)


def profile_with(organisation, levels: dict[int, str]) -> RiskProfile:
    profile = RiskProfileFactory(organisation=organisation)
    for code, level in levels.items():
        FactorLevel.objects.create(profile=profile, factor=factor(code), level=level, score=1)
    return profile


class RoadmapFactory(DjangoModelFactory):
    class Meta:
        model = Roadmap

    organisation = factory.SubFactory(OrganisationFactory)
    title = factory.Sequence(lambda n: f"Дорожная карта {n}")


class RoadmapItemFactory(DjangoModelFactory):
    class Meta:
        model = RoadmapItem

    roadmap = factory.SubFactory(RoadmapFactory)
    task = factory.Sequence(lambda n: f"Задача {n}")
    measure = "Методический день с школой-лидером"
    risk_factor = factory.LazyFunction(lambda: factor(6))
    module = "teaching"
    start_date = factory.LazyFunction(lambda: date.today() - timedelta(days=10))
    due_date = factory.LazyFunction(lambda: date.today() + timedelta(days=30))
    target_indicator = "Доля педагогов, %"
    target_value = 80
    responsible_organisation = factory.LazyAttribute(lambda o: o.roadmap.organisation)
