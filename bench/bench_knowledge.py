"""The practice bank and the mentor bank at region scale (issue 18).

Builds a throw-away database (SQLite in a temporary folder unless ``DATABASE_URL`` is given; on
PostgreSQL use a database of its own, e.g. ``portal_bench_knowledge``): a region of
``--municipalities`` municipalities and schools with coordinates, ``--practices`` practices of
generated Russian text (published, with risk factors, subjects, grades and forms) and
``--mentors`` mentors with expertise and mentorships taking some places. Then measures:

* full-text search of the bank (``selectors.practice_filter`` as the list page runs it: count
  and the first page of 20 with their factors and forms), for ten queries of one to three
  words, alone and with a filter; and the whole list page through the test client;
* mentor suggestions for a school (``matching.suggest_for_school``: its survey needs, its high
  factors, every active mentor of the region ranked) and the suggestion page;
* the number of SQL queries of the list pages at a tenth of the size and at the full size.

Usage: ``.venv/bin/python bench/bench_knowledge.py [--practices 10000] [--mentors 2000]
[--runs 30]``. Prints a table; exits non-zero only on error. Budgets: search p95 < 150 ms,
suggestions p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
TMP = tempfile.mkdtemp(prefix="bench_knowledge_")
os.environ.setdefault("DATABASE_URL", f"sqlite:///{TMP}/bench.sqlite3")
os.environ.setdefault("PRIVATE_MEDIA_ROOT", f"{TMP}/private")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_portal.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

SEARCH_BUDGET_MS = 150
SUGGEST_BUDGET_MS = 300

TOPICS = [
    "обучение детей с ОВЗ в обычном классе", "адаптированные образовательные программы",
    "формирующее оценивание на уроках математики", "подготовка к ОГЭ по русскому языку",
    "мотивация слабых учеников", "вовлечение родителей в жизнь школы",
    "цифровые инструменты и дистанционное обучение", "функциональная грамотность",
    "наставничество молодых педагогов", "профилактика выгорания учителей",
    "проектная и исследовательская деятельность", "билингвальные дети и языковые барьеры",
    "сетевая олимпиадная подготовка", "совместное пользование лабораториями",
    "методический десант школы-лидера", "взаимопосещение уроков с обсуждением",
]  # fmt: skip
WORDS = [
    "учителя",
    "школы",
    "ученики",
    "класс",
    "урок",
    "методика",
    "результаты",
    "доля",
    "снизилась",
    "выросла",
    "опыт",
    "семинар",
    "консультация",
    "стажировка",
    "программа",
    "команда",
    "директор",
    "родители",
    "собрание",
    "диагностика",
    "профиль",
    "риск",
    "фактор",
    "мероприятие",
    "дорожная",
    "карта",
    "школа-лидер",
    "партнёр",
]
QUERIES = [
    "ОВЗ", "обучение детей", "формирующее оценивание", "родителей", "мотивации учеников",
    "наставничество педагогов", "ОГЭ русский язык", "дистанционного обучения",
    "выгорание", "лаборатории школы-лидера",
]  # fmt: skip


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def build(n_municipalities: int, n_practices: int, n_mentors: int, *, seed: int = 18):
    from diagnostics.models import (
        FactorLevel,
        RiskFactor,
        RiskProfile,
        SurveyNeed,
        SurveyResponse,
        TeacherNeed,
        TeacherSurvey,
    )
    from knowledge.models import TAKING_PLACE, Mentor, Mentorship, Practice
    from knowledge.search import fill_vectors, stems_text
    from network_portal.accounts.models import Role, RoleAssignment, User
    from partnerships.models import FormOfInteraction
    from schools.models import Municipality, Organisation, Region

    rng = random.Random(seed)
    region = Region.objects.create(name="Бенчмарк-область")
    municipalities = Municipality.objects.bulk_create(
        Municipality(
            region=region,
            name=f"Округ {i}",
            latitude=55 + rng.random() * 3,
            longitude=37 + rng.random() * 5,
        )
        for i in range(n_municipalities)
    )
    schools = Organisation.objects.bulk_create(
        Organisation(
            municipality=m,
            short_name=f"МОБУ «СОШ № {i}»",
            full_name=f"Школа {m.name} {i}",
            latitude=float(m.latitude) + rng.uniform(-0.2, 0.2),
            longitude=float(m.longitude) + rng.uniform(-0.2, 0.2),
        )
        for m in municipalities
        for i in range(1, 31)
    )
    factors = list(RiskFactor.objects.all())
    forms = list(FormOfInteraction.objects.all())
    subjects = ["russian", "math", "physics", "biology", "history", "english"]
    now = timezone.now()
    practices = []
    for i in range(n_practices):
        topic = rng.choice(TOPICS)
        title = f"{topic.capitalize()} — опыт № {i}"
        body = " ".join([topic, *rng.sample(WORDS, 18), rng.choice(TOPICS), *rng.sample(WORDS, 18)])
        practices.append(
            Practice(
                title=title,
                municipality=rng.choice(municipalities),
                status="published",
                problem=body[:200],
                actions=body,
                results=" ".join(rng.sample(WORDS, 12)),
                subjects=f",{rng.choice(subjects)},",
                grades=",".join(["", *map(str, sorted(rng.sample(range(1, 12), 3))), ""]),
                proved_effect=rng.random() < 0.4,
                published_at=now - timedelta(days=rng.randint(0, 900)),
                search_text=f"{title}\n{body}",
                search_stems=stems_text(title, body),
            )
        )
    practices = Practice.objects.bulk_create(practices, batch_size=1000)
    fill_vectors(Practice.objects.all())
    Practice.risk_factors.through.objects.bulk_create(
        [
            Practice.risk_factors.through(practice_id=p.pk, riskfactor_id=f.pk)
            for p in practices
            for f in rng.sample(factors, 2)
        ],
        batch_size=5000,
    )
    Practice.forms.through.objects.bulk_create(
        [
            Practice.forms.through(practice_id=p.pk, formofinteraction_id=f.pk)
            for p in practices
            for f in rng.sample(forms, 2)
        ],
        batch_size=5000,
    )
    needs = [c for c, _ in TeacherNeed.choices]
    mentors = Mentor.objects.bulk_create(
        Mentor(
            full_name=f"Наставник {i}",
            municipality=(_m := rng.choice(municipalities)),
            organisation=rng.choice(schools[: len(schools)]),
            needs=",".join(["", *rng.sample(needs, 3), ""]),
            capacity=rng.randint(1, 4),
            email=f"m{i}@bench.example",
        )
        for i in range(n_mentors)
    )
    Mentor.risk_factors.through.objects.bulk_create(
        [
            Mentor.risk_factors.through(mentor_id=m.pk, riskfactor_id=f.pk)
            for m in mentors
            for f in rng.sample(factors, 3)
        ],
        batch_size=5000,
    )
    Mentorship.objects.bulk_create(
        Mentorship(
            mentor=m,
            organisation=rng.choice(schools),
            mentee="Команда",
            topic="т",
            status=rng.choice(TAKING_PLACE),
        )
        for m in rng.sample(mentors, n_mentors // 3)
    )
    # the measured school: a profile with three high factors and a survey over the threshold
    school = schools[0]
    profile = RiskProfile.objects.create(organisation=school, computed_at=now)
    FactorLevel.objects.bulk_create(
        FactorLevel(profile=profile, factor=f, level=lvl, score=0)
        for f, lvl in zip(factors, ["high"] * 3 + ["medium"] * 3 + ["low"] * 4, strict=False)
    )
    survey = TeacherSurvey.objects.create(
        municipality=school.municipality,
        title="Опрос",
        token=uuid.uuid4().hex,
        opens_on=date.today(),
        closes_on=date.today(),
    )
    for _ in range(12):
        r = SurveyResponse.objects.create(
            id=uuid.uuid4(), survey=survey, organisation=school, answered_on=date.today()
        )
        SurveyNeed.objects.bulk_create(SurveyNeed(response=r, need=n) for n in rng.sample(needs, 3))
    methodist = User.objects.create(email="bench-methodist@example.test", first_name="М")
    RoleAssignment.objects.create(
        user=methodist, role=Role.METHODOLOGIST, municipality=school.municipality
    )
    return school, methodist


def timed(fn, runs: int, cpu: list[float] | None = None) -> tuple[list[float], int]:
    """Wall times (ms) of ``runs`` calls after a warm-up, and queries per call; the CPU time
    of this process per call is added to ``cpu`` (it does not grow with other processes'
    load, the wall time does)."""
    fn()  # warm up
    counter = QueryCounter()
    times = []
    cpu = cpu if cpu is not None else []
    with connection.execute_wrapper(counter):
        for _ in range(runs):
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
    return times, counter.count // runs


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 20 else max(values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--practices", type=int, default=10_000)
    parser.add_argument("--mentors", type=int, default=2_000)
    parser.add_argument("--municipalities", type=int, default=40)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    from diagnostics.card import current_levels
    from knowledge import matching, selectors

    t0 = time.perf_counter()
    from diagnostics.models import RiskProfile
    from network_portal.accounts.models import User

    existing = RiskProfile.objects.filter(
        organisation__municipality__region__name="Бенчмарк-область"
    ).first()
    if existing is not None:  # a database built by an earlier run: measure it again
        school = existing.organisation
        methodist = User.objects.get(email="bench-methodist@example.test")
    else:
        school, methodist = build(args.municipalities, args.practices, args.mentors)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"built in {time.perf_counter() - t0:.0f} s on {connection.vendor}, "
        f"load average {os.getloadavg()[0]:.1f}"
    )

    def search(q: str, **filters):
        def run():
            qs = selectors.practice_filter(
                selectors.practice_list_for_user(user=methodist), q=q, **filters
            )
            qs.count()
            list(selectors.practice_rows(qs)[:20])

        return run

    rows = []

    def measure(name: str, fns) -> None:
        times: list[float] = []
        cpu: list[float] = []
        queries = 0
        for fn in fns:
            t, queries = timed(fn, args.runs, cpu)
            times += t
        rows.append((name, queries, times, cpu))

    from diagnostics.models import RiskFactor

    factor = RiskFactor.objects.get(code=9)
    measure("search, 10 queries (count + page of 20)", [search(q) for q in QUERIES])
    measure(
        "search + factor + proved effect",
        [search(q, factor=factor, effect="yes") for q in QUERIES],
    )
    client = Client()
    client.force_login(methodist)
    list_url = reverse("knowledge:practice_list")
    measure(
        "list page with a query (test client)",
        [lambda: client.get(list_url, {"q": "обучение детей"})],
    )

    class Request:
        pass

    def suggest():
        matching.suggest_for_school(organisation=school, levels=current_levels(Request(), school))

    measure(f"mentor suggestions over {args.mentors} mentors", [suggest])
    suggest_url = reverse("knowledge:mentor_suggest", args=[school.pk])
    measure("suggestion page (test client)", [lambda: client.get(suggest_url)])
    mentors_url = reverse("knowledge:mentor_list")
    measure("mentor list page (test client)", [lambda: client.get(mentors_url)])

    print("| figure | queries | p50 | p95 | CPU p50 | budget |\n|---|---:|---:|---:|---:|---:|")
    for name, queries, times, cpu in rows:
        budget = SUGGEST_BUDGET_MS if "suggest" in name else SEARCH_BUDGET_MS
        print(
            f"| {name} | {queries} | {statistics.median(times):.0f} ms | {p95(times):.0f} ms "
            f"| {statistics.median(cpu):.0f} ms | {budget} ms |"
        )


if __name__ == "__main__":
    main()
