"""A second demo municipality, «Заречный район», with its own methodologist (issue 15).

With one municipality the coordinator's comparison showed one row and the control table had
nothing to drill down to. This one has its own schools, results (the categories follow from the
region's rules), risk profiles, two pairs (one active, one still proposed), roadmaps with done
and overdue items, a red quarter rating and an open concern — and supported schools with no
partner and no roadmap, which the control table must show as such.

Idempotent like every demo module: objects are found by natural keys; a second run changes
nothing. Runs last (``seed_demo``): it reads the region of ``schools.demo`` and the users of
``network_portal.accounts.demo``.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils import timezone

from diagnostics.models import FactorLevel, RiskFactor, RiskProfile
from network_portal.accounts.demo import demo_user
from network_portal.accounts.models import Role, RoleAssignment, User
from partnerships.models import MemberRole, Partnership, PartnershipMember, PartnershipStatus
from roadmaps.models import (
    EngagementConcern,
    ItemStatus,
    ProgrammeModule,
    QuarterRating,
    Rating,
    Roadmap,
    RoadmapItem,
    RoadmapStatus,
)
from roadmaps.rules import quarter_of
from schools.demo import REGION, YEARS, ensure
from schools.models import (
    AssessmentKind,
    AssessmentResult,
    Municipality,
    Organisation,
    OrganisationKind,
    Region,
    Subject,
)

MUNICIPALITY = "Заречный район"

# short name, ИНН (valid check digits), director, students; results as in schools.demo:
# ОГЭ (math, russian) as (average, below %) for 2024, 2025, 2026
SCHOOLS = [
    (
        "МКОУ «Заречная ООШ»",
        "2902000016",
        "Гусева Валентина Петровна",
        120,
        [((10.6, 26), (21.0, 15)), ((10.3, 28), (20.6, 16)), ((10.1, 29), (20.4, 17))],
    ),
    (
        "МБОУ «Луговская СОШ»",
        "2902000023",
        "Тихонов Павел Ильич",
        260,
        [((11.2, 21), (22.4, 13)), ((11.0, 23), (22.0, 14)), ((10.9, 24), (21.8, 14))],
    ),
    (
        "МБОУ «Ольховская СОШ»",
        "2902000030",
        "Кириллова Марина Олеговна",
        310,
        [((14.6, 7), (27.0, 4)), ((13.8, 10), (26.1, 5)), ((13.0, 12), (25.3, 7))],
    ),
    (
        "МБОУ «Берёзовская СОШ»",
        "2902000047",
        "Никитин Роман Сергеевич",
        280,
        [((14.4, 8), (26.8, 4)), ((13.7, 10), (26.0, 6)), ((13.1, 12), (25.2, 7))],
    ),
    (
        "МБОУ «Заречная СОШ № 1»",
        "2902000054",
        "Авдеева Светлана Юрьевна",
        740,
        [((17.4, 1), (30.6, 0)), ((17.7, 1), (31.0, 0)), ((18.0, 0), (31.3, 0))],
    ),
    (
        "МБОУ «Заречная СОШ № 2»",
        "2902000061",
        "Фролов Георгий Андреевич",
        610,
        [((16.2, 3), (29.2, 1)), ((16.4, 2), (29.5, 1)), ((16.6, 2), (29.8, 1))],
    ),
    (
        "МБОУ «Сосновская СОШ»",
        "2902000078",
        "Егорова Алла Викторовна",
        200,
        [((11.5, 20), (22.8, 12)), ((11.2, 22), (22.2, 13)), ((11.0, 23), (22.0, 14))],
    ),
]
# high-risk factors and medium ones of each school's risk profile (the rest are low)
PROFILES = {
    "МКОУ «Заречная ООШ»": ({1, 2, 5, 6, 9}, {3, 4, 7}),
    "МБОУ «Луговская СОШ»": ({2, 6, 10}, {1, 3, 5, 8}),
    "МБОУ «Ольховская СОШ»": ({6}, {3, 5, 10}),
    "МБОУ «Берёзовская СОШ»": ({5, 10}, {2, 6}),
    "МБОУ «Заречная СОШ № 1»": (set(), {4}),
    "МБОУ «Заречная СОШ № 2»": (set(), {4, 9}),
    "МБОУ «Сосновская СОШ»": ({1, 6, 7}, {2, 9}),
}
LEVEL_SCORE = {"high": Decimal("70"), "medium": Decimal("45"), "low": Decimal("20")}

USERS = {
    "methodist2": (
        "methodist2@demo.local",
        "Захарова",
        "Ольга",
        "Михайловна",
        "Методист управления образования Заречного района",
    ),
    "director2": ("director2@demo.local", "Гусева", "Валентина", "Петровна", "Директор"),
}


def _user(key: str, password: str) -> User:
    return demo_user(USERS[key], password)


def _schools(municipality: Municipality) -> dict[str, Organisation]:
    schools = {}
    for n, (name, inn, director, students, results) in enumerate(SCHOOLS, start=1):
        school = ensure(
            Organisation,
            inn=inn,
            defaults={
                "municipality": municipality,
                "short_name": name,
                "full_name": name.replace(
                    "МБОУ", "Муниципальное бюджетное общеобразовательное учреждение"
                ).replace("МКОУ", "Муниципальное казённое общеобразовательное учреждение"),
                "kind": OrganisationKind.SCHOOL,
                "director_name": director,
                "address": f"Заречный район, ул. Центральная, д. {n}",
                "email": f"zarechye{n}@demo.local",
                "phone": f"+7 (81843) 3-{20 + n}-{50 + n}",
            },
        )
        schools[name] = school
        participants = max(5, round(students * 0.1))
        for year, (math, russian) in zip(YEARS, results, strict=True):
            for subject, (average, below) in ((Subject.MATH, math), (Subject.RUSSIAN, russian)):
                ensure(
                    AssessmentResult,
                    organisation=school,
                    year=year,
                    kind=AssessmentKind.OGE,
                    subject=subject,
                    grade=None,
                    defaults={
                        "participants": participants,
                        "average_score": Decimal(str(average)),
                        "below_threshold": round(participants * below / 100),
                        "high_results": 0,
                    },
                )
    return schools


def _profiles(schools: dict[str, Organisation], today: datetime.date) -> None:
    factors = {f.code: f for f in RiskFactor.objects.all()}
    computed = timezone.make_aware(
        datetime.datetime.combine(today - datetime.timedelta(days=40), datetime.time(15))
    )
    for name, (high, medium) in PROFILES.items():
        school = schools[name]
        profile = RiskProfile.objects.filter(organisation=school).order_by("computed_at").first()
        if profile is None:
            profile = RiskProfile.objects.create(organisation=school, computed_at=computed)
        for code, factor in factors.items():
            level = "high" if code in high else "medium" if code in medium else "low"
            FactorLevel.objects.get_or_create(
                profile=profile,
                factor=factor,
                defaults={"level": level, "score": LEVEL_SCORE[level]},
            )


def _pair(title, municipality, status, supported, leader) -> Partnership:
    pair = ensure(
        Partnership,
        title=title,
        municipality=municipality,
        defaults={"status": status, "description": "Демо-пара Заречного района"},
    )
    now = timezone.now()
    for org, role in ((supported, MemberRole.SUPPORTED), (leader, MemberRole.LEADER)):
        agreed = now if status != PartnershipStatus.PROPOSED else None
        PartnershipMember.objects.get_or_create(
            partnership=pair, organisation=org, role=role, defaults={"agreed_at": agreed}
        )
    return pair


def _roadmap(school, pair, title, status, items, today) -> Roadmap:
    roadmap = ensure(
        Roadmap,
        organisation=school,
        title=title,
        defaults={
            "partnership": pair,
            "status": status,
        },
    )
    for n, (task, days, item_status) in enumerate(items):
        due = today + datetime.timedelta(days=days)
        ensure(
            RoadmapItem,
            roadmap=roadmap,
            task=task,
            defaults={
                "measure": task,
                "module": ProgrammeModule.values[n % len(ProgrammeModule.values)],
                "start_date": due - datetime.timedelta(days=45),
                "due_date": due,
                "status": item_status,
                "completed_at": due if item_status == ItemStatus.DONE else None,
                "responsible_person": school.director_name,
                "position": n,
            },
        )
    return roadmap


def run(*, password: str) -> dict[str, str]:
    from schools.services import categories_recompute

    region = Region.objects.get(name=REGION)
    municipality = ensure(
        Municipality, region=region, name=MUNICIPALITY, defaults={"code": "99-02"}
    )
    schools = _schools(municipality)
    categories_recompute(organisation_ids=[s.pk for s in schools.values()])
    today = timezone.localdate()
    _profiles(schools, today)

    methodist = _user("methodist2", password)
    RoleAssignment.objects.get_or_create(
        user=methodist, role=Role.METHODOLOGIST, municipality=municipality
    )
    director = _user("director2", password)
    weak = schools["МКОУ «Заречная ООШ»"]
    RoleAssignment.objects.get_or_create(user=director, role=Role.DIRECTOR, organisation=weak)
    curator = User.objects.filter(email="curator@demo.local").first()
    if curator is not None:
        RoleAssignment.objects.get_or_create(user=curator, role=Role.CURATOR, organisation=weak)

    leader1, leader2 = schools["МБОУ «Заречная СОШ № 1»"], schools["МБОУ «Заречная СОШ № 2»"]
    active = _pair(
        "Заречная ООШ — Заречная СОШ № 1: математика и ОВЗ",
        municipality,
        PartnershipStatus.ACTIVE,
        weak,
        leader1,
    )
    _pair(
        "Ольховская СОШ — Заречная СОШ № 2: учебная неуспешность",
        municipality,
        PartnershipStatus.PROPOSED,
        schools["МБОУ «Ольховская СОШ»"],
        leader2,
    )
    roadmap = _roadmap(
        weak,
        active,
        "Программа перехода в эффективный режим: Заречная ООШ",
        RoadmapStatus.APPROVED,
        [
            ("Диагностика дефицитов учителей математики", -70, ItemStatus.DONE),
            ("Взаимопосещение уроков с Заречной СОШ № 1", -40, ItemStatus.DONE),
            ("Индивидуальные планы для обучающихся с ОВЗ", -12, ItemStatus.IN_PROGRESS),
            ("Родительское собрание о подготовке к ОГЭ", -5, ItemStatus.PLANNED),
            ("Методический десант по читательской грамотности", 20, ItemStatus.PLANNED),
            ("Пробный ОГЭ с разбором ошибок", 60, ItemStatus.PLANNED),
        ],
        today,
    )
    _roadmap(
        schools["МБОУ «Луговская СОШ»"],
        None,
        "Программа перехода: Луговская СОШ",
        RoadmapStatus.DRAFT,
        [
            ("Самоанализ уроков по протоколу наблюдения", 15, ItemStatus.PLANNED),
            ("Курсы повышения квалификации по ФГОС", 45, ItemStatus.PLANNED),
        ],
        today,
    )
    year, quarter = quarter_of(today - datetime.timedelta(days=92))
    QuarterRating.objects.get_or_create(
        roadmap=roadmap,
        year=year,
        quarter=quarter,
        defaults={
            "rating": Rating.RED,
            "reason": "Два мероприятия просрочены, подтверждений нет.",
            "rated_by": curator,
        },
    )
    EngagementConcern.objects.get_or_create(
        organisation=schools["МБОУ «Сосновская СОШ»"],
        text="Школа не приступила к дорожной карте и не отвечает на письма.",
        defaults={"raised_by": methodist},
    )
    return {key: value[0] for key, value in USERS.items()}
