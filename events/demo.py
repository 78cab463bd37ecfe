"""Demo events of the Северогорский округ (seed 001): a methodical day held at СОШ № 9 for
СОШ № 5 (ОВЗ and learning failure risks) with attendance and a report, and upcoming events —
one nearly full (3 places, 2 taken), so that registration and the waiting list can be tried.

Idempotent: events are found by (municipality, title), registrations by (event, person); a
second run writes only what differs and leaves unchanged rows untouched. Dates are relative
to today; a registration's ``queued_at`` (its place in the waiting list) is set only when the
registration is created.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.utils import timezone

PAST_DAY = "Методический день «Обучение детей с ОВЗ: опыт МОБУ «СОШ № 9»»"
NEARLY_FULL = "Мастер-класс «Формирующее оценивание на уроках математики»"
NEARLY_FULL_CAPACITY = 3
PARTNERSHIP = "Сетевая пара МОБУ «СОШ № 5» — МОБУ «СОШ № 9»"

# title, type, organiser, days from today, start, end, place, online, capacity, audience,
# needs, factors, status, description
EVENTS = [
    (
        PAST_DAY,
        "methodical-day",
        "МОБУ «СОШ № 9»",
        -20,
        time(10, 0),
        time(14, 0),
        "МОБУ «СОШ № 9», актовый зал",
        "",
        30,
        ["teachers", "administration"],
        ["ovz", "motivation"],
        [6, 9],
        "held",
        "Открытые уроки в инклюзивных классах, разбор адаптированных программ, консультации "
        "педагога-психолога и учителя-дефектолога для команды МОБУ «СОШ № 5».",
    ),
    (
        NEARLY_FULL,
        "master-class",
        "МАОУ «Гимназия № 1»",
        9,
        time(15, 0),
        time(16, 30),
        "МАОУ «Гимназия № 1», кабинет 305",
        "",
        NEARLY_FULL_CAPACITY,
        ["teachers", "administration"],
        ["assessment", "methods"],
        [3],
        "published",
        "Приёмы формирующего оценивания: листы самооценки, критерии успеха, обратная связь. "
        "Практическая часть — на материале ОГЭ по математике.",
    ),
    (
        "Вебинар «Цифровые инструменты учителя: электронные тетради и тренажёры»",
        "webinar",
        "МОБУ «СОШ № 4»",
        14,
        time(16, 0),
        time(17, 30),
        "",
        "https://vk.com/call/demo-severogorsk",
        None,
        ["teachers"],
        ["digital"],
        [1],
        "published",
        "Опыт МОБУ «СОШ № 4» по использованию ИКТ для школ с низким оснащением.",
    ),
    (
        "Постоянно действующий семинар «Функциональная грамотность: читаем и считаем»",
        "permanent-seminar",
        "МКУ «Информационно-методический отдел»",
        35,
        time(14, 30),
        time(16, 30),
        "Информационно-методический отдел, ул. Школьная, 1",
        "",
        40,
        ["teachers"],
        ["functional"],
        [3],
        "published",
        "Первое занятие цикла: задания PISA-формата на уроках русского языка и математики.",
    ),
    (
        "Совместное родительское собрание МОБУ «СОШ № 3» и МАОУ «Гимназия № 1»",
        "parents-meeting",
        "МАОУ «Гимназия № 1»",
        21,
        time(18, 0),
        time(19, 30),
        "МАОУ «Гимназия № 1», актовый зал",
        "",
        None,
        ["parents", "administration"],
        ["parents"],
        [10],
        "draft",
        "Как семья помогает ребёнку готовиться к ГИА: опыт родительского клуба гимназии.",
    ),
]

REPORT = (
    "Проведены два открытых урока (математика в 7 «Б» инклюзивном классе, русский язык в 5 «А»), "
    "разбор адаптированной основной общеобразовательной программы и консультации "
    "педагога-психолога. Команда МОБУ «СОШ № 5» получила шаблоны индивидуальных маршрутов.",
    "Договорились о взаимопосещении уроков в следующей четверти и о стажировке двух учителей "
    "МОБУ «СОШ № 5» в МОБУ «СОШ № 9».",
)


def _at(days: int, moment: time) -> datetime:
    return timezone.make_aware(
        datetime.combine(timezone.localdate() + timedelta(days=days), moment)
    )


def _upsert(model, lookup: dict[str, Any], values: dict[str, Any], *, create_only=()):
    """Create the row, or write the ``values`` that differ (``create_only`` ones never):
    ``update_or_create`` would save every time and move ``updated_at``."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values), True
    changed = [
        name
        for name, value in values.items()
        if name not in create_only and getattr(row, name) != value
    ]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.save()
    return row, False


