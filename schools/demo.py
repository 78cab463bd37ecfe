"""The demo municipality of seed 001: its schools, partners, context and three years of results.

Idempotent: every object is found by a natural key and updated in place.
"""

from decimal import Decimal
from typing import Any

from django.db.models import Model

from .models import (
    AssessmentKind,
    AssessmentResult,
    CategoryRules,
    Municipality,
    Organisation,
    OrganisationKind,
    Region,
    SchoolContext,
    Subject,
)

REGION = "Северная область"
MUNICIPALITY = "Северогорский муниципальный округ"
YEARS = (2024, 2025, 2026)

# short name, full name, kind, ИНН (valid check digits), director
ORGANISATIONS = [
    (
        "МОБУ «ООШ № 1»",
        "Муниципальное общеобразовательное бюджетное учреждение «Основная общеобразовательная школа № 1»",
        OrganisationKind.SCHOOL,
        "2901000017",
        "Ковалёва Ирина Петровна",
    ),
    (
        "МОБУ «СОШ № 2»",
        "Муниципальное общеобразовательное бюджетное учреждение «Средняя общеобразовательная школа № 2»",
        OrganisationKind.SCHOOL,
        "2901000024",
        "Громов Алексей Викторович",
    ),
    (
        "МОБУ «СОШ № 3»",
        "Муниципальное общеобразовательное бюджетное учреждение «Средняя общеобразовательная школа № 3»",
        OrganisationKind.SCHOOL,
        "2901000031",
        "Сидорова Наталья Ивановна",
    ),
    (
        "МОБУ «СОШ № 4»",
        "Муниципальное общеобразовательное бюджетное учреждение «Средняя общеобразовательная школа № 4»",
        OrganisationKind.SCHOOL,
        "2901000049",
        "Белов Сергей Николаевич",
    ),
    (
        "МОБУ «СОШ № 5»",
        "Муниципальное общеобразовательное бюджетное учреждение «Средняя общеобразовательная школа № 5»",
        OrganisationKind.SCHOOL,
        "2901000056",
        "Орлова Елена Сергеевна",
    ),
    (
        "МОБУ «СОШ № 9»",
        "Муниципальное общеобразовательное бюджетное учреждение «Средняя общеобразовательная школа № 9»",
        OrganisationKind.SCHOOL,
        "2901000063",
        "Морозов Дмитрий Андреевич",
    ),
    (
        "МКОУ «О(С)ОШ № 14»",
        "Муниципальное казённое общеобразовательное учреждение «Открытая (сменная) общеобразовательная школа № 14»",
        OrganisationKind.SCHOOL,
        "2901000070",
        "Лебедева Ольга Юрьевна",
    ),
    (
        "МОБУ «СОШ № 16»",
        "Муниципальное общеобразовательное бюджетное учреждение «Средняя общеобразовательная школа № 16»",
        OrganisationKind.SCHOOL,
        "2901000088",
        "Фёдоров Павел Олегович",
    ),
    (
        "МОБУ «СОШ № 47»",
        "Муниципальное общеобразовательное бюджетное учреждение «Средняя общеобразовательная школа № 47»",
        OrganisationKind.SCHOOL,
        "2901000095",
        "Ахмедова Лейла Рашидовна",
    ),
    (
        "МАОУ «Гимназия № 1»",
        "Муниципальное автономное общеобразовательное учреждение «Гимназия № 1»",
        OrganisationKind.GYMNASIUM,
        "2901000105",
        "Кузнецова Марина Владимировна",
    ),
    (
        "ГАПОУ «Северогорский политехнический колледж»",
        "Государственное автономное профессиональное образовательное учреждение «Северогорский политехнический колледж»",
        OrganisationKind.COLLEGE,
        "2901000112",
        "Яковлев Игорь Степанович",
    ),
    (
        "МБУ ДО «Спортивная школа № 2»",
        "Муниципальное бюджетное учреждение дополнительного образования «Спортивная школа № 2»",
        OrganisationKind.SPORT,
        "2901000120",
        "Романов Артём Ильич",
    ),
    (
        "МБУ ДО «Центр детского творчества»",
        "Муниципальное бюджетное учреждение дополнительного образования «Центр детского творчества»",
        OrganisationKind.ADDITIONAL,
        "2901000137",
        "Никитина Светлана Борисовна",
    ),
    (
        "МКУ «Информационно-методический отдел»",
        "Муниципальное казённое учреждение «Информационно-методический отдел»",
        OrganisationKind.METHODICAL,
        "2901000144",
        "Федотова Нина Эдуардовна",
    ),
]

