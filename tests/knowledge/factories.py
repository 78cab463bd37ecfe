"""Factories of the knowledge base: practices (with their search text) and mentors."""

import datetime as dt

from django.utils import timezone

from diagnostics.models import FactorLevel, RiskFactor, RiskProfile
from knowledge.models import Mentor, Practice, PracticeStatus, codes_to_text
from knowledge.services import practice_reindex


def practice(
    municipality,
    *,
    title="Практика",
    status=PracticeStatus.PUBLISHED,
    factors=(),
    subjects=(),
    grades=(),
    forms=(),
    authors=(),
    **fields,
) -> Practice:
    p = Practice.objects.create(
        title=title,
        municipality=municipality,
        status=status,
        problem=fields.pop("problem", "Низкие результаты обучения"),
        actions=fields.pop("actions", "Методические дни и взаимопосещение уроков"),
        results=fields.pop("results", "Доля «2» снизилась"),
        measure=fields.pop("measure", "Провести методический день со школой-лидером"),
        subjects=codes_to_text(subjects),
        grades=codes_to_text(grades),
        published_at=timezone.now() if status == PracticeStatus.PUBLISHED else None,
        **fields,
    )
    if factors:
        p.risk_factors.set(RiskFactor.objects.filter(code__in=factors))
    if forms:
        p.forms.set(forms)
    if authors:
        p.author_organisations.set(authors)
    practice_reindex(p)
    return p


def mentor(municipality, *, name="Иванова Анна Петровна", factors=(), needs=(), capacity=2, **kw):
    m = Mentor.objects.create(
        full_name=name,
        municipality=municipality,
        needs=codes_to_text(needs),
        capacity=capacity,
        email=kw.pop("email", "mentor@example.test"),
        phone=kw.pop("phone", "+7 900 000-00-00"),
        **kw,
    )
    if factors:
        m.risk_factors.set(RiskFactor.objects.filter(code__in=factors))
    return m


def profile(organisation, levels: dict[int, str], *, when=None) -> RiskProfile:
    p = RiskProfile.objects.create(organisation=organisation, computed_at=when or timezone.now())
    factors = {f.code: f for f in RiskFactor.objects.filter(code__in=levels)}
    FactorLevel.objects.bulk_create(
        [FactorLevel(profile=p, factor=factors[c], level=lvl, score=0) for c, lvl in levels.items()]
    )
    return p


def days_ago(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)
