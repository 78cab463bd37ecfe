"""Demo roadmap of МОБУ «СОШ № 5» (seed 001: many students with disabilities and at risk of
failure, paired with СОШ № 9): built from its risk profile, some items done with evidence, some
in progress, one overdue, submitted to the curator with comments and a quarter rating; and an
open engagement concern about СОШ № 3. Idempotent: found by natural keys, and a second run
writes nothing."""

from __future__ import annotations

from datetime import timedelta

from django.apps import apps
from django.core.files.base import ContentFile
from django.utils import timezone

SCHOOL = "МОБУ «СОШ № 5»"
LEADER = "МОБУ «СОШ № 9»"
SILENT_SCHOOL = "МОБУ «СОШ № 3»"
TITLE = "Программа перехода МОБУ «СОШ № 5» в эффективный режим работы"
#: When the school has no risk profile yet: the factors seed 001 names for СОШ № 5.
FALLBACK_LEVELS = ((6, "high"), (9, "high"), (3, "medium"), (10, "medium"))
CONCERN = "Школа не выходит на связь: с начала четверти не отвечает на письма и звонки куратора."


def _levels(school):
    from .selectors import current_factor_levels

    levels = current_factor_levels(organisation=school)
    if any(level in ("high", "medium") for _f, level in levels):
        return levels
    factors = {f.code: f for f in apps.get_model("diagnostics", "RiskFactor").objects.all()}
    return [(factors[code], level) for code, level in FALLBACK_LEVELS if code in factors]


def _partnership(school, leader):
    Partnership = apps.get_model("partnerships", "Partnership")
    if leader is None:
        return None
    return (
        Partnership.objects.filter(members__organisation=school, members__role="supported")
        .filter(members__organisation=leader)
        .order_by("pk")
        .first()
    )


def _fill(roadmap, *, director, curator) -> None:
    """Give the proposed items a realistic state as of today."""
    from .models import Evidence, EvidenceKind, ItemStatus, ReviewComment

    today = timezone.localdate()
    items = list(roadmap.items.order_by("position", "pk"))
    for index, item in enumerate(items):
        item._history_user = director
        if index < 3:  # done, with evidence
            item.start_date = today - timedelta(days=150 - 10 * index)
            item.due_date = today - timedelta(days=30 - 5 * index)
            item.status = ItemStatus.DONE
            item.completed_at = item.due_date - timedelta(days=3)
            item.actual_value = item.target_value
            item.responsible_person = "Орлова Е. С., директор"
        elif index < 6:  # in progress, on time
            item.start_date = today - timedelta(days=60)
            item.due_date = today + timedelta(days=30 * (index - 2))
            item.status = ItemStatus.IN_PROGRESS
            if item.target_value is not None:
                item.actual_value = (item.target_value / 2).quantize(item.target_value)
            item.responsible_person = "Кузнецова О. В., заместитель директора по УВР"
        elif index == 6:  # overdue: planned, past its due date
            item.start_date = today - timedelta(days=90)
            item.due_date = today - timedelta(days=12)
            item.status = ItemStatus.PLANNED
            item.responsible_person = "Кузнецова О. В., заместитель директора по УВР"
        else:  # planned for later
            item.start_date = today + timedelta(days=14 * (index - 6))
            item.due_date = item.start_date + timedelta(days=120)
        item.save()
    for item in items[:3]:
        Evidence.objects.create(
            item=item,
            kind=EvidenceKind.FILE,
            file=ContentFile(
                f"Отчёт о выполнении: {item.task}\n".encode(), name=f"otchet-{item.pk}.txt"
            ),
            file_name=f"Отчёт — {item.task[:60]}.txt",
            file_size=len(item.task) + 40,
            added_by=director,
        )
        Evidence.objects.create(
            item=item,
            kind=EvidenceKind.LINK,
            url="https://sosh5.example.ru/news/setevoe-vzaimodeystvie",
            added_by=director,
        )
    _share_with_partner(roadmap, items)
    if len(items) > 3:
        ReviewComment.objects.create(
            roadmap=roadmap,
            item=items[3],
            author=curator,
            text="Уточните, сколько педагогов уже участвует, и приложите план-график.",
        )
    if len(items) > 6:
        ReviewComment.objects.create(
            roadmap=roadmap,
            item=items[6],
            author=curator,
            text="Срок прошёл: назначьте новую дату и ответственного.",
        )