# students, share ОВЗ %, share non-native %, stable internet, computers per student, vacancies
CONTEXT = {
    "МОБУ «ООШ № 1»": (180, 14.0, 3.0, False, 0.05, 3),
    "МОБУ «СОШ № 2»": (520, 11.0, 4.0, True, 0.12, 1),
    "МОБУ «СОШ № 3»": (640, 10.5, 5.0, True, 0.14, 1),
    "МОБУ «СОШ № 4»": (710, 4.0, 2.0, True, 0.30, 0),
    "МОБУ «СОШ № 5»": (590, 16.0, 6.0, True, 0.13, 1),
    "МОБУ «СОШ № 9»": (820, 9.0, 3.0, True, 0.22, 0),
    "МКОУ «О(С)ОШ № 14»": (140, 18.0, 4.0, False, 0.04, 4),
    "МОБУ «СОШ № 16»": (760, 5.0, 2.5, True, 0.25, 0),
    "МОБУ «СОШ № 47»": (430, 12.0, 20.0, False, 0.07, 2),
    "МАОУ «Гимназия № 1»": (950, 2.0, 1.0, True, 0.35, 0),
}

# average score and share below the threshold (%) per year for ОГЭ/ЕГЭ math and Russian:
# (oge_math, oge_rus, ege_math, ege_rus) as (avg, below%) for 2024, 2025, 2026
RESULTS = {
    "МОБУ «ООШ № 1»": {
        "oge": [((11.0, 22), (22.0, 12)), ((10.5, 25), (21.5, 14)), ((10.8, 24), (21.0, 15))]
    },
    "МОБУ «СОШ № 2»": {
        "oge": [((12.0, 19), (24.0, 10)), ((11.8, 20), (23.5, 11)), ((12.1, 18), (23.8, 10))],
        "ege": [((42.0, 12), (58.0, 6)), ((41.0, 13), (57.0, 7)), ((41.5, 12), (57.5, 6))],
    },
    "МОБУ «СОШ № 3»": {
        "oge": [((14.5, 8), (27.0, 4)), ((13.9, 10), (26.2, 5)), ((13.2, 12), (25.5, 6))],
        "ege": [((52.0, 5), (66.0, 2)), ((50.0, 6), (64.0, 3)), ((48.5, 7), (62.5, 3))],
    },
    "МОБУ «СОШ № 4»": {
        "oge": [((16.5, 3), (29.5, 1)), ((16.8, 2), (29.8, 1)), ((17.0, 2), (30.1, 0))],
        "ege": [((60.0, 2), (72.0, 0)), ((61.0, 1), (73.0, 0)), ((62.0, 1), (73.5, 0))],
    },
    "МОБУ «СОШ № 5»": {
        "oge": [((14.8, 7), (27.2, 4)), ((14.0, 9), (26.5, 5)), ((13.4, 11), (25.8, 6))],
        "ege": [((53.0, 4), (67.0, 2)), ((51.0, 5), (65.0, 3)), ((49.0, 7), (63.5, 4))],
    },
    "МОБУ «СОШ № 9»": {
        "oge": [((17.2, 2), (30.5, 0)), ((17.5, 1), (30.8, 0)), ((17.8, 1), (31.0, 0))],
        "ege": [((63.0, 1), (75.0, 0)), ((64.0, 0), (76.0, 0)), ((65.0, 0), (76.5, 0))],
    },
    "МКОУ «О(С)ОШ № 14»": {
        "oge": [((10.2, 28), (20.5, 16)), ((10.0, 30), (20.0, 18)), ((10.4, 27), (20.8, 16))],
        "ege": [((35.0, 20), (50.0, 12)), ((34.0, 22), (49.0, 13)), ((35.5, 19), (50.5, 11))],
    },
    "МОБУ «СОШ № 16»": {
        "oge": [((16.0, 3), (29.0, 1)), ((16.4, 3), (29.4, 1)), ((16.9, 2), (29.9, 1))],
        "ege": [((59.0, 2), (71.0, 1)), ((60.0, 2), (72.0, 0)), ((61.5, 1), (73.0, 0))],
    },
    "МОБУ «СОШ № 47»": {
        "oge": [((14.2, 9), (26.0, 6)), ((13.5, 11), (25.0, 7)), ((12.9, 13), (24.4, 8))],
        "ege": [((50.0, 6), (63.0, 4)), ((48.0, 8), (61.0, 5)), ((46.5, 9), (60.0, 6))],
    },
    "МАОУ «Гимназия № 1»": {
        "oge": [((18.5, 0), (32.0, 0)), ((18.7, 0), (32.3, 0)), ((19.0, 0), (32.5, 0))],
        "ege": [((70.0, 0), (81.0, 0)), ((71.0, 0), (82.0, 0)), ((72.5, 0), (82.5, 0))],
    },
}

