"""Demo diagnostics of the seed-001 municipality. Idempotent (natural keys, nothing recomputed).

Profiles follow seed 001:

* supported schools — high risks where the seed names them: СОШ № 5 — ОВЗ (9) and learning
  failure (6); СОШ № 2 — teachers' competence (3) and ОВЗ (9); ООШ № 1 and О(С)ОШ № 14 — 5, 1,
  3, 9, 6, 8, 10; СОШ № 47 — 5, 1, 3, 9, 6 and language barriers (7, 20 % non-native); these
  three also teacher shortage (2: the seed puts them in the risk zone for «дефицит
  педагогических кадров», and their context has 2–4 vacancies);
* leader schools — a low level exactly in what they pass on: СОШ № 9 — 9 and 6 (partner of
  СОШ № 5), Гимназия № 1 — 10 and 3 (partner of СОШ № 3), СОШ № 4 — 1 (ICT), СОШ № 16 — 4
  and 8; elsewhere medium, so matching by strengths is unambiguous;
* СОШ № 3 went through «500+»: its entry profile of 2023/24 had the high risks the seed lists
  (10, 3, 9, 6); by the current entry cycle it has overcome 3 and 9 (low — the experience it
  passes on to СОШ № 2) while parent involvement (10) is still high (hence Гимназия № 1).

The current intermediate cycle is open: СОШ № 2 has submitted (its profile compares with the
entry one), ООШ № 1 has a draft, СОШ № 5 has not started (the director fills it in the demo).
A teacher survey has 7 answers at СОШ № 5, 5 at СОШ № 2 and 3 (below the threshold) at СОШ № 3.
"""

from __future__ import annotations

import datetime
import importlib
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from network_portal.accounts.models import Role, RoleAssignment, User
from schools.demo import ensure
from schools.models import Municipality, Organisation

from . import scoring, services
from .models import (
    Answer,
    Cycle,
    CycleKind,
    CycleStatus,
    Instrument,
    Questionnaire,
    QuestionnaireStatus,
    StageRecord,
    SurveyNeed,
    SurveyResponse,
    TeacherNeed,
    TeacherSurvey,
    TeamMember,
)
from .selectors import current_instrument

HIGH, MEDIUM, LOW = scoring.HIGH, scoring.MEDIUM, scoring.LOW
ALL = range(1, 11)

SUPPORTED_HIGH = {
    "МОБУ «СОШ № 5»": {9, 6},
    "МОБУ «СОШ № 2»": {3, 9},
    # seed 001 also puts these three in the risk zone for teacher shortage (factor 2)
    "МОБУ «ООШ № 1»": {5, 1, 2, 3, 9, 6, 8, 10},
    "МКОУ «О(С)ОШ № 14»": {5, 1, 2, 3, 9, 6, 8, 10},
    "МОБУ «СОШ № 47»": {5, 1, 2, 3, 9, 6, 7},
}
LEADER_LOW = {
    "МОБУ «СОШ № 9»": {9, 6},
    "МАОУ «Гимназия № 1»": {10, 3},
    "МОБУ «СОШ № 4»": {1},
    "МОБУ «СОШ № 16»": {4, 8},
}


def _supported(high: set[int]) -> dict[int, str]:
    return {c: HIGH if c in high else (LOW if c == 7 else MEDIUM) for c in ALL}


def _leader(low: set[int]) -> dict[int, str]:
    return {c: LOW if c in low else MEDIUM for c in ALL}


ENTRY_TARGETS: dict[str, dict[int, str]] = {
    **{name: _supported(high) for name, high in SUPPORTED_HIGH.items()},
    **{name: _leader(low) for name, low in LEADER_LOW.items()},
    "МОБУ «СОШ № 3»": {**_leader({3, 9}), 10: HIGH, 7: LOW},
}
PROJECT_500_TARGETS = {"МОБУ «СОШ № 3»": _supported({10, 3, 9, 6})}
INTERMEDIATE_SUBMITTED = {"МОБУ «СОШ № 2»": {**_supported({9}), 3: MEDIUM}}
INTERMEDIATE_SCHOOLS = (
    "МОБУ «СОШ № 5»",
    "МОБУ «СОШ № 3»",
    "МОБУ «СОШ № 2»",
    "МОБУ «ООШ № 1»",
    "МКОУ «О(С)ОШ № 14»",
    "МОБУ «СОШ № 47»",
)

