"""A school with three years of results, a risk profile twice, roadmap items and an event."""

from datetime import date, datetime
from types import SimpleNamespace

from django.utils import timezone

from network_portal.accounts.models import Role
from tests.factories import RoleAssignmentFactory, UserFactory

from .factories import (
    AssessmentResultFactory,
    CategoryAssignmentFactory,
    EventFactory,
    PartnershipFactory,
    PartnershipMemberFactory,
    RegistrationFactory,
    RoadmapFactory,
    RoadmapItemFactory,
    profile_with_levels,
)


def school_with_history(world, *, falling=True):
    school = world.school
    CategoryAssignmentFactory(organisation=school, category="risk", year=2026)
    math = (14.8, 14.0, 13.4) if falling else (13.0, 14.0, 15.0)
    for year, m in zip((2024, 2025, 2026), math, strict=True):
        AssessmentResultFactory(
            organisation=school, year=year, subject="math", average_score=m, below_threshold=3
        )
        AssessmentResultFactory(
            organisation=school,
            year=year,
            subject="russian",
            average_score=25 + (year - 2024),
            below_threshold=0,
        )
    tz = timezone.get_current_timezone()
    profile_with_levels(
        school, datetime(2025, 5, 1, tzinfo=tz), {1: "high", 6: "high", 10: "medium"}
    )
    profile_with_levels(
        school, datetime(2026, 5, 1, tzinfo=tz), {1: "medium", 6: "high", 10: "low"}
    )
    partnership = PartnershipFactory(municipality=world.mun, title="Сетевая пара СОШ № 5 — СОШ № 9")
    PartnershipMemberFactory(partnership=partnership, organisation=school, role="supported")
    PartnershipMemberFactory(partnership=partnership, organisation=world.leader, role="leader")
    roadmap = RoadmapFactory(organisation=school, partnership=partnership)
    done = RoadmapItemFactory(
        roadmap=roadmap,
        task="Методический день с СОШ № 9",
        module="teaching",
        due_date=date(2026, 3, 1),
        status="done",
        completed_at=date(2026, 2, 20),
    )
    late = RoadmapItemFactory(
        roadmap=roadmap,
        task="Родительский всеобуч",
        module="parents",
        due_date=date(2026, 4, 1),
        status="in_progress",
        responsible_person="Кузнецова О. В.",
    )
    event = EventFactory(
        municipality=world.mun,
        organiser=world.leader,
        partnership=partnership,
        title="Мастер-класс «Формирующее оценивание»",
        starts_at=timezone.make_aware(datetime(2026, 2, 10, 10, 0), tz),
        ends_at=timezone.make_aware(datetime(2026, 2, 10, 12, 0), tz),
        status="held",
    )
    teacher = UserFactory()
    RoleAssignmentFactory(user=teacher, role=Role.TEACHER, organisation=school)
    RegistrationFactory(event=event, user=teacher, attended=True)
    return SimpleNamespace(
        school=school, partnership=partnership, roadmap=roadmap, done=done, late=late, event=event
    )


PERIOD = {"start": date(2025, 9, 1), "end": date(2026, 8, 31)}
EMPTY = {"start": date(2001, 1, 1), "end": date(2001, 12, 31)}