# Graduates per school and assessment (a rough share of the student body).
PARTICIPANTS_SHARE = {AssessmentKind.OGE: 0.1, AssessmentKind.EGE: 0.05}


# Where the "high results" band starts and how wide it is (ОГЭ: mark 5; ЕГЭ: 81+ points).
HIGH_BAND = {
    (AssessmentKind.OGE, Subject.MATH): (14.0, 10.0),
    (AssessmentKind.OGE, Subject.RUSSIAN): (26.0, 14.0),
    (AssessmentKind.EGE, Subject.MATH_PROFILE): (50.0, 50.0),
    (AssessmentKind.EGE, Subject.RUSSIAN): (60.0, 50.0),
}


def _high_results(kind: str, subject: str, average: float, participants: int) -> int:
    """Pupils with high results: none at weak schools, up to 60 % at the strongest."""
    start, width = HIGH_BAND[(kind, subject)]
    return round(participants * min(0.6, max(0.0, (average - start) / width)))


def ensure(model: type[Model], *, defaults: dict[str, Any], **lookup: Any) -> Model:
    """``update_or_create`` that writes only what differs, so that a second demo run rewrites
    no row (no new ``updated_at``, no history entry): ``make demo`` twice changes nothing."""
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        return model._default_manager.create(**lookup, **defaults)
    changed = False
    for name, value in defaults.items():
        field = model._meta.get_field(name)
        if field.many_to_one:  # compare ids, without loading the related row
            current, wanted = getattr(obj, field.attname), getattr(value, "pk", value)
        else:
            current, wanted = getattr(obj, name), value
        if current != wanted:
            setattr(obj, name, value)
            changed = True
    if changed:
        obj.save()
    return obj


def run() -> dict[str, int]:
    region = ensure(Region, name=REGION, defaults={"code": "99"})
    municipality = ensure(
        Municipality, region=region, name=MUNICIPALITY, defaults={"code": "99-01"}
    )
    organisations = {}
    for short_name, full_name, kind, inn, director in ORGANISATIONS:
        org = ensure(
            Organisation,
            inn=inn,
            defaults={
                "municipality": municipality,
                "short_name": short_name,
                "full_name": full_name,
                "kind": kind,
                "director_name": director,
                "address": f"г. Северогорск, ул. Школьная, д. {len(organisations) + 1}",
                "email": f"school{len(organisations) + 1}@demo.local",
                "phone": f"+7 (81842) 2-{10 + len(organisations)}-{40 + len(organisations)}",
                "website": f"https://school{len(organisations) + 1}.demo.local",
            },
        )
        organisations[short_name] = org
    for short_name, values in CONTEXT.items():
        students, ovz, non_native, internet, computers, vacancies = values
        for year in YEARS:
            ensure(
                SchoolContext,
                organisation=organisations[short_name],
                year=year,
                defaults={
                    "students": students,
                    "share_ovz": Decimal(str(ovz)),
                    "share_non_native": Decimal(str(non_native)),
                    "stable_internet": internet,
                    "computers_per_student": Decimal(str(computers)),
                    "teacher_vacancies": vacancies,
                },
            )
    for short_name, kinds in RESULTS.items():
        students = CONTEXT[short_name][0]
        for kind, per_year in kinds.items():
            participants = max(5, round(students * PARTICIPANTS_SHARE[kind]))
            for year, (math, russian) in zip(YEARS, per_year, strict=True):
                math_subject = Subject.MATH if kind == AssessmentKind.OGE else Subject.MATH_PROFILE
                for subject, (average, below_share) in (
                    (math_subject, math),
                    (Subject.RUSSIAN, russian),
                ):
                    ensure(
                        AssessmentResult,
                        organisation=organisations[short_name],
                        year=year,
                        kind=kind,
                        subject=subject,
                        grade=None,
                        defaults={
                            "participants": participants,
                            "average_score": Decimal(str(average)),
                            "below_threshold": round(participants * below_share / 100),
                            "high_results": _high_results(kind, subject, average, participants),
                        },
                    )
    # The region's category rules keep their defaults (seed 001/002); the demo categories of
    # seed 001 follow from them (tests/schools/test_demo.py asserts it).
    CategoryRules.objects.get_or_create(region=region)
    from .services import categories_recompute

    counts = categories_recompute(organisation_ids=[o.pk for o in organisations.values()])
    return {"organisations": len(organisations), "categories_changed": counts["changed"]}
