"""Demo practices and mentors of the Северогорский округ (seed 001), drawn from its work:

* the practice of the СОШ № 5 — СОШ № 9 pair on pupils with ОВЗ (published, open to the
  public; results attached from the pair's risk profiles, roadmap and the methodical day held);
* the parents' meetings of СОШ № 3 with Гимназия № 1 (published);
* formative assessment from the Гимназия № 1 master class (waiting for the methodologist);
* five mentors of leader schools and the ИМО, one of them with no free place, and a
  mentorship of a СОШ № 5 teacher with a meeting tomorrow and a goal.

Idempotent: practices are found by title, mentors by name, the mentorship by mentor and mentee.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from diagnostics.models import RiskFactor
from network_portal.accounts.models import User
from partnerships.models import FormOfInteraction, Partnership
from schools.models import Municipality, Organisation

from .models import (
    Mentor,
    Mentorship,
    MentorshipGoal,
    MentorshipMeeting,
    MentorshipStatus,
    Practice,
    PracticeStatus,
    codes_to_text,
)
from .services import practice_reindex, practice_take_results

PAIR = "Сетевая пара МОБУ «СОШ № 5» — МОБУ «СОШ № 9»"
PARENTS_PAIR = "Сетевая пара МОБУ «СОШ № 3» — МАОУ «Гимназия № 1»"
OVZ_PRACTICE = "Инклюзивный класс без барьеров: опыт сетевой пары СОШ № 5 — СОШ № 9"

# title, status, public, pair, factors, subjects, grades, forms, authors, problem, actions,
# measure, months, results
PRACTICES = [
    (
        OVZ_PRACTICE,
        PracticeStatus.PUBLISHED,
        True,
        PAIR,
        [9, 6],
        ["russian", "math"],
        [5, 6, 7, 8, 9],
        ["Наставничество", "Взаимопосещение уроков с обсуждением", "Методические дни"],
        ["МОБУ «СОШ № 5»", "МОБУ «СОШ № 9»", "ГАПОУ «Северогорский политехнический колледж»"],
        "В СОШ № 5 высокая доля обучающихся с ОВЗ и рисками учебной неуспешности; учителя "
        "обычных классов не владели приёмами инклюзивного урока, адаптированные программы "
        "писались формально.",
        "Учителя СОШ № 5 посещали уроки в инклюзивных классах СОШ № 9 и разбирали их с "
        "педагогом-психологом и учителем-дефектологом; каждому учителю назначен наставник; "
        "проведён методический день по адаптированным программам; колледж предоставил "
        "мастерские для профпроб.",
        "Методический день «Обучение детей с ОВЗ» со школой-лидером: открытые уроки в "
        "инклюзивных классах, разбор адаптированных программ, консультации дефектолога.",
        9,
        "Все учителя 5–9 классов прошли взаимопосещение и переписали адаптированные программы; "
        "фактор «Обучающиеся с ОВЗ» снизился с высокого риска.",
    ),
    (
        "Совместные родительские собрания школы и гимназии",
        PracticeStatus.PUBLISHED,
        True,
        PARENTS_PAIR,
        [10],
        [],
        [5, 6, 7, 8, 9],
        ["Совместные родительские собрания", "Семинары"],
        ["МОБУ «СОШ № 3»", "МАОУ «Гимназия № 1»"],
        "Родители СОШ № 3 не приходили на собрания и не участвовали в жизни школы.",
        "Родительские собрания проводились вместе с гимназией: тематические встречи, "
        "мастер-классы учителей, клуб родителей девятиклассников.",
        "Совместное родительское собрание со школой-партнёром раз в четверть.",
        6,
        "Посещаемость собраний выросла, родители вошли в управляющий совет.",
    ),
    (
        "Формирующее оценивание на уроках математики",
        PracticeStatus.REVIEW,
        False,
        None,
        [6, 3],
        ["math"],
        [5, 6, 7, 8, 9],
        ["Семинары", "Взаимопосещение уроков с обсуждением"],
        ["МАОУ «Гимназия № 1»"],
        "Учителя математики не умеют объяснить ученику, чего ему не хватает до «3».",
        "Серия мастер-классов: листы самооценки, критерии успеха, обратная связь на уроке.",
        "Мастер-класс по формирующему оцениванию для учителей математики.",
        3,
        "Учителя применяют листы самооценки в 5–7 классах.",
    ),
]

# name, organisation, position, factors, needs, subjects, forms, capacity, availability
MENTORS = [
    (
        "Кузнецова Ольга Викторовна",
        "МОБУ «СОШ № 9»",
        "учитель-дефектолог",
        [9, 6],
        ["ovz", "motivation"],
        ["russian"],
        ["Наставничество", "«Педагог–педагогу»"],
        3,
        "по вторникам после 14:00",
    ),
    (
        "Лебедев Андрей Николаевич",
        "МАОУ «Гимназия № 1»",
        "учитель математики",
        [6, 3],
        ["assessment", "methods", "subject"],
        ["math"],
        ["Методический десант", "Наставничество"],
        2,
        "по средам, онлайн",
    ),
    (
        "Морозова Ирина Сергеевна",
        "МАОУ «Гимназия № 1»",
        "заместитель директора",
        [10],
        ["parents", "classroom"],
        [],
        ["«Опытные–молодым»"],
        2,
        "раз в две недели",
    ),
    (
        "Федотова Нина Эдуардовна",
        "МКУ «Информационно-методический отдел»",
        "методист",
        [3, 2],
        ["methods", "burnout", "digital"],
        [],
        ["Методический десант", "Постоянно действующий семинар"],
        4,
        "по договорённости",
    ),
    (
        "Соловьёва Марина Петровна",
        "МОБУ «СОШ № 9»",
        "педагог-психолог",
        [9],
        ["ovz", "burnout"],
        [],
        ["Наставничество"],
        1,
        "по четвергам",
    ),
]


def _practices(municipality, orgs, methodist) -> int:
    forms = {f.name: f for f in FormOfInteraction.objects.all()}
    factors = {f.code: f for f in RiskFactor.objects.all()}
    pairs = {p.title: p for p in Partnership.objects.filter(municipality=municipality)}
    written = 0
    for (title, status, public, pair, codes, subjects, grades, form_names, authors,
         problem, actions, measure, months, results) in PRACTICES:  # fmt: skip
        if Practice.objects.filter(municipality=municipality, title=title).exists():
            continue
        partnership = pairs.get(pair) if pair else None
        practice = Practice.objects.create(
            title=title,
            municipality=municipality,
            status=status,
            is_public=public,
            problem=problem,
            actions=actions,
            measure=measure,
            duration_months=months,
            results=results,
            subjects=codes_to_text(subjects),
            grades=codes_to_text(grades),
            partnership=partnership,
            network=partnership.network if partnership else None,
            created_by=methodist,
            reviewed_by=methodist if status == PracticeStatus.PUBLISHED else None,
            published_at=timezone.now() if status == PracticeStatus.PUBLISHED else None,
        )
        practice.risk_factors.set([factors[c] for c in codes])
        practice.forms.set([forms[n] for n in form_names if n in forms])
        practice.author_organisations.set([orgs[n] for n in authors if n in orgs])
        practice_reindex(practice)
        practice_take_results(practice=practice)
        written += 1
    return written


def _mentors(municipality, orgs) -> dict[str, Mentor]:
    forms = {f.name: f for f in FormOfInteraction.objects.all()}
    factors = {f.code: f for f in RiskFactor.objects.all()}
    mentors = {}
    for name, org, position, codes, needs, subjects, form_names, capacity, when in MENTORS:
        mentor = Mentor.objects.filter(full_name=name, municipality=municipality).first()
        if mentor is None:
            mentor = Mentor.objects.create(
                full_name=name,
                municipality=municipality,
                organisation=orgs.get(org),
                position=position,
                needs=codes_to_text(needs),
                subjects=codes_to_text(subjects),
                capacity=capacity,
                availability=when,
                email=f"mentor{len(mentors) + 1}@severogorsk.example",
                phone=f"+7 (8182) 40-1{len(mentors)}-0{len(mentors)}",
                experience=f"{position.capitalize()}, опыт сетевой работы в округе.",
            )
            mentor.risk_factors.set([factors[c] for c in codes])
            mentor.forms.set([forms[n] for n in form_names if n in forms])
        mentors[name] = mentor
    return mentors


def _mentorship(mentors, orgs, teacher, methodist) -> int:
    school = orgs.get("МОБУ «СОШ № 5»")
    mentor = mentors["Кузнецова Ольга Викторовна"]
    if school is None or Mentorship.objects.filter(mentor=mentor, organisation=school).exists():
        return 0
    today = timezone.localdate()
    mentorship = Mentorship.objects.create(
        mentor=mentor,
        organisation=school,
        mentee_user=teacher,
        mentee=teacher.get_full_name() if teacher else "Учитель математики",
        topic="Адаптированная программа по математике для 7 класса",
        status=MentorshipStatus.ACTIVE,
        started_on=today - dt.timedelta(days=14),
        reasons=[
            "Опыт по фактору высокого риска школы «Высокая доля обучающихся с ОВЗ».",
            "Помогает с затруднением «Обучение детей с ОВЗ» — его назвали 71 % педагогов школы.",
        ],
        created_by=methodist,
    )
    MentorshipGoal.objects.create(
        mentorship=mentorship,
        text="Написать адаптированную программу по математике для 7 класса",
        due_date=today + dt.timedelta(days=30),
    )
    tomorrow = timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(15)))
    MentorshipMeeting.objects.create(
        mentorship=mentorship,
        starts_at=tomorrow,
        topic="Разбор урока в инклюзивном классе",
        place="МОБУ «СОШ № 9», каб. 12",
    )
    # the last place of Соловьёва is taken: the bank shows a mentor without free places
    psychologist = mentors["Соловьёва Марина Петровна"]
    if not psychologist.mentorships.exists():
        Mentorship.objects.create(
            mentor=psychologist,
            organisation=orgs.get("МОБУ «СОШ № 2»") or school,
            mentee="Команда школы",
            topic="Профилактика выгорания",
            status=MentorshipStatus.ACTIVE,
            started_on=today - dt.timedelta(days=40),
            created_by=methodist,
        )
    return 1


def run() -> dict[str, Any]:
    from schools.demo import MUNICIPALITY

    municipality = Municipality.objects.get(name=MUNICIPALITY)
    orgs = {o.short_name: o for o in Organisation.objects.filter(municipality=municipality)}
    methodist = User.objects.filter(email="methodist@demo.local").first()
    teacher = User.objects.filter(email="teacher@demo.local").first()
    practices = _practices(municipality, orgs, methodist)
    mentors = _mentors(municipality, orgs)
    mentorships = _mentorship(mentors, orgs, teacher, methodist)
    return {"practices": practices, "mentors": len(mentors), "mentorships": mentorships}
