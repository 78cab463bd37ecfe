"""Knowledge base pages in the access matrix (tests/security/access_matrix.py) and their objects.

All in ``world.mun``: a draft practice authored by ``world.school`` (created by its director),
a published public one, a material file of the draft, a completed partnership of the school
with ``world.leader``, a held event of the school with a report, a roadmap of the school, a
mentor of the municipality and an active mentorship of the school with a goal.

The mentor bank is read across the region (``outsider`` and ``outsider_director`` work in
another municipality of the same region: they see the card, not the contacts); published
practices by everyone with a role; drafts by the territory and the authors' staff only.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from diagnostics.models import RiskFactor
from events.models import EventReport
from knowledge.models import (
    Mentor,
    Mentorship,
    MentorshipGoal,
    MentorshipStatus,
    Practice,
    PracticeMaterial,
    PracticeStatus,
)
from tests.events.factories import EventFactory
from tests.partnerships.factories import pair
from tests.roadmaps.factories import RoadmapFactory
from tests.security.routes import LOGGED_IN, REDIRECT, SCHOOL_READERS, TERRITORY, Route
from tests.security.routes import everyone as _everyone
from tests.security.routes import public as _public


def _cached(objects, key, make):
    value = getattr(objects, key, None)
    if value is None:
        value = make()
        setattr(objects, key, value)
    return value


def _practice(objects, key, title, status, **kw) -> int:
    def make():
        practice = Practice.objects.create(
            title=title,
            municipality=objects.mun,
            status=status,
            problem="Проблема-маркер",
            actions="Что сделано",
            results="Результат",
            measure="Мероприятие-маркер",
            created_by=objects.director_user,
            published_at=timezone.now() if status == PracticeStatus.PUBLISHED else None,
            **kw,
        )
        practice.risk_factors.set(RiskFactor.objects.filter(code=6))
        practice.author_organisations.set([objects.school])
        return practice

    return _cached(objects, key, make).pk


def draft(objects) -> int:
    return _practice(objects, "k_draft", "Черновик-маркер практики", PracticeStatus.DRAFT)


def published(objects) -> int:
    return _practice(
        objects, "k_published", "Опубликованная практика-маркер", PracticeStatus.PUBLISHED,
        is_public=True,
    )  # fmt: skip


def material(objects) -> int:
    draft(objects)
    return _cached(
        objects,
        "k_material",
        lambda: PracticeMaterial.objects.create(
            practice=objects.k_draft,
            title="Материал-маркер",
            file=ContentFile(b"%PDF-1.4 material", name="material.pdf"),
            file_name="material.pdf",
        ),
    ).pk


def completed_partnership(objects) -> int:
    return _cached(
        objects,
        "k_partnership",
        lambda: pair(supported=objects.school, provider=objects.leader, status="completed"),
    ).pk


def held_event(objects) -> int:
    def make():
        starts = timezone.now() - timedelta(days=5)
        event = EventFactory(
            organiser=objects.school,
            title="Проведённое мероприятие-маркер",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            status="held",
        )
        EventReport.objects.create(event=event, summary="Отчёт", results="Итоги")
        return event

    return _cached(objects, "k_event", make).pk


def adopt_data(objects) -> dict:
    published(objects)
    roadmap = _cached(objects, "k_roadmap", lambda: RoadmapFactory(organisation=objects.school))
    return {"roadmap": roadmap.pk}


def mentor(objects) -> int:
    def make():
        m = Mentor.objects.create(
            full_name="Наставник-маркер",
            municipality=objects.mun,
            organisation=objects.leader,
            capacity=3,
            needs=",ovz,",
            email="mentor-marker@example.test",
        )
        m.risk_factors.set(RiskFactor.objects.filter(code=6))
        return m

    return _cached(objects, "k_mentor", make).pk


def mentorship(objects) -> int:
    mentor(objects)
    return _cached(
        objects,
        "k_mentorship",
        lambda: Mentorship.objects.create(
            mentor=objects.k_mentor,
            organisation=objects.school,
            mentee="Учитель-маркер",
            topic="Тема-маркер",
            status=MentorshipStatus.ACTIVE,
            created_by=objects.director_user,
        ),
    ).pk


def goal(objects) -> int:
    mentorship(objects)
    return _cached(
        objects,
        "k_goal",
        lambda: MentorshipGoal.objects.create(
            mentorship=objects.k_mentorship, text="Цель-маркер", due_date=timezone.localdate()
        ),
    ).pk


#: Everyone who holds a role (the account without roles gets 403 or 404).
ROLE_HOLDERS = tuple(a for a in LOGGED_IN if a != "nobody")
#: A draft of world.school: the territory, the school's director (its creator) and teacher.
DRAFT_READERS = (*TERRITORY, "director", "teacher")
#: Who plans a mentorship of world.school: the territory and the school's director.
PLANNERS = (*TERRITORY, "director")
_D = {"pk": draft}
_MS = {"pk": mentorship}


def _draft(method="get", ok_status=200, args=_D, **kw) -> Route:
    return Route(args=args, ok=DRAFT_READERS, method=method, ok_status=ok_status, **kw)


def _plan(data, args=_MS) -> Route:
    return Route(
        args=args,
        ok=PLANNERS,
        method="post",
        ok_status=REDIRECT,
        data=data,
        expect={"curator": 403, "teacher": 403},
    )


_SOURCE = ("admin", "coordinator", "methodologist", "director", "leader_director")

ROUTES: dict[str, Route] = {
    "knowledge:practice_list": _everyone(),
    "knowledge:practice_export": _everyone(),
    "knowledge:practice_create": Route(ok=ROLE_HOLDERS, other=403),
    "knowledge:practice_from_partnership": Route(
        args={"partnership_pk": completed_partnership},
        ok=_SOURCE,
        expect={"curator": 403, "teacher": 403, "nobody": 403},
    ),
    "knowledge:practice_from_event": Route(
        args={"event_pk": held_event},
        ok=_SOURCE,
        expect={"curator": 403, "teacher": 403, "partner": 403, "nobody": 403},
    ),
    "knowledge:practice_detail": _draft(),
    "knowledge:practice_edit": _draft(),
    "knowledge:practice_transition": _draft("post", REDIRECT, data={"action": "submit"}),
    "knowledge:practice_comment": _draft("post", REDIRECT, data={"text": "Комментарий"}),
    "knowledge:practice_results": _draft("post", REDIRECT),
    "knowledge:material_add": _draft(
        "post", REDIRECT, data={"title": "Ссылка", "url": "https://example.org/"}
    ),
    "knowledge:material_download": _draft(args={"pk": draft, "material_pk": material}),
    "knowledge:material_delete": _draft(
        "post", REDIRECT, args={"pk": draft, "material_pk": material}
    ),
    "knowledge:practice_passport": _draft("post", REDIRECT),
    # Only a director adds to their own school's roadmap; the others see the practice: 403.
    "knowledge:practice_adopt": Route(
        args={"pk": published},
        ok=("admin", "director"),
        method="post",
        ok_status=REDIRECT,
        data=adopt_data,
        other=403,
        expect={"nobody": 404},
    ),
    "knowledge:mentor_list": _everyone(),
    "knowledge:mentor_export": _everyone(),
    "knowledge:mentor_create": Route(ok=ROLE_HOLDERS, other=403),
    "knowledge:mentor_detail": Route(args={"pk": mentor}, ok=ROLE_HOLDERS),
    "knowledge:mentor_edit": Route(
        args={"pk": mentor},
        ok=("admin", "coordinator", "methodologist"),
        other=403,
        expect={"nobody": 404},
    ),
    # A booking for a school outside one's own is a form error (back to the mentor's card).
    "knowledge:mentorship_create": Route(
        args={"mentor_pk": mentor},
        ok=(*PLANNERS, "teacher"),
        method="post",
        ok_status=REDIRECT,
        data=lambda o: {"organisation": o.school.pk, "mentee": "Учитель", "topic": "ОВЗ"},
        other=403,
        # they book for their own schools: world.school is refused in the form, shown again
        expect={"nobody": 404, "leader_director": 200, "outsider": 200, "outsider_director": 200},
    ),
    "knowledge:mentor_suggest": Route(args={"school_pk": "school"}, ok=SCHOOL_READERS),
    "knowledge:mentorship_detail": Route(args=_MS, ok=SCHOOL_READERS),
    "knowledge:mentorship_transition": _plan({"action": "complete", "result": "Итог"}),
    "knowledge:goal_add": _plan({"text": "Цель", "due_date": "2026-12-31"}),
    "knowledge:goal_done": _plan({}, args={"pk": mentorship, "goal_pk": goal}),
    "knowledge:meeting_add": _plan({"starts_at": "2026-12-20T15:00", "topic": "Встреча"}),
    "knowledge:public_list": _public(),
    "knowledge:public_detail": _public(args={"pk": published}),
}
