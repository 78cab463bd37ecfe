"""Diagnostics pages in the access matrix (tests/security/access_matrix.py) and their objects.

Objects are made once per matrix run, all for ``world.school`` in ``world.mun``.
"""

from __future__ import annotations

from django.core.files.base import ContentFile

from diagnostics import services
from diagnostics.models import Instrument, Questionnaire, StageRecord, TeamMember
from tests.security.routes import REDIRECT, SCHOOL_READERS, TERRITORY, Route, everyone

from .factories import CycleFactory, QuestionnaireFactory, TeacherSurveyFactory


def _cached(objects, key, make):
    value = getattr(objects, key, None)
    if value is None:
        value = make()
        setattr(objects, key, value)
    return value


def questionnaire(objects) -> int:
    """A draft questionnaire of ``world.school``."""

    def make():
        cycle = CycleFactory(municipality=objects.mun, title="Промежуточная диагностика")
        return QuestionnaireFactory(cycle=cycle, organisation=objects.school)

    return _cached(objects, "diagnostics_questionnaire", make).pk


def cycle(objects) -> int:
    questionnaire(objects)
    return objects.diagnostics_questionnaire.cycle_id


def submitted(objects) -> Questionnaire:
    def make():
        cycle = CycleFactory(municipality=objects.mun, title="Входная диагностика")
        q = QuestionnaireFactory(cycle=cycle, organisation=objects.school)
        answers = {
            i.pk: i.options.all()[0].pk
            for i in q.instrument.indicators.filter(kind="question").prefetch_related("options")
        }
        return services.questionnaire_save(
            questionnaire=q,
            answers=answers,
            expected_version=0,
            user=objects.director_user,
            submit=True,
        )

    return _cached(objects, "diagnostics_submitted", make)


def submitted_pk(objects) -> int:
    return submitted(objects).pk


def profile(objects) -> int:
    return submitted(objects).profile.pk


def indicator(objects) -> int:
    return (
        Instrument.objects.get(is_current=True, region__isnull=True)
        .indicators.order_by("pk")
        .first()
        .pk
    )


def survey(objects):
    return _cached(
        objects,
        "diagnostics_survey",
        lambda: TeacherSurveyFactory(municipality=objects.mun, schools=[objects.school]),
    )


def stage(objects) -> int:
    def make():
        record = StageRecord.objects.create(
            organisation=objects.school, stage=1, reached_on="2026-09-20", evidence="Приказ"
        )
        record.evidence_file.save("prikaz.pdf", ContentFile(b"%PDF-1.4 stage"), save=True)
        return record

    return _cached(objects, "diagnostics_stage", make).pk


def team_member(objects) -> int:
    def make():
        from network_portal.accounts.models import Role, RoleAssignment

        teacher = RoleAssignment.objects.filter(role=Role.TEACHER, organisation=objects.school)
        return TeamMember.objects.create(organisation=objects.school, user=teacher.first().user)

    return _cached(objects, "diagnostics_team_member", make).pk


_TERRITORY_AND_OUTSIDER = (*TERRITORY, "outsider")
_INSTRUMENT_READERS = (
    *TERRITORY,
    "curator",
    "director",
    "leader_director",
    "outsider",
    "outsider_director",
)
_EDITORS = ("admin", "coordinator")

ROUTES: dict[str, Route] = {
    "diagnostics:index": everyone(),
    # Lists and forms of territory roles: others are refused by role (403).
    "diagnostics:cycle_list": Route(ok=_TERRITORY_AND_OUTSIDER, other=403),
    "diagnostics:cycle_create": Route(ok=_TERRITORY_AND_OUTSIDER, other=403),
    "diagnostics:cycle_detail": Route(args={"pk": cycle}, ok=TERRITORY),
    "diagnostics:cycle_edit": Route(args={"pk": cycle}, ok=TERRITORY),
    "diagnostics:cycle_close": Route(
        method="post", args={"pk": cycle}, ok=TERRITORY, ok_status=REDIRECT
    ),
    "diagnostics:cycle_reopen": Route(
        method="post", args={"pk": cycle}, ok=TERRITORY, ok_status=REDIRECT
    ),
    "diagnostics:questionnaire": Route(args={"pk": questionnaire}, ok=SCHOOL_READERS),
    "diagnostics:questionnaire_return": Route(
        method="post",
        args={"pk": submitted_pk},
        data={"comment": "Уточните ответы"},
        ok=TERRITORY,
        ok_status=REDIRECT,
        expect={"curator": 403, "director": 403, "teacher": 403},
    ),
    "diagnostics:profile": Route(args={"pk": profile}, ok=SCHOOL_READERS),
    "diagnostics:heatmap": Route(ok=_TERRITORY_AND_OUTSIDER, other=403),
    "diagnostics:instrument": Route(ok=_INSTRUMENT_READERS, other=403),
    "diagnostics:instrument_version": Route(
        args={"version": lambda o: 1}, ok=_INSTRUMENT_READERS, other=403
    ),
    "diagnostics:instrument_rule_edit": Route(args={"code": lambda o: 9}, ok=_EDITORS, other=403),
    "diagnostics:instrument_question_add": Route(
        args={"code": lambda o: 9}, ok=_EDITORS, other=403
    ),
    "diagnostics:instrument_indicator_edit": Route(args={"pk": indicator}, ok=_EDITORS, other=403),
    "diagnostics:instrument_indicator_remove": Route(
        method="post", args={"pk": indicator}, ok=_EDITORS, ok_status=REDIRECT, other=403
    ),
    "diagnostics:survey_list": Route(ok=_TERRITORY_AND_OUTSIDER, other=403),
    "diagnostics:survey_create": Route(ok=_TERRITORY_AND_OUTSIDER, other=403),
    "diagnostics:survey_detail": Route(args={"pk": lambda o: survey(o).pk}, ok=TERRITORY),
    # Only a teacher of one of the survey's schools answers it.
    "diagnostics:survey_answer": Route(args={"token": lambda o: survey(o).token}, ok=("teacher",)),
    "diagnostics:stage_list": Route(args={"org_pk": "school"}, ok=SCHOOL_READERS),
    "diagnostics:stage_create": Route(
        args={"org_pk": "school"},
        ok=(*TERRITORY, "curator"),
        expect={"director": 403, "teacher": 403},
    ),
    "diagnostics:stage_file": Route(args={"pk": stage}, ok=SCHOOL_READERS),
    # Each director names the team of her own school; the admin has no school (404).
    "diagnostics:team": Route(
        ok=("director", "leader_director", "outsider_director"),
        other=403,
        expect={"admin": 404},
    ),
    "diagnostics:team_remove": Route(
        method="post",
        args={"pk": team_member},
        ok=("director",),
        ok_status=REDIRECT,
        other=403,
        expect={"admin": 404, "leader_director": 404, "outsider_director": 404},
    ),
}