# survey: school -> list of (needs, difficulties text, support text)
SURVEY_ANSWERS = {
    "МОБУ «СОШ № 5»": [
        (
            ["ovz", "motivation"],
            "Не хватает приёмов работы с детьми с ОВЗ в обычном классе.",
            "Взаимопосещение уроков в СОШ № 9",
        ),
        (["ovz", "assessment"], "", "Семинар по адаптированным программам"),
        (["motivation", "functional"], "Низкая мотивация слабых учеников в 7–9 классах.", ""),
        (["ovz", "digital"], "", ""),
        (
            ["assessment", "motivation"],
            "Как объективно оценивать детей с трудностями в обучении.",
            "Наставник из школы-партнёра",
        ),
        (["ovz", "parents"], "", "Совместные родительские собрания"),
        (["methods", "ovz", "motivation"], "", ""),
    ],
    "МОБУ «СОШ № 2»": [
        (["subject", "methods"], "", "Методический день по математике"),
        (["methods", "ovz"], "", ""),
        (["subject", "assessment"], "Подготовка к ОГЭ по математике.", ""),
        (["ovz"], "", "Курсы по инклюзивному образованию"),
        (["methods", "functional"], "", ""),
    ],
    "МОБУ «СОШ № 3»": [
        (["parents"], "Родители не приходят на собрания.", ""),
        (["parents", "classroom"], "", ""),
        (["burnout"], "", ""),
    ],
}


def _school_year_start(today: datetime.date) -> int:
    return today.year if today.month >= 9 else today.year - 1


def _aware(day: datetime.date, hour: int = 15) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, 0)))


def choose_answers(
    *,
    spec: scoring.InstrumentSpec,
    targets: dict[int, str],
    computed: dict[str, Decimal | None],
) -> dict[int, int]:
    """Answers that give each factor its target level, found by raising answers step by step."""
    answers: dict[int, int] = {}
    factors = {f.code: f for f in spec.factors}
    for code, target in targets.items():
        questions = [i for i in spec.indicators if i.factor_code == code and not i.computed]
        ladders = [sorted(q.options, key=lambda o: o.score) for q in questions]
        steps = [len(ladder) - 1 if target == HIGH else 0 for ladder in ladders]
        factor_spec = scoring.InstrumentSpec(
            version=spec.version,
            factors=(factors[code],),
            indicators=tuple(i for i in spec.indicators if i.factor_code == code),
        )

        def level(current, questions=questions, ladders=ladders, factor_spec=factor_spec):
            chosen = {
                q.id: ladders[n][s].id
                for n, (q, s) in enumerate(zip(questions, current, strict=True))
            }
            result = scoring.score_profile(
                instrument=factor_spec, answers=chosen, computed=computed
            )
            return result[0].level

        if target == MEDIUM:
            n = 0
            while level(steps) == LOW and any(s < len(ladders[k]) - 1 for k, s in enumerate(steps)):
                if steps[n % len(steps)] < len(ladders[n % len(steps)]) - 1:
                    steps[n % len(steps)] += 1
                n += 1
        # soften the extremes a little (real answers are rarely all-worst or all-best)
        delta = {HIGH: -1, LOW: 1}.get(target, 0)
        for k in range(len(steps)) if delta else ():
            trial = [*steps]
            trial[k] = min(max(trial[k] + delta, 0), len(ladders[k]) - 1)
            if k % 2 == 0 and level(trial) == target:
                steps = trial
        for q, ladder, s in zip(questions, ladders, steps, strict=True):
            answers[q.id] = ladder[s].id
    return answers


def _submit(
    questionnaire: Questionnaire,
    targets: dict[int, str],
    submitted_at: datetime.datetime,
    user: User | None,
) -> None:
    if questionnaire.status == QuestionnaireStatus.SUBMITTED:
        return
    spec = services.instrument_spec(instrument=questionnaire.instrument)
    year = services.school_year_end(questionnaire.cycle.opens_on)
    computed, _years = services.computed_values_for(
        organisation=questionnaire.organisation, year=year
    )
    answers = choose_answers(spec=spec, targets=targets, computed=computed)
    questionnaire.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(questionnaire=questionnaire, indicator_id=i, option_id=o) for i, o in answers.items()
    )
    Questionnaire.objects.filter(pk=questionnaire.pk).update(
        status=QuestionnaireStatus.SUBMITTED,
        submitted_at=submitted_at,
        submitted_by=user,
        updated_at=submitted_at,
        updated_by=user,
        version=1,
    )
    questionnaire.refresh_from_db()
    services.profile_compute(
        questionnaire=questionnaire, spec=spec, answers=answers, computed_at=submitted_at
    )


