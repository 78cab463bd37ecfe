"""Demo networks, the seed-001 partnerships, declared strengths and capacities.

Seed 001 (справка о сетевом взаимодействии управленческих команд):
* СОШ № 5 (ОВЗ, учебная неуспешность) → СОШ № 9, «заключён договор о сотрудничестве»;
* СОШ № 3 (родители, компетентность педагогов, ОВЗ, неуспешность) → Гимназия № 1;
* СОШ № 2 (компетентность педагогов, ОВЗ) → СОШ № 3, «которая приобрела этот опыт в проекте 500+»;
* ООШ № 1 и О(С)ОШ № 14 → СОШ № 4 (ИКТ) и СОШ № 16 (проект развития личностного потенциала,
  адаптивность);
* СОШ № 47 is left without a partner — the pairing plan has something to suggest.

Idempotent: everything is found by natural keys (titles, organisation + factor, kind), and a
second run writes nothing — a row is saved (and a history snapshot written) only when it differs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from diagnostics.models import RiskFactor
from schools.models import Municipality, Organisation

from .history import history_off, snapshot
from .models import (
    Agreement,
    AgreementKind,
    AgreementStatus,
    DeclaredStrength,
    Direction,
    FormOfInteraction,
    MemberRole,
    Network,
    NetworkModel,
    Partnership,
    PartnershipMember,
    PartnershipStatus,
    ProviderProfile,
    ResourceKind,
    StatusChange,
)

MUNICIPALITY = "Северогорский муниципальный округ"
METHODICAL_OFFICE = "МКУ «Информационно-методический отдел»"

# organisation -> [(factor code, experience, evidence)]
STRENGTHS = {
    "МОБУ «СОШ № 4»": [
        (
            1,
            "Использование ИКТ в образовательном процессе",
            "Цифровая образовательная среда, "
            "компьютерные классы, дистанционные модули для школ округа.",
        ),
        (
            5,
            "Внутришкольное повышение квалификации по ИКТ-компетенциям",
            "Постоянно действующий семинар для педагогов по цифровым инструментам.",
        ),
    ],
    "МОБУ «СОШ № 16»": [
        (
            8,
            "Проект по развитию личностного потенциала",
            "Участие в проекте развития личностного потенциала; обновлённая воспитательная среда.",
        ),
        (
            4,
            "Преодоление рисков низкой адаптивности учебного процесса",
            "Риски преодолены во взаимодействии с МОБУ «СОШ № 3» (справка).",
        ),
    ],
    "МОБУ «СОШ № 3»": [
        (
            3,
            "Опыт в проекте 500+: методическая компетентность педагогов",
            "Дорожная карта проекта 500+ выполнена; курсы и наставничество для педагогов.",
        ),
        (
            9,
            "Опыт в проекте 500+: обучение детей с ОВЗ",
            "Адаптированные программы и тьюторское сопровождение, выстроенные в проекте 500+.",
        ),
    ],
    "МОБУ «СОШ № 9»": [
        (
            9,
            "Инклюзивная практика: обучение детей с ОВЗ",
            "Инклюзивные классы, психолого-педагогический консилиум, тьюторы.",
        ),
        (
            6,
            "Система работы с обучающимися с рисками учебной неуспешности",
            "Индивидуальные образовательные маршруты, консультации, школа полного дня.",
        ),
    ],
    "МАОУ «Гимназия № 1»": [
        (
            10,
            "Вовлечение родителей: родительский университет",
            "Цикл родительских собраний и совместных проектов с семьями.",
        ),
        (
            3,
            "Методическое сопровождение педагогов",
            "Стажировки и открытые уроки для педагогов школ-партнёров.",
        ),
    ],
    "ГАПОУ «Северогорский политехнический колледж»": [
        (
            1,
            "Мастерские и лаборатории колледжа для практических занятий",
            "Совместное пользование оборудованием, профессиональные пробы.",
        ),
    ],
}

CAPACITIES = {
    "МАОУ «Гимназия № 1»": 2,
    "МОБУ «СОШ № 9»": 1,
    "МОБУ «СОШ № 3»": 1,
    "МОБУ «СОШ № 4»": 2,
    "МОБУ «СОШ № 16»": 3,
    "ГАПОУ «Северогорский политехнический колледж»": 3,
}

BLANK_SCAN = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

START = dt.date(2025, 9, 1)
END = dt.date(2027, 6, 30)

# title, status, supported, leaders, partners, factor codes, forms (prefixes), start
PARTNERSHIPS = [
    (
        "Сетевая пара МОБУ «СОШ № 5» — МОБУ «СОШ № 9»",
        PartnershipStatus.ACTIVE,
        ["МОБУ «СОШ № 5»"],
        ["МОБУ «СОШ № 9»"],
        ["ГАПОУ «Северогорский политехнический колледж»"],
        [9, 6],
        ["Наставничество", "Взаимопосещение уроков", "Консультации", "Методические дни"],
        START,
    ),
    (
        "Сетевая пара МОБУ «СОШ № 3» — МАОУ «Гимназия № 1»",
        PartnershipStatus.ACTIVE,
        ["МОБУ «СОШ № 3»"],
        ["МАОУ «Гимназия № 1»"],
        [],
        [10, 3, 9, 6],
        ["Совместные родительские собрания", "Стажировки", "Семинары"],
        START,
    ),
    (
        "Сетевая пара МОБУ «СОШ № 2» — МОБУ «СОШ № 3»",
        PartnershipStatus.AGREED,
        ["МОБУ «СОШ № 2»"],
        ["МОБУ «СОШ № 3»"],
        [],
        [3, 9],
        ["«Педагог–педагогу»", "Методический десант"],
        dt.date(2026, 1, 12),
    ),
    (
        "Сетевая группа МОБУ «ООШ № 1», МКОУ «О(С)ОШ № 14» — МОБУ «СОШ № 4», МОБУ «СОШ № 16»",
        PartnershipStatus.PROPOSED,
        ["МОБУ «ООШ № 1»", "МКОУ «О(С)ОШ № 14»"],
        ["МОБУ «СОШ № 4»", "МОБУ «СОШ № 16»"],
        [],
        [5, 1, 3, 9, 6, 8, 10],
        ["Дистанционные модули", "Постоянно действующий семинар", "Совместное пользование"],
        None,
    ),
]

NETWORKS = [
    (
        "Сеть управленческих команд Северогорского округа",
        NetworkModel.RESOURCE_CENTRE,
        METHODICAL_OFFICE,
        "Сетевое взаимодействие управленческих команд ШНОР, ШНСУ и школ зоны риска со "
        "школами-лидерами; ИМО — ресурсный центр.",
    ),
    (
        "Школьный округ «Проект 500+»",
        NetworkModel.MODEL_1,
        "МАОУ «Гимназия № 1»",
        "Школьный округ на основе соглашения о сотрудничестве и плана совместной деятельности.",
    ),
]


def _upsert(model, lookup: dict[str, Any], values: dict[str, Any]):
    """Create the row, or write only the ``values`` that differ: ``update_or_create`` would
    save every time, moving ``updated_at`` and writing a history snapshot."""
    row = model.objects.filter(**lookup).first()
    if row is None:
        return model.objects.create(**lookup, **values), True
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.save(update_fields=changed + (["updated_at"] if hasattr(row, "updated_at") else []))
    return row, False


def _set(manager, objects) -> bool:
    """Set a many-to-many list when it differs; True if it did."""
    wanted = {o.pk for o in objects}
    if set(manager.values_list("pk", flat=True)) == wanted:
        return False
    manager.set(objects)
    return True


def _members(partnership: Partnership, wanted: dict[int, str]) -> bool:
    """Members (organisation id → role) as wanted; True if any row was written."""
    have = dict(partnership.members.values_list("organisation_id", "role"))
    if have == wanted:
        return False
    partnership.members.exclude(organisation_id__in=wanted).delete()
    for org_id, role in wanted.items():
        if org_id not in have:
            PartnershipMember.objects.create(
                partnership=partnership, organisation_id=org_id, role=role
            )
        elif have[org_id] != role:
            partnership.members.filter(organisation_id=org_id).update(role=role)
    return True


def _agreed(partnership: Partnership, day: dt.date) -> bool:
    """An agreed or active pair's members have agreed to it (on the day before it starts);
    only members without a date get one, so a second run writes nothing."""
    when = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=1), dt.time(12)))
    return bool(partnership.members.filter(agreed_at__isnull=True).update(agreed_at=when))


def run() -> dict[str, int]:
    municipality = Municipality.objects.get(name=MUNICIPALITY)
    orgs = {o.short_name: o for o in Organisation.objects.filter(municipality=municipality)}
    factors = {f.code: f for f in RiskFactor.objects.all()}

    for name, entries in STRENGTHS.items():
        for code, experience, evidence in entries:
            _upsert(
                DeclaredStrength,
                {"organisation": orgs[name], "factor": factors[code]},
                {"experience": experience, "evidence": evidence},
            )
    resources = list(ResourceKind.objects.all())
    for name, capacity in CAPACITIES.items():
        profile, _ = _upsert(ProviderProfile, {"organisation": orgs[name]}, {"capacity": capacity})
        _set(profile.resources, resources[:3])

    networks = {}
    schools = [o for o in orgs.values() if o.is_school]
    for name, model, coordinator, description in NETWORKS:
        network = Network.objects.filter(municipality=municipality, name=name).first()
        network = network or Network(municipality=municipality, name=name)
        values = {"model": model, "coordinator": orgs[coordinator], "description": description}
        changed = network.pk is None or any(getattr(network, k) != v for k, v in values.items())
        with history_off(network):
            if changed:
                for key, value in values.items():
                    setattr(network, key, value)
                network.save()
            changed |= _set(network.members, schools)
        if changed:
            snapshot(network, actor=None)
        networks[name] = network

    forms = list(FormOfInteraction.objects.all())
    directions = list(Direction.objects.all())
    main_network = networks[NETWORKS[0][0]]
    created = 0
    for title, status, supported, leaders, partners, codes, form_prefixes, start in PARTNERSHIPS:
        values = {
            "status": status,
            "start_date": start,
            "end_date": END if start else None,
            "network": main_network,
            "description": "Пара сформирована по рисковым профилям управленческих команд "
            "(информационная справка информационно-методического отдела).",
        }
        partnership = Partnership.objects.filter(title=title, municipality=municipality).first()
        was_created = partnership is None
        partnership = partnership or Partnership(title=title, municipality=municipality)
        changed = was_created or any(getattr(partnership, k) != v for k, v in values.items())
        with history_off(partnership):
            if changed:
                for key, value in values.items():
                    setattr(partnership, key, value)
                partnership.save()
            wanted = {
                orgs[name].pk: role
                for role, names in (
                    (MemberRole.SUPPORTED, supported),
                    (MemberRole.LEADER, leaders),
                    (MemberRole.PARTNER, partners),
                )
                for name in names
            }
            changed |= _members(partnership, wanted)
            if status in (PartnershipStatus.AGREED, PartnershipStatus.ACTIVE):
                changed |= _agreed(partnership, start or timezone.localdate())
            for manager, objects in (
                (partnership.risk_factors, [factors[c] for c in codes]),
                (
                    partnership.forms,
                    [f for f in forms if any(f.name.startswith(p) for p in form_prefixes)],
                ),
                (partnership.directions, directions[:2]),
                (partnership.resources, resources[:4]),
            ):
                changed |= _set(manager, objects)
        if changed:
            snapshot(partnership, actor=None)
        created += was_created
        if was_created:
            _history(partnership, status)

    pair = Partnership.objects.get(title=PARTNERSHIPS[0][0])
    agreement = Agreement.objects.filter(partnership=pair, kind=AgreementKind.COOPERATION).first()
    if agreement is None:
        from .services import agreement_create

        agreement = agreement_create(
            partnership=pair,
            kind=AgreementKind.COOPERATION,
            date=START,
            valid_from=START,
            valid_until=END,
            subject="Сотрудничество МОБУ «СОШ № 5» и МОБУ «СОШ № 9» в обучении детей с ОВЗ и "
            "поддержке обучающихся с рисками учебной неуспешности.",
            obligations="МОБУ «СОШ № 9» проводит консультации, стажировки и открытые уроки для "
            "педагогов МОБУ «СОШ № 5», делится адаптированными программами.\n"
            "МОБУ «СОШ № 5» обеспечивает участие педагогов и выполнение дорожной карты.",
            resources_text="кадровые, учебно-методические, информационные",
            actor=None,
        )
        # a placeholder for the scan the schools signed (a blank A4 page)
        agreement.scan.save("soglashenie-sosh5-sosh9.pdf", ContentFile(BLANK_SCAN), save=False)
        agreement.scan_name = "Соглашение СОШ 5 — СОШ 9 (скан).pdf"
        agreement.scan_uploaded_at = timezone.now()
        agreement.status = AgreementStatus.SIGNED
        agreement.save(update_fields=["status", "scan", "scan_name", "scan_uploaded_at"])
        StatusChange.objects.create(
            agreement=agreement, from_status="draft", to_status="signed", action="sign"
        )
    return {
        "networks": len(networks),
        "partnerships": len(PARTNERSHIPS),
        "created": created,
        "strengths": sum(len(v) for v in STRENGTHS.values()),
    }


def _history(partnership: Partnership, status: str) -> None:
    steps = {
        PartnershipStatus.PROPOSED: [("", "proposed", "propose")],
        PartnershipStatus.AGREED: [("", "proposed", "propose"), ("proposed", "agreed", "approve")],
        PartnershipStatus.ACTIVE: [
            ("", "proposed", "propose"),
            ("proposed", "agreed", "approve"),
            ("agreed", "active", "start"),
        ],
    }[status]
    for old, new, action in steps:
        StatusChange.objects.create(
            partnership=partnership, from_status=old, to_status=new, action=action
        )
