"""The data version of a report changes with everything the report prints, and only then.

An unchanged version means the ready PDF is handed out again without a rebuild, so a version
that misses something the PDF shows serves a stale report as "unchanged". Each case changes
one printed fact with a plain ``UPDATE`` (no ``updated_at`` moves) and checks that the new value
reaches the report's context and that the version moved.
"""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.utils import timezone

from diagnostics.models import FactorLevel, RiskFactor
from events.models import Event, Registration
from network_portal.accounts.models import User
from partnerships.models import Agreement, Partnership
from roadmaps.models import EngagementConcern, QuarterRating, RoadmapItem
from schools.models import CategoryAssignment, Municipality, Organisation
from tests.factories import UserFactory

from .factories import AgreementFactory
from .helpers import school_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def report(world, users):
    """A school with history, a curator's rating, a concern, an agreement and a named
    responsible person, and a way to get the version and the context of each of its reports."""
    from reports.documents import _version, report_context
    from reports.selectors import Period

    history = school_with_history(world)
    person = UserFactory(first_name="Ольга", last_name="Кузнецова")
    RoadmapItem.objects.filter(pk=history.late.pk).update(
        responsible_user=person, responsible_person=""
    )
    rating = QuarterRating.objects.create(
        roadmap=history.roadmap,
        year=2026,
        quarter=1,
        rating="amber",
        reason="Отстаём по родительскому всеобучу",
        rated_by=users.curator,
    )
    concern = EngagementConcern.objects.create(
        organisation=world.school, roadmap=history.roadmap, text="Школа не выходит на связь"
    )
    agreement = AgreementFactory(partnership=history.partnership, number="12-2026")
    today = timezone.localdate()
    period = {"start": "2025-09-01", "end": today.isoformat()}
    subjects = {
        "school": world.school.pk,
        "partnership": history.partnership.pk,
        "municipality": world.mun.pk,
    }

    def params(subject: str) -> dict:
        return {"subject": subject, "id": subjects[subject], **period, "user": users.curator.pk}

    def version(subject: str) -> str:
        return _version(params(subject))

    def context(subject: str) -> str:
        return repr(
            report_context(
                subject=subject,
                pk=subjects[subject],
                period=Period.from_params(period),
                printed_by=str(User.objects.get(pk=users.curator.pk)),
                printed_at=timezone.localtime(),
            )
        )

    return SimpleNamespace(
        history=history,
        person=person,
        rating=rating,
        concern=concern,
        agreement=agreement,
        version=version,
        context=context,
        world=world,
        users=users,
    )


def _rating_red(r):
    QuarterRating.objects.filter(pk=r.rating.pk).update(rating="red")
    return "Red: off track", "Красный"


def _rating_reason(r):
    QuarterRating.objects.filter(pk=r.rating.pk).update(reason="Нет отчёта за квартал")
    return "Нет отчёта за квартал"


def _concern_resolved(r):
    EngagementConcern.objects.filter(pk=r.concern.pk).update(
        resolved_at=timezone.now(), resolution="Назначен новый координатор"
    )
    return "Назначен новый координатор"


def _concern_raised(r):
    EngagementConcern.objects.create(organisation=r.world.school, text="Срыв сроков отчёта")
    return "Срыв сроков отчёта"


def _agreement_number(r):
    Agreement.objects.filter(pk=r.agreement.pk).update(number="77-2026")
    return "77-2026"


def _agreement_valid_until(r):
    Agreement.objects.filter(pk=r.agreement.pk).update(valid_until=date(2027, 6, 30))
    return "2027, 6, 30"


def _director_name(r):
    Organisation.objects.filter(pk=r.world.school.pk).update(director_name="Смирнова Анна Петровна")
    return "Смирнова Анна Петровна"


def _full_name(r):
    Organisation.objects.filter(pk=r.world.school.pk).update(
        full_name="Муниципальное автономное общеобразовательное учреждение «СОШ № 5»"
    )
    return "Муниципальное автономное общеобразовательное учреждение"


def _partner_name(r):
    Organisation.objects.filter(pk=r.world.leader.pk).update(short_name="МАОУ «Лицей № 9»")
    return "МАОУ «Лицей № 9»"


def _partnership_title(r):
    Partnership.objects.filter(pk=r.history.partnership.pk).update(title="Сетевой округ «Север»")
    return "Сетевой округ «Север»"


def _partnership_status(r):
    Partnership.objects.filter(pk=r.history.partnership.pk).update(status="completed")
    return "Completed", "Завершена"


def _municipality_name(r):
    Municipality.objects.filter(pk=r.world.mun.pk).update(name="Северный округ")
    return "Северный округ"