def _cycle(
    *,
    municipality: Municipality,
    title: str,
    kind: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    status: str,
    schools: list[Organisation],
    instrument: Instrument,
    user: User | None,
) -> Cycle:
    cycle = ensure(
        Cycle,
        municipality=municipality,
        title=title,
        defaults={
            "kind": kind,
            "opens_on": opens_on,
            "closes_on": closes_on,
            "created_by": user,
        },
    )
    if cycle.instrument_id is None:
        cycle.instrument = instrument
        cycle.save(update_fields=["instrument"])
    cycle.schools.add(*schools)
    for school in schools:
        Questionnaire.objects.get_or_create(
            cycle=cycle, organisation=school, defaults={"instrument": cycle.instrument}
        )
    # status last, so submitting into a closed cycle works while seeding
    cycle._demo_status = status
    return cycle


def _directors(orgs: dict[str, Organisation]) -> dict[int, User]:
    rows = RoleAssignment.objects.filter(
        role=Role.DIRECTOR, organisation__in=orgs.values()
    ).select_related("user")
    return {r.organisation_id: r.user for r in rows}


def ensure_reference_data() -> None:
    """Restore the factors and instrument v1 of the data migrations if a flush removed them
    (transactional tests flush every table, migration data included)."""
    from django.apps import apps as django_apps

    for name in ("0002_fill_risk_factors", "0004_fill_instrument"):
        module = importlib.import_module(f"diagnostics.migrations.{name}")
        module.fill(django_apps, None)


@transaction.atomic
def run() -> dict[str, int]:
    from schools.demo import MUNICIPALITY

    ensure_reference_data()

    municipality = Municipality.objects.get(name=MUNICIPALITY)
    orgs = {o.short_name: o for o in Organisation.objects.filter(municipality=municipality)}
    instrument = current_instrument(region_id=municipality.region_id)
    methodist = User.objects.filter(email="methodist@demo.local").first()
    curator = User.objects.filter(email="curator@demo.local").first()
    directors = _directors(orgs)
    today = timezone.localdate()
    start = _school_year_start(today)

    # «500+» history of СОШ № 3
    past = _cycle(
        municipality=municipality,
        title="Входная диагностика проекта «500+», 2023/24",
        kind=CycleKind.ENTRY,
        opens_on=datetime.date(2023, 10, 2),
        closes_on=datetime.date(2023, 10, 31),
        status=CycleStatus.CLOSED,
        schools=[orgs[n] for n in PROJECT_500_TARGETS],
        instrument=instrument,
        user=methodist,
    )
    entry = _cycle(
        municipality=municipality,
        title=f"Входная диагностика {start}/{str(start + 1)[-2:]}",
        kind=CycleKind.ENTRY,
        opens_on=datetime.date(start, 9, 15),
        closes_on=datetime.date(start, 10, 15),
        status=CycleStatus.CLOSED,
        schools=[orgs[n] for n in ENTRY_TARGETS],
        instrument=instrument,
        user=methodist,
    )
    intermediate = _cycle(
        municipality=municipality,
        title=f"Промежуточная диагностика {start}/{str(start + 1)[-2:]}",
        kind=CycleKind.INTERMEDIATE,
        opens_on=today - datetime.timedelta(days=7),
        closes_on=today + datetime.timedelta(days=30),
        status=CycleStatus.OPEN,
        schools=[orgs[n] for n in INTERMEDIATE_SCHOOLS],
        instrument=instrument,
        user=methodist,
    )
    profiles = 0
    for cycle, targets, day in (
        (past, PROJECT_500_TARGETS, datetime.date(2023, 10, 20)),
        (entry, ENTRY_TARGETS, datetime.date(start, 10, 5)),
        (intermediate, INTERMEDIATE_SUBMITTED, today - datetime.timedelta(days=2)),
    ):
        for offset, (name, target) in enumerate(sorted(targets.items())):
            questionnaire = Questionnaire.objects.select_related(
                "cycle", "organisation", "instrument"
            ).get(cycle=cycle, organisation=orgs[name])
            _submit(
                questionnaire, target, _aware(day, 9 + offset % 8), directors.get(orgs[name].pk)
            )
            profiles += 1
    # the other intermediate questionnaires start from each school's last submitted answers,
    # marked «перенесено» until confirmed, as a cycle opened in the portal does (issue 15)
    from .services import questionnaire_carry_over

    questionnaire_carry_over(
        questionnaires=list(
            Questionnaire.objects.filter(
                cycle=intermediate, status=QuestionnaireStatus.DRAFT, answers__isnull=True
            ).exclude(organisation=orgs["МОБУ «ООШ № 1»"])
        )
    )
    # a draft in progress at ООШ № 1
    draft = Questionnaire.objects.get(cycle=intermediate, organisation=orgs["МОБУ «ООШ № 1»"])
    if not draft.answers.exists():
        first = list(
            instrument.indicators.filter(kind="question")
            .prefetch_related("options")
            .order_by("factor__code", "order")[:9]
        )
        Answer.objects.bulk_create(
            Answer(questionnaire=draft, indicator=i, option=i.options.all()[1]) for i in first
        )
        Questionnaire.objects.filter(pk=draft.pk).update(
            version=1,
            updated_at=timezone.now(),
            updated_by=directors.get(orgs["МОБУ «ООШ № 1»"].pk),
        )
    for cycle in (past, entry, intermediate):
        Cycle.objects.filter(pk=cycle.pk).exclude(status=cycle._demo_status).update(
            status=cycle._demo_status
        )

    # the director of СОШ № 5 names the demo teacher to the self-diagnosis team
    teacher = User.objects.filter(email="teacher@demo.local").first()
    director = directors.get(orgs["МОБУ «СОШ № 5»"].pk)
    if teacher:
        TeamMember.objects.get_or_create(
            organisation=orgs["МОБУ «СОШ № 5»"], user=teacher, defaults={"added_by": director}
        )

    _survey(municipality, orgs, today, methodist)
    _stages(orgs, start, curator, methodist)
    return {"profiles": profiles}