def run() -> dict[str, int]:
    from network_portal.accounts.models import User
    from schools.demo import MUNICIPALITY

    from .models import (
        AUDIENCE_FIELDS,
        Event,
        EventMaterial,
        EventReport,
        EventType,
        Registration,
        RegistrationStatus,
    )

    Organisation = apps.get_model("schools", "Organisation")
    Municipality = apps.get_model("schools", "Municipality")
    RiskFactor = apps.get_model("diagnostics", "RiskFactor")
    Partnership = apps.get_model("partnerships", "Partnership")
    RoadmapItem = apps.get_model("roadmaps", "RoadmapItem")

    municipality = Municipality.objects.filter(name=MUNICIPALITY).first()
    if municipality is None:
        return {"events": 0}
    organisations = {
        o.short_name: o for o in Organisation.objects.filter(municipality=municipality)
    }
    fallback = organisations.get("МОБУ «СОШ № 9»") or next(iter(organisations.values()))
    types = {t.code: t for t in EventType.objects.all()}
    users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@demo.local")}
    methodist = users.get("methodist")
    partnership = Partnership.objects.filter(title=PARTNERSHIP, municipality=municipality).first()

    events = {}
    for (title, kind, organiser, days, start, end, place, online, capacity, audience, needs,
         factors, status, description) in EVENTS:  # fmt: skip
        event, _created = _upsert(
            Event,
            {"municipality": municipality, "title": title},
            {
                "event_type": types.get(kind),
                "organiser": organisations.get(organiser, fallback),
                "starts_at": _at(days, start),
                "ends_at": _at(days, end),
                "registration_deadline": _at(days - 1, time(18, 0)) if days > 1 else None,
                "place": place,
                "online_url": online,
                "capacity": capacity,
                "teacher_needs": needs,
                "status": status,
                "description": description,
                "created_by": methodist,
                "partnership": partnership if title == PAST_DAY else None,
                **{field: code in audience for code, field in AUDIENCE_FIELDS.items()},
            },
        )
        event.risk_factors.set(RiskFactor.objects.filter(code__in=factors))
        events[title] = event

    past = events[PAST_DAY]
    if partnership is not None:
        items = RoadmapItem.objects.filter(roadmap__partnership=partnership).order_by("pk")[:2]
        past.roadmap_items.set(items)
    for key in ("teacher", "director"):
        if key in users:
            _upsert(
                Registration,
                {"event": past, "user": users[key]},
                {
                    "status": RegistrationStatus.REGISTERED,
                    "attended": True,
                    "queued_at": past.starts_at - timedelta(days=7),
                },
                create_only=("queued_at",),
            )
    _upsert(
        EventReport,
        {"event": past},
        {
            "summary": REPORT[0],
            "results": REPORT[1],
            "other_participants": 6,
            "written_by": methodist,
        },
    )
    EventMaterial.objects.get_or_create(
        event=past,
        title="Презентация: адаптированная программа для обучающихся с ОВЗ",
        defaults={"url": "https://example.org/sosh9/ovz-presentation", "uploaded_by": methodist},
    )

    nearly_full = events[NEARLY_FULL]
    for offset, key in enumerate(("director", "curator")[: NEARLY_FULL_CAPACITY - 1]):
        if key in users:
            _upsert(
                Registration,
                {"event": nearly_full, "user": users[key]},
                {
                    "status": RegistrationStatus.REGISTERED,
                    "queued_at": timezone.now() - timedelta(days=3 - offset),
                },
                create_only=("queued_at",),
            )
    return {"events": len(events)}