def _event_title(r):
    Event.objects.filter(pk=r.history.event.pk).update(title="Педсовет «Оценивание»")
    return "Педсовет «Оценивание»"


def _attendance(r):
    Registration.objects.filter(event=r.history.event).update(attended=False)
    return "'attended': 0"


def _responsible_name(r):
    User.objects.filter(pk=r.person.pk).update(last_name="Кузнецова-Орлова")
    return "Кузнецова-Орлова"


def _factor_name(r):
    RiskFactor.objects.filter(code=6).update(name="Много обучающихся с рисками неуспешности")
    return "Много обучающихся с рисками неуспешности"


def _factor_level(r):
    FactorLevel.objects.filter(
        profile__organisation=r.world.school, factor__code=10, level="low"
    ).update(level="high")
    return "'now_level': 'high'"


def _category(r):
    CategoryAssignment.objects.filter(organisation=r.world.school).update(category="shnor")
    return "ШНОР"


def _printed_by(r):
    User.objects.filter(pk=r.users.curator.pk).update(first_name="Мария", last_name="Петрова")
    return "Петрова"


CHANGES = {
    "a curator's rating turns red": (_rating_red, ("school", "partnership", "municipality")),
    "a rating's reason": (_rating_reason, ("school", "municipality")),
    "a concern is resolved": (_concern_resolved, ("school", "municipality")),
    "a concern is raised": (_concern_raised, ("school", "partnership", "municipality")),
    "an agreement's number": (_agreement_number, ("partnership",)),
    "an agreement's term": (_agreement_valid_until, ("partnership",)),
    "the director's name": (_director_name, ("school", "partnership", "municipality")),
    "the school's full name": (_full_name, ("school",)),
    "a partner school's name": (_partner_name, ("school", "partnership")),
    "the partnership's title": (_partnership_title, ("school", "partnership")),
    "the partnership's status": (_partnership_status, ("school", "partnership")),
    "the municipality's name": (_municipality_name, ("school", "municipality")),
    "an event's title": (_event_title, ("school", "partnership", "municipality")),
    "attendance": (_attendance, ("school",)),
    "the responsible person's name": (_responsible_name, ("school", "municipality")),
    "a risk factor's name": (_factor_name, ("school",)),
    "a risk level": (_factor_level, ("school",)),
    "the category": (_category, ("school", "municipality")),
    "who prints it": (_printed_by, ("school", "partnership", "municipality")),
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_change_the_report_prints_gives_a_new_version(report, change):
    mutate, subjects = CHANGES[change]
    before = {s: report.version(s) for s in subjects}
    assert before == {s: report.version(s) for s in subjects}, "the same data, the same version"
    shown = mutate(report)
    for subject in subjects:
        context = report.context(subject)
        expected = shown if isinstance(shown, tuple) else (shown,)
        assert any(text in context for text in expected), f"{subject}: {change} not printed"
        assert report.version(subject) != before[subject], f"{subject}: {change} kept the version"


def test_the_version_moves_with_the_day_overdue_items_are_judged_by(report, users, world):
    """Until its end a period's report is judged as of today (items fall overdue day by day);
    after its end, as of its last day, so it stays the same."""
    import time_machine

    from reports.documents import _version

    today = timezone.localdate()
    params = {"subject": "school", "id": world.school.pk, "user": users.curator.pk}
    running = {**params, "start": "2025-09-01", "end": f"{today.year + 1}-08-31"}
    closed = {**params, "start": "2024-09-01", "end": "2025-08-31"}
    versions = {"running": _version(running), "closed": _version(closed)}
    with time_machine.travel(timezone.now() + timezone.timedelta(days=1)):
        assert _version(running) != versions["running"]
        assert _version(closed) == versions["closed"]


def test_a_change_outside_the_report_keeps_the_version(report, world):
    before = report.version("school")
    Organisation.objects.filter(pk=world.other_school.pk).update(director_name="Другой Директор")
    QuarterRating.objects.filter(pk=report.rating.pk).update(rated_at=timezone.now())
    assert report.version("school") == before


def test_the_version_runs_a_bounded_number_of_queries(report, world, django_assert_num_queries):
    from reports.documents import _version

    params = {
        "subject": "bundle",
        "ids": [world.school.pk],
        "start": "2025-09-01",
        "end": "2026-08-31",
    }
    with django_assert_num_queries(BUNDLE_QUERIES):
        _version(params)
    school_with_history(SimpleNamespace(**{**vars(world), "school": world.other_school}))
    params["ids"] = [world.school.pk, world.other_school.pk]
    with django_assert_num_queries(BUNDLE_QUERIES):
        _version(params)


#: report_data_load's fixed set of queries and the printer's name (none: no user given).
BUNDLE_QUERIES = 14