def _share_with_partner(roadmap, items) -> None:
    """The partnership's partner (the college) co-runs the social-partnership items, so that
    its representative's «Мои обязательства» is not empty in the demo."""
    from partnerships.models import MemberRole

    from .models import ProgrammeModule

    if roadmap.partnership_id is None:
        return
    member = roadmap.partnership.members.filter(role=MemberRole.PARTNER).order_by("pk").first()
    if member is None:
        return
    for item in items:
        if (
            item.module == ProgrammeModule.PARTNERSHIP
            and item.co_responsible_organisation_id is None
        ):
            item.co_responsible_organisation = member.organisation
            item.save(update_fields=["co_responsible_organisation"])


def ensure_measure_library() -> None:
    """Refill the library from its data migration when it is empty (a flushed test database
    loses the rows that migrations put there)."""
    import importlib

    from .models import MeasureTemplate

    if not MeasureTemplate.objects.exists():
        importlib.import_module("roadmaps.migrations.0003_fill_measure_library").fill(apps, None)


def run() -> dict[str, int | str]:
    from network_portal.accounts.models import User

    from .models import (
        EngagementConcern,
        QuarterRating,
        Rating,
        ReviewComment,
        Roadmap,
        RoadmapStatus,
    )
    from .services import roadmap_create

    Organisation = apps.get_model("schools", "Organisation")
    from schools.demo import MUNICIPALITY

    schools = {
        o.short_name: o
        for o in Organisation.objects.filter(municipality__name=MUNICIPALITY).select_related(
            "municipality"
        )
    }
    school = schools.get(SCHOOL)
    if school is None:
        return {"roadmaps": 0}
    ensure_measure_library()
    director = User.objects.filter(email="director@demo.local").first()
    curator = User.objects.filter(email="curator@demo.local").first()
    methodist = User.objects.filter(email="methodist@demo.local").first()
    partnership = _partnership(school, schools.get(LEADER))

    roadmap = Roadmap.objects.filter(organisation=school, title=TITLE).first()
    if roadmap is None:
        from .services import roadmap_propose_measures

        roadmap = roadmap_create(
            organisation=school,
            title=TITLE,
            partnership=partnership,
            user=director,
            from_profile=False,
        ).roadmap
        roadmap_propose_measures(
            roadmap=roadmap,
            user=director,
            start=timezone.localdate() - timedelta(days=150),
            levels=_levels(school),
        )
        _fill(roadmap, director=director, curator=curator)
        roadmap.status = RoadmapStatus.SUBMITTED
        roadmap.submitted_at = timezone.now()
        roadmap._history_user = director
        roadmap.save()
        ReviewComment.objects.create(
            roadmap=roadmap,
            author=director,
            kind="submitted",
            text="Направляем дорожную карту на согласование.",
        )
        ReviewComment.objects.create(
            roadmap=roadmap,
            author=curator,
            text="Меры по учебной неуспешности подобраны верно; проверьте сроки по ОВЗ.",
        )
    elif partnership and roadmap.partnership_id is None:
        roadmap.partnership = partnership
        roadmap.save(update_fields=["partnership"])
    today = timezone.localdate()
    previous = today.replace(day=1) - timedelta(days=80)
    rating = {
        "rating": Rating.AMBER,
        "reason": "Три меры выполнены, но одна просрочена и нет плана по работе с родителями.",
        "rated_by": curator,
    }
    quarter = {"roadmap": roadmap, "year": previous.year, "quarter": (previous.month - 1) // 3 + 1}
    existing = QuarterRating.objects.filter(**quarter).first()
    if existing is None:
        QuarterRating.objects.create(**quarter, **rating)
    elif any(getattr(existing, k) != v for k, v in rating.items()):
        # ``update_or_create`` would save every time, and ``rated_at`` moves on each save
        QuarterRating.objects.filter(pk=existing.pk).update(**rating, rated_at=timezone.now())
    silent = schools.get(SILENT_SCHOOL)
    if silent is not None and methodist is not None:
        EngagementConcern.objects.get_or_create(
            organisation=silent, text=CONCERN, defaults={"raised_by": methodist}
        )
    return {"roadmaps": 1, "items": roadmap.items.count(), "partnership": bool(partnership)}
