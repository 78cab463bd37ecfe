"""Objects of roadmaps, events, reports and notifications for the access matrix.

All in ``world.mun``: a partnership roadmap of ``world.school`` (supported) with
``world.leader`` (leader) and ``world.partner_org`` (partner), one item with a file evidence
and an open engagement concern; an upcoming published event organised by ``world.school``
with a material file, and a past one the teacher attended (certificate).
Builders are cached on the objects namespace, so a URL's args build only what it needs.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.files.base import ContentFile
from django.utils import timezone

from events.models import EventMaterial, Registration, RegistrationStatus
from roadmaps.models import (
    EngagementConcern,
    Evidence,
    EvidenceKind,
    MeasureTemplate,
    QuarterRating,
)
from tests.events.factories import EventFactory
from tests.roadmaps.factories import RoadmapFactory, RoadmapItemFactory, factor, partnership_of

from .routes import REDIRECT, TERRITORY, Route, everyone, public


def _cached(objects, key, make):
    value = getattr(objects, key, None)
    if value is None:
        value = make()
        setattr(objects, key, value)
    return value


def roadmap(objects) -> int:
    def make():
        partnership = partnership_of(
            supported=objects.school, leader=objects.leader, partners=[objects.partner_org]
        )
        return RoadmapFactory(
            organisation=objects.school, partnership=partnership, title="Дорожная карта-маркер"
        )

    return _cached(objects, "late_roadmap", make).pk


def item(objects) -> int:
    roadmap(objects)
    return _cached(
        objects,
        "late_item",
        lambda: RoadmapItemFactory(roadmap=objects.late_roadmap, task="Задача-маркер школы"),
    ).pk


def evidence(objects) -> int:
    item(objects)
    return _cached(
        objects,
        "late_evidence",
        lambda: Evidence.objects.create(
            item=objects.late_item,
            kind=EvidenceKind.FILE,
            file=ContentFile(b"evidence", name="evidence.txt"),
            file_name="evidence.txt",
            file_size=8,
            added_by=objects.director_user,
        ),
    ).pk


def concern(objects) -> int:
    roadmap(objects)
    return _cached(
        objects,
        "late_concern",
        lambda: EngagementConcern.objects.create(
            organisation=objects.school, roadmap=objects.late_roadmap, text="Не выходит на связь"
        ),
    ).pk


def rating(objects) -> int:
    roadmap(objects)
    return _cached(
        objects,
        "late_rating",
        lambda: QuarterRating.objects.create(
            roadmap=objects.late_roadmap, year=2026, quarter=1, rating="amber", reason="Отставание"
        ),
    ).pk


def measure_template(objects) -> int:
    return _cached(
        objects,
        "late_measure",
        lambda: MeasureTemplate.objects.create(
            risk_factor=factor(6), module="teaching", task="Типовая мера", measure="Семинар"
        ),
    ).pk


def event(objects) -> int:
    return _cached(
        objects,
        "late_event",
        lambda: EventFactory(organiser=objects.school, title="Семинар-маркер СОШ"),
    ).pk


def material(objects) -> int:
    event(objects)
    return _cached(
        objects,
        "late_material",
        lambda: EventMaterial.objects.create(
            event=objects.late_event,
            title="Презентация-маркер",
            file=ContentFile(b"slides", name="slides.pdf"),
        ),
    ).pk


def registered_event(objects) -> int:
    """An upcoming event the teacher of world.school is registered for."""

    def make():
        upcoming = EventFactory(organiser=objects.school, title="Семинар-маркер с записью")
        Registration.objects.create(
            event=upcoming,
            user=objects.teacher_user,
            status=RegistrationStatus.REGISTERED,
            queued_at=timezone.now(),
        )
        return upcoming

    return _cached(objects, "late_registered_event", make).pk


def past_event(objects) -> int:
    """A held event that the teacher attended: certificate pages have something to show."""

    def make():
        starts = timezone.now() - timedelta(days=3)
        held = EventFactory(
            organiser=objects.school,
            title="Проведённый семинар-маркер",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            status="held",
        )
        Registration.objects.create(
            event=held,
            user=objects.teacher_user,
            status=RegistrationStatus.REGISTERED,
            attended=True,
            queued_at=starts - timedelta(days=5),
        )
        return held

    return _cached(objects, "late_past_event", make).pk


# --- the routes ----------------------------------------------------------------------------
_R = {"pk": roadmap}
_I = {"pk": item}
_E = {"pk": event}
_MUN = {"municipality_id": lambda o: o.mun.pk}

#: Roadmap of world.school: read by the territory, its curator and director, and the
#: partnership's leader and partner; the school's teachers do not see it (roadmaps' choice).
RM_READERS = (*TERRITORY, "curator", "director", "leader_director", "partner")
#: Everyone who sees the roadmap but may not do the action gets 403; the rest 404.
_RM_SEE_ONLY = ("coordinator", "methodologist", "curator", "director", "leader_director", "partner")


def _rm(ok, method="get", ok_status=200, args=_R, **kw) -> Route:
    expect = {a: 403 for a in _RM_SEE_ONLY if a not in ok}
    return Route(args=args, ok=ok, method=method, ok_status=ok_status, expect=expect, **kw)


#: A published event of world.school: everyone of world.mun sees it; organisers (the
#: methodologist, the organising school's director, the admin) manage it.
EV_READERS = (*TERRITORY, "curator", "director", "leader_director", "teacher", "partner")
EV_MANAGERS = ("admin", "methodologist", "director")


def _ev(ok=EV_MANAGERS, method="get", ok_status=200, args=_E, **kw) -> Route:
    expect = {a: 403 for a in EV_READERS if a not in ok}
    return Route(args=args, ok=ok, method=method, ok_status=ok_status, expect=expect, **kw)


_TERRITORY_PAGE = {"ok": (*TERRITORY, "outsider"), "other": 403}

ROUTES: dict[str, Route] = {
    # --- roadmaps ---------------------------------------------------------------------
    # the curator's overview of the schools they curate (issue 15)
    "roadmaps:overview": Route(ok=(*TERRITORY, "outsider", "curator"), other=403),
    "roadmaps:create": Route(
        ok=("admin", "director", "leader_director", "outsider_director"),
        other=403,
        data={"title": "Программа перехода в эффективный режим работы", "start": "2026-09-01"},
    ),
    "roadmaps:library": Route(**_TERRITORY_PAGE),
    "roadmaps:library_add": Route(ok=("admin", "coordinator"), other=403),
    "roadmaps:library_edit": Route(
        args={"pk": measure_template}, ok=("admin", "coordinator"), other=403
    ),
    "roadmaps:detail": _rm(RM_READERS, htmx=True),
    "roadmaps:edit": _rm(("admin", "director")),
    "roadmaps:print": _rm(RM_READERS),
    "roadmaps:export_xlsx": _rm(RM_READERS),
    "roadmaps:history": _rm(RM_READERS),
    "roadmaps:item_add": _rm(("admin", "director")),
    "roadmaps:propose": _rm(("admin", "director"), "post", REDIRECT),
    "roadmaps:submit": _rm(("admin", "director"), "post", REDIRECT),
    # Empty forms come back with their errors (200).
    "roadmaps:review": _rm(("admin", "curator"), "post"),
    "roadmaps:rate": _rm(("admin", "curator"), "post"),
    "roadmaps:comment": _rm(("admin", "curator", "director"), "post"),
    "roadmaps:concern_raise": _rm((*TERRITORY, "curator"), "post"),
    "roadmaps:concern_resolve": Route(
        method="post", args={"pk": concern}, ok=(*TERRITORY, "curator")
    ),
    "roadmaps:concern_new": Route(
        args={"organisation_pk": lambda o: o.school.pk}, ok=(*TERRITORY, "curator")
    ),
    # without a reason the page comes back with the message (200)
    "roadmaps:rating_withdraw": _rm(("admin", "curator"), "post", args={"pk": rating}),
    "roadmaps:item_edit": _rm(("admin", "director"), args=_I, htmx=True),
    "roadmaps:item_delete": _rm(("admin", "director"), "post", REDIRECT, args=_I),
    "roadmaps:item_quick": _rm(("admin", "director"), "post", args=_I, htmx=True),
    "roadmaps:evidence_add": _rm(("admin", "director"), args=_I, htmx=True),
    "roadmaps:item_comment": _rm(("admin", "curator", "director"), args=_I, htmx=True),
    "roadmaps:evidence_download": _rm(RM_READERS, args={"pk": evidence}),
    # --- events -------------------------------------------------------------------------
    "events:create": Route(
        ok=(*EV_MANAGERS, "leader_director", "outsider", "outsider_director"), other=403
    ),
    "events:planning": Route(
        ok=(*TERRITORY, "curator", "director", "leader_director", "outsider", "outsider_director"),
        other=404,
    ),
    "events:calendar": everyone(),
    "events:detail": _ev(EV_READERS),
    "events:edit": _ev(),
    "events:publish": _ev(method="post", ok_status=REDIRECT),
    "events:cancel": _ev(method="post"),  # no reason given: the form again
    "events:register": _ev(EV_READERS, method="post", ok_status=REDIRECT),
    # Only the registered teacher has a registration to cancel; the others have none (404).
    "events:unregister": Route(
        method="post", args={"pk": registered_event}, ok=("teacher",), ok_status=REDIRECT
    ),
    "events:registrations": _ev((*EV_MANAGERS, "leader_director")),
    "events:attendance": _ev(),
    "events:sign_in_sheet": _ev(),
    "events:report": _ev(),
    "events:material_add": _ev(method="post", ok_status=REDIRECT),
    "events:material_download": _ev(EV_READERS, args={"pk": event, "material_pk": material}),
    "events:material_delete": _ev(
        method="post", ok_status=REDIRECT, args={"pk": event, "material_pk": material}
    ),
    # Only the attendee gets a certificate of a held event.
    "events:certificate": Route(
        method="post", args={"pk": past_event}, ok=("teacher",), ok_status=REDIRECT
    ),
    "events:public_index": public(),
    "events:public_list": public(args=_MUN),
    "events:public_embed": public(args=_MUN),
    "events:public_feed": public(args=_MUN),
    "events:public_detail": public(args=_E),
    "events:public_personal_feed": public(args={"key": lambda o: "no-such-key"}, ok_status=404),
    "events:public_certificate_check": public(),
    "events:public_certificate_verify": public(
        args={"code": lambda o: "NO-SUCH-CODE"}, ok_status=404
    ),
    # --- reports and notifications ------------------------------------------------------
    "reports:list": everyone(),
    # A school outside the scope is a 404; inside it the incomplete form comes back (200).
    "reports:order": Route(
        method="post",
        args={"subject": lambda o: "school"},
        data=lambda o: {"school-target": o.school.pk},
        ok=(*TERRITORY, "curator", "director"),
    ),
    "reports:order_bundle": Route(
        method="post", ok=("admin", "curator"), ok_status=REDIRECT, other=403
    ),
    "reports:impact": Route(**_TERRITORY_PAGE),
    # «Мониторинг» (issue 15): the territory's control table, its export and the watch list
    "reports:monitoring": Route(**_TERRITORY_PAGE),
    "reports:monitoring_export": Route(args={"fmt": lambda o: "csv"}, **_TERRITORY_PAGE),
    "reports:monitoring_watch": Route(
        method="post",
        args={"pk": "school"},
        ok=TERRITORY,
        ok_status=REDIRECT,
        other=403,
        expect={"outsider": 404},
    ),
    "reports:commitments": Route(
        ok=("admin", "director", "leader_director", "partner", "outsider_director"), other=403
    ),
    "notifications:preferences": everyone(),
    # A forged unsubscribe link: the "invalid link" page, with 400, for everybody.
    "notifications:unsubscribe": public(args={"token": lambda o: "not-a-token"}, ok_status=400),
}