def _survey(
    municipality: Municipality,
    orgs: dict[str, Organisation],
    today: datetime.date,
    user: User | None,
) -> None:
    survey = TeacherSurvey.objects.filter(
        municipality=municipality, title__startswith="Диагностика профессиональных затруднений"
    ).first()
    if survey is None:
        survey = services.survey_create(
            municipality=municipality,
            title="Диагностика профессиональных затруднений педагогов",
            schools=[
                orgs[n]
                for n in ("МОБУ «СОШ № 5»", "МОБУ «СОШ № 2»", "МОБУ «СОШ № 3»", "МОБУ «СОШ № 47»")
            ],
            opens_on=today - datetime.timedelta(days=5),
            closes_on=today + datetime.timedelta(days=25),
            min_responses=5,
            user=user,
        )
    else:
        TeacherSurvey.objects.filter(pk=survey.pk).exclude(
            opens_on=today - datetime.timedelta(days=5),
            closes_on=today + datetime.timedelta(days=25),
        ).update(
            opens_on=today - datetime.timedelta(days=5),
            closes_on=today + datetime.timedelta(days=25),
        )
    if survey.responses.exists():
        return
    valid = set(TeacherNeed.values)
    for name, answers in SURVEY_ANSWERS.items():
        for needs, difficulties, support in answers:
            response = SurveyResponse.objects.create(
                id=uuid.uuid4(),
                survey=survey,
                organisation=orgs[name],
                difficulties=difficulties,
                support_wanted=support,
                answered_on=today - datetime.timedelta(days=2),
            )
            SurveyNeed.objects.bulk_create(
                SurveyNeed(response=response, need=n) for n in needs if n in valid
            )
        services.survey_publish(survey=survey, organisation_id=orgs[name].pk, force=True)


STAGES = {
    "МОБУ «СОШ № 5»": [
        (1, (9, 10), "Приказ о проведении самодиагностики, создана управленческая команда.", ""),
        (
            2,
            (10, 20),
            "Входной рисковый профиль: высокие риски — доля обучающихся с ОВЗ и учебная неуспешность. Заключён договор о сотрудничестве с СОШ № 9.",
            "",
        ),
    ],
    "МОБУ «СОШ № 3»": [
        (1, (-3, 9, 25), "Школа вошла в проект «500+», запущена самодиагностика.", ""),
        (2, (-3, 10, 25), "Определены факторы риска по итогам входной диагностики «500+».", ""),
        (
            3,
            (-2, 3, 1),
            "Утверждены концепция и программа развития школы на 2025–2027 годы.",
            "https://example.org/sosh3/programma",
        ),
    ],
    "МОБУ «ООШ № 1»": [
        (1, (9, 20), "Педагогический совет: решение о переходе в эффективный режим работы.", ""),
    ],
}


def _stages(
    orgs: dict[str, Organisation], start: int, curator: User | None, methodist: User | None
) -> None:
    for name, records in STAGES.items():
        for stage, when, evidence, link in records:
            if len(when) == 3:
                day = datetime.date(start + when[0] + (1 if when[1] < 9 else 0), when[1], when[2])
            else:
                day = datetime.date(start, *when)
            ensure(
                StageRecord,
                organisation=orgs[name],
                stage=stage,
                defaults={
                    "reached_on": day,
                    "evidence": evidence,
                    "evidence_link": link,
                    "set_by": curator if name != "МОБУ «ООШ № 1»" else methodist,
                },
            )
