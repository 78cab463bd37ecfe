"""Factories of the partnerships models (and the risk profiles the matcher reads)."""

import datetime as dt

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from diagnostics.models import FactorLevel, RiskFactor, RiskProfile
from partnerships.models import (
    Agreement,
    AgreementKind,
    DeclaredStrength,
    MemberRole,
    Partnership,
    PartnershipMember,
    ProviderProfile,
)
from schools.models import CategoryAssignment
from tests.factories import OrganisationFactory


class PartnershipFactory(DjangoModelFactory):
    class Meta:
        model = Partnership

    title = factory.Sequence(lambda n: f"Сетевая пара {n}")
    municipality = factory.SubFactory("tests.factories.MunicipalityFactory")


class MemberFactory(DjangoModelFactory):
    class Meta:
        model = PartnershipMember

    partnership = factory.SubFactory(PartnershipFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = MemberRole.SUPPORTED


def pair(*, supported, provider, status="proposed", role=MemberRole.LEADER, **kwargs):
    """A partnership of one supported school and one provider in the school's municipality."""
    partnership = PartnershipFactory(municipality=supported.municipality, status=status, **kwargs)
    MemberFactory(partnership=partnership, organisation=supported, role=MemberRole.SUPPORTED)
    MemberFactory(partnership=partnership, organisation=provider, role=role)
    return partnership


class AgreementFactory(DjangoModelFactory):
    class Meta:
        model = Agreement

    partnership = factory.SubFactory(PartnershipFactory)
    kind = AgreementKind.COOPERATION
    municipality = factory.LazyAttribute(lambda o: o.partnership.municipality)
    year = 2026
    sequence = factory.Sequence(lambda n: n + 1)
    number = factory.LazyAttribute(lambda o: f"T/{o.year}-{o.sequence:03d}")
    date = dt.date(2026, 9, 1)
    valid_from = dt.date(2026, 9, 1)
    valid_until = dt.date(2027, 6, 30)
    subject = "Сотрудничество в обучении детей с ОВЗ"


class StrengthFactory(DjangoModelFactory):
    class Meta:
        model = DeclaredStrength

    organisation = factory.SubFactory(OrganisationFactory)
    factor = factory.LazyFunction(lambda: RiskFactor.objects.get(code=9))
    experience = "Опыт в проекте 500+"


class ProviderProfileFactory(DjangoModelFactory):
    class Meta:
        model = ProviderProfile

    organisation = factory.SubFactory(OrganisationFactory)
    capacity = 2


def profile(organisation, levels: dict[int, str], *, when=None) -> RiskProfile:
    """A risk profile with the given factor levels (code → high/medium/low)."""
    p = RiskProfile.objects.create(organisation=organisation, computed_at=when or timezone.now())
    factors = {f.code: f for f in RiskFactor.objects.filter(code__in=levels)}
    FactorLevel.objects.bulk_create(
        [
            FactorLevel(profile=p, factor=factors[code], level=level, score=0)
            for code, level in levels.items()
        ]
    )
    return p


def category(organisation, value: str, *, year: int = 2026) -> CategoryAssignment:
    return CategoryAssignment.objects.create(organisation=organisation, year=year, category=value)
