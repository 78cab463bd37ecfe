"""Factories of the diagnostics models. Instruments come from the ``0004_fill_instrument`` data
migration (version 1) unless a test builds its own."""

import datetime

import factory
from factory.django import DjangoModelFactory

from diagnostics.models import (
    Cycle,
    CycleKind,
    FactorLevel,
    Instrument,
    Questionnaire,
    RiskFactor,
    RiskProfile,
    StageRecord,
    TeacherSurvey,
)
from tests.factories import MunicipalityFactory, OrganisationFactory


def current_instrument() -> Instrument:
    """The base instrument version of the portal (data migration ``0004_fill_instrument``)."""
    return Instrument.objects.get(is_current=True, region__isnull=True)


class CycleFactory(DjangoModelFactory):
    class Meta:
        model = Cycle
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = CycleKind.ENTRY
    title = factory.Sequence(lambda n: f"Входная диагностика {n}")
    # Open today: a cycle takes answers only between its dates (services.cycle_refusal).
    opens_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=30))
    closes_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=60))
    instrument = factory.LazyFunction(current_instrument)


class QuestionnaireFactory(DjangoModelFactory):
    class Meta:
        model = Questionnaire

    cycle = factory.SubFactory(CycleFactory)
    organisation = factory.SubFactory(
        OrganisationFactory, municipality=factory.SelfAttribute("..cycle.municipality")
    )
    instrument = factory.SelfAttribute("cycle.instrument")


class RiskProfileFactory(DjangoModelFactory):
    class Meta:
        model = RiskProfile

    organisation = factory.SubFactory(OrganisationFactory)
    computed_at = factory.Sequence(
        lambda n: datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) + datetime.timedelta(days=n)
    )


def profile_with_levels(organisation, levels: dict[int, str], **kwargs) -> RiskProfile:
    """A profile with the given ``{factor code: level}`` (scores 80/50/20)."""
    profile = RiskProfileFactory(organisation=organisation, **kwargs)
    factors = {f.code: f for f in RiskFactor.objects.all()}
    scores = {"high": 80, "medium": 50, "low": 20}
    FactorLevel.objects.bulk_create(
        FactorLevel(profile=profile, factor=factors[c], level=lv, score=scores[lv], explanation=[])
        for c, lv in levels.items()
    )
    return profile


class TeacherSurveyFactory(DjangoModelFactory):
    class Meta:
        model = TeacherSurvey
        skip_postgeneration_save = True

    municipality = factory.SubFactory(MunicipalityFactory)
    title = factory.Sequence(lambda n: f"Опрос педагогов {n}")
    token = factory.Sequence(lambda n: f"token-{n:06d}-abcdefghijkl")
    opens_on = factory.LazyFunction(lambda: datetime.date.today() - datetime.timedelta(days=1))
    closes_on = factory.LazyFunction(lambda: datetime.date.today() + datetime.timedelta(days=10))
    min_responses = 5

    @factory.post_generation
    def schools(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.schools.set(extracted)


class StageRecordFactory(DjangoModelFactory):
    class Meta:
        model = StageRecord

    organisation = factory.SubFactory(OrganisationFactory)
    stage = 1
    reached_on = datetime.date(2026, 9, 20)
    evidence = "Приказ о самодиагностике"
