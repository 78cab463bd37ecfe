"""Writes of the diagnostics app: cycles, questionnaires, profiles, the instrument, surveys, stages.

Every function takes keyword arguments only and either completes or raises
:class:`DiagnosticsError` (with a Russian message for the page) leaving nothing half-saved.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from network_portal.audit.services import audit_log
from network_portal.editing import claim
from network_portal.outbox.services import enqueue_on_commit
from schools import card_cache
from schools.models import (
    AssessmentKind,
    AssessmentResult,
    Municipality,
    Organisation,
    SchoolContext,
    Subject,
)

from . import scoring
from .models import (
    Answer,
    AnswerOption,
    Cycle,
    CycleStatus,
    FactorLevel,
    FactorRule,
    Indicator,
    IndicatorKind,
    Instrument,
    Questionnaire,
    QuestionnaireStatus,
    RiskFactor,
    RiskProfile,
    StageRecord,
    SurveyNeed,
    SurveyParticipation,
    SurveyPublication,
    SurveyResponse,
    TeacherSurvey,
    TeamMember,
)


class DiagnosticsError(Exception):
    """A refused write; ``str(error)`` is the message to show."""


class CycleClosed(DiagnosticsError):
    pass


class MissingAnswers(DiagnosticsError):
    def __init__(self, message: str, missing: dict[int, list[scoring.IndicatorSpec]]):
        super().__init__(message)
        self.missing = missing


# --- Instrument as a pure spec --------------------------------------------------------------


def instrument_spec(*, instrument: Instrument) -> scoring.InstrumentSpec:
    """The scoring spec of an instrument version (three queries, or none if prefetched)."""
    rules = {r.factor.code: r for r in instrument.rules.select_related("factor")}
    indicators = instrument.indicators.select_related("factor").prefetch_related("options")
    return scoring.InstrumentSpec(
        version=instrument.version,
        factors=tuple(
            scoring.FactorSpec(
                code=code,
                name=r.factor.name,
                short_name=r.factor.short_name,
                medium_from=r.medium_from,
                high_from=r.high_from,
            )
            for code, r in sorted(rules.items())
        ),
        indicators=tuple(
            scoring.IndicatorSpec(
                id=i.pk,
                code=i.code,
                factor_code=i.factor.code,
                text=i.text,
                weight=i.weight,
                required=i.required,
                computed=i.kind == IndicatorKind.COMPUTED,
                source=i.source,
                help_text=i.help_text,
                options=tuple(
                    scoring.OptionSpec(id=o.pk, text=o.text, score=o.score, min_value=o.min_value)
                    for o in i.options.all()
                ),
            )
            for i in indicators
        ),
    )


def school_year_end(day: datetime.date) -> int:
    """The *year* of the school year a date falls in (it ends in June of that year)."""
    return day.year + 1 if day.month >= 9 else day.year


_CONTEXT_SOURCES = ("share_ovz", "teacher_vacancies", "computers_per_student", "share_non_native")
_RESULT_SUBJECTS = (Subject.RUSSIAN, Subject.MATH, Subject.MATH_BASE, Subject.MATH_PROFILE)


def computed_values_bulk(
    *, organisation_ids: Iterable[int], year: int
) -> dict[int, tuple[dict[str, Decimal | None], dict[str, int]]]:
    """Values of the computed indicators for many schools in two queries.

    For each school: the newest context up to ``year`` and the share below the base threshold
    in ОГЭ/ЕГЭ Russian and mathematics of the newest year up to ``year`` that has it. Returns
    ``{organisation_id: (values, years)}`` — the value per source key and the year it is from.
    """
    ids = list(organisation_ids)
    out: dict[int, tuple[dict[str, Decimal | None], dict[str, int]]] = {
        pk: (dict.fromkeys(scoring.COMPUTED_SOURCES), {}) for pk in ids
    }
    seen: set[int] = set()
    for context in SchoolContext.objects.filter(organisation_id__in=ids, year__lte=year).order_by(
        "organisation_id", "-year"
    ):
        if context.organisation_id in seen:
            continue
        seen.add(context.organisation_id)
        values, years = out[context.organisation_id]
        for key in _CONTEXT_SOURCES:
            raw = getattr(context, key)
            if raw is not None:
                values[key] = Decimal(str(raw))
                years[key] = context.year
        if context.stable_internet is not None:
            values["stable_internet"] = Decimal(1 if context.stable_internet else 0)
            years["stable_internet"] = context.year
    rows: dict[int, dict[int, list[tuple[int, int]]]] = {}
    for org_id, row_year, participants, below in AssessmentResult.objects.filter(
        organisation_id__in=ids,
        year__lte=year,
        kind__in=(AssessmentKind.OGE, AssessmentKind.EGE),
        subject__in=_RESULT_SUBJECTS,
        below_threshold__isnull=False,
    ).values_list("organisation_id", "year", "participants", "below_threshold"):
        rows.setdefault(org_id, {}).setdefault(row_year, []).append((participants, below))
    for org_id, by_year in rows.items():
        newest = max(by_year)
        share = scoring.share_below_threshold(by_year[newest])
        if share is not None:
            values, years = out[org_id]
            values["share_below_threshold"] = share
            years["share_below_threshold"] = newest
    return out


def computed_values_for(
    *, organisation: Organisation, year: int
) -> tuple[dict[str, Decimal | None], dict[str, int]]:
    """Values of the computed indicators of one school (see :func:`computed_values_bulk`)."""
    return computed_values_bulk(organisation_ids=[organisation.pk], year=year)[organisation.pk]


# --- Cycles ----------------------------------------------------------------------------------


@transaction.atomic
def cycle_open(
    *,
    municipality: Municipality,
    kind: str,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    schools: Iterable[Organisation],
    user: Any,
    notify: bool = True,
) -> Cycle:
    """Open a cycle and create an empty questionnaire per school on the current instrument;
    the directors and teams of the schools get an e-mail (after commit)."""
    from .selectors import current_instrument

    instrument = current_instrument(region_id=municipality.region_id)
    if instrument is None:
        raise DiagnosticsError(_("The instrument is not set up yet."))
    schools = list(schools)
    if any(s.municipality_id != municipality.pk for s in schools):
        raise DiagnosticsError(_("All schools must belong to the cycle's municipality."))
    cycle = Cycle.objects.create(
        municipality=municipality,
        kind=kind,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        created_by=user if getattr(user, "is_authenticated", False) else None,
        instrument=instrument,
    )
    cycle.schools.set(schools)
    questionnaire_carry_over(
        questionnaires=Questionnaire.objects.bulk_create(
            Questionnaire(cycle=cycle, organisation=s, instrument=instrument) for s in schools
        )
    )
    if notify:
        from .tasks import notify_cycle_opened

        enqueue_on_commit(notify_cycle_opened, cycle.pk)
    return cycle


@transaction.atomic
def cycle_update(
    *,
    cycle: Cycle,
    title: str,
    opens_on: datetime.date,
    closes_on: datetime.date,
    schools: Iterable[Organisation],
    user: Any,
) -> Cycle:
    """Change a cycle's title, dates and schools. A school added gets an empty questionnaire
    (on the cycle's instrument version); a school whose questionnaire has answers cannot be
    removed."""
    schools = list(schools)
    if any(s.municipality_id != cycle.municipality_id for s in schools):
        raise DiagnosticsError(_("All schools must belong to the cycle's municipality."))
    wanted = {s.pk for s in schools}
    current = dict(cycle.questionnaires.values_list("organisation_id", "pk"))
    dropped = [org_id for org_id in current if org_id not in wanted]
    started = list(
        Questionnaire.objects.filter(pk__in=[current[o] for o in dropped])
        .filter(answers__isnull=False)
        .select_related("organisation")
        .distinct()
    )
    if started:
        raise DiagnosticsError(
            _("These schools have already answered and cannot be removed: %(names)s")
            % {"names": ", ".join(str(q.organisation) for q in started)}
        )
    Questionnaire.objects.filter(pk__in=[current[o] for o in dropped]).delete()
    questionnaire_carry_over(
        questionnaires=Questionnaire.objects.bulk_create(
            Questionnaire(cycle=cycle, organisation=s, instrument_id=cycle.instrument_id)
            for s in schools
            if s.pk not in current
        )
    )
    cycle.title, cycle.opens_on, cycle.closes_on = title, opens_on, closes_on
    cycle.save(update_fields=["title", "opens_on", "closes_on"])
    cycle.schools.set(schools)
    audit_log(
        actor=user,
        action="diagnostics.cycle_update",
        obj=cycle,
        closes_on=closes_on.isoformat(),
        schools=sorted(wanted),
    )
    return cycle


def cycle_close(*, cycle: Cycle, user: Any) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.CLOSED)
    cycle.status = CycleStatus.CLOSED
    audit_log(actor=user, action="diagnostics.cycle_close", obj=cycle)


def cycle_reopen(*, cycle: Cycle, user: Any) -> None:
    Cycle.objects.filter(pk=cycle.pk).update(status=CycleStatus.OPEN)
    cycle.status = CycleStatus.OPEN
    audit_log(actor=user, action="diagnostics.cycle_reopen", obj=cycle)


# --- Questionnaires ----------------------------------------------------------------------------


def cycle_refusal(
    *, cycle: Cycle, today: datetime.date, status: str = QuestionnaireStatus.DRAFT
) -> str | None:
    """Why the cycle takes no answers today (a Russian message), or ``None`` when it does.

    The cycle's dates are its window, both days included: before ``opens_on`` nothing can be
    saved yet, after ``closes_on`` nothing more — the methodologist extends the window by
    editing the cycle's dates, or closes the cycle early. A questionnaire she *returned* for
    correction may be corrected after the closing date while the cycle is open (she asked for
    it). Dates are checked at every save rather than by closing cycles overnight, so the
    status a methodologist set is never changed behind her back.
    """
    if cycle.status != CycleStatus.OPEN:
        return _("The cycle «%(cycle)s» has been closed: answers are no longer accepted.") % {
            "cycle": cycle.title
        }
    if today < cycle.opens_on:
        return _(
            "The cycle «%(cycle)s» opens on %(date)s: answers cannot be saved before that day."
        ) % {"cycle": cycle.title, "date": _date(cycle.opens_on)}
    if today > cycle.closes_on and status != QuestionnaireStatus.RETURNED:
        return _(
            "The cycle «%(cycle)s» closed on %(date)s: answers are no longer accepted. Ask the "
            "municipal methodologist to extend the cycle if the school still has to answer."
        ) % {"cycle": cycle.title, "date": _date(cycle.closes_on)}
    return None


def _date(day: datetime.date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "j E Y")


@transaction.atomic
def questionnaire_carry_over(*, questionnaires: list[Questionnaire]) -> int:
    """A new cycle's questionnaire starts from the school's previous submitted answers on the
    same instrument, each marked «перенесено» until the team saves the questionnaire (issue
    15: the intermediate self-diagnosis started empty). Two queries whatever the number of
    schools. Returns the number of answers carried over."""
    by_org = {q.organisation_id: q for q in questionnaires if q.pk}
    if not by_org:
        return 0
    instruments = {q.instrument_id for q in by_org.values()}
    latest: dict[int, int] = {}
    for org_id, q_id, instrument_id in (
        Questionnaire.objects.filter(
            organisation_id__in=list(by_org),
            status=QuestionnaireStatus.SUBMITTED,
            instrument_id__in=instruments,
        )
        .exclude(pk__in=[q.pk for q in by_org.values()])
        .order_by("organisation_id", "-submitted_at", "-pk")
        .values_list("organisation_id", "pk", "instrument_id")
    ):
        if instrument_id == by_org[org_id].instrument_id:
            latest.setdefault(org_id, q_id)
    target = {q_id: by_org[org_id] for org_id, q_id in latest.items()}
    answers = [
        Answer(questionnaire=target[q_id], indicator_id=i, option_id=o, carried_over=True)
        for q_id, i, o in Answer.objects.filter(questionnaire_id__in=list(target)).values_list(
            "questionnaire_id", "indicator_id", "option_id"
        )
    ]
    Answer.objects.bulk_create(answers)
    return len(answers)


@transaction.atomic
def questionnaire_save(
    *,
    questionnaire: Questionnaire,
    answers: Mapping[int, int],
    expected_version: int | None,
    user: Any,
    submit: bool = False,
) -> Questionnaire:
    """Save the answers as a draft (and, with ``submit``, submit and compute the profile).

    Refused, with nothing written, when the cycle is closed or outside its dates
    (:func:`cycle_refusal`), the questionnaire was already submitted, someone saved it since
    the form was opened at ``expected_version`` (:class:`~network_portal.editing.StaleEdit`,
    see :func:`~network_portal.editing.claim`), an option does not belong to its question,
    or — on submit — required questions are missing.
    """
    current = Questionnaire.objects.select_related("cycle", "instrument").get(pk=questionnaire.pk)
    refusal = cycle_refusal(cycle=current.cycle, today=timezone.localdate(), status=current.status)
    if refusal:
        raise CycleClosed(refusal)
    if current.status == QuestionnaireStatus.SUBMITTED:
        raise DiagnosticsError(_("The questionnaire has already been submitted."))
    # A school's answers and profile show on its own pages only: the cached bodies of the
    # other schools' pages stay (``schools.card_cache``, issue 17)
    with card_cache.attributed(
        Questionnaire, Answer, RiskProfile, FactorLevel, schools=[current.organisation_id]
    ):
        return _questionnaire_write(
            current=current,
            answers=answers,
            expected_version=expected_version,
            user=user,
            submit=submit,
        )


def _questionnaire_write(
    *,
    current: Questionnaire,
    answers: Mapping[int, int],
    expected_version: int | None,
    user: Any,
    submit: bool,
) -> Questionnaire:
    # The claim holds the row until the end of the transaction; a refusal below gives it back.
    claim(
        current,
        seen=expected_version,
        queryset=Questionnaire.objects.select_related("updated_by"),
    )
    spec = instrument_spec(instrument=current.instrument)
    questions = {i.id: i for i in spec.indicators if not i.computed}
    for indicator_id, option_id in answers.items():
        indicator = questions.get(indicator_id)
        if indicator is None or not any(o.id == option_id for o in indicator.options):
            raise DiagnosticsError(_("An answer is not one of the question's options."))
    if submit:
        missing = scoring.missing_required(instrument=spec, answers=answers)
        if missing:
            raise MissingAnswers(
                _(
                    "The questionnaire was not submitted: required questions are unanswered. "
                    "Your answers are kept on this page; press «Save draft» to keep them for later."
                ),
                missing,
            )
    now = timezone.now()
    changes: dict[str, Any] = {"updated_at": now, "updated_by": user}
    if submit:
        changes |= {
            "status": QuestionnaireStatus.SUBMITTED,
            "submitted_at": now,
            "submitted_by": user,
        }
    Questionnaire.objects.filter(pk=current.pk).update(**changes)
    current.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(questionnaire=current, indicator_id=i, option_id=o) for i, o in answers.items()
    )
    current.refresh_from_db()
    if submit:
        profile_compute(questionnaire=current, spec=spec, answers=answers, computed_at=now)
    return current


@transaction.atomic
def questionnaire_return(*, questionnaire: Questionnaire, comment: str, user: Any) -> None:
    """Return a submitted questionnaire for correction; its profile is withdrawn until resubmit."""
    questionnaire = Questionnaire.objects.select_for_update().get(pk=questionnaire.pk)
    if questionnaire.status != QuestionnaireStatus.SUBMITTED:
        raise DiagnosticsError(_("Only a submitted questionnaire can be returned."))
    # the school's own pages only, as its submission (``questionnaire_write``)
    with card_cache.attributed(
        Questionnaire, RiskProfile, FactorLevel, schools=[questionnaire.organisation_id]
    ):
        RiskProfile.objects.filter(questionnaire=questionnaire).delete()
        Questionnaire.objects.filter(pk=questionnaire.pk).update(
            status=QuestionnaireStatus.RETURNED,
            return_comment=comment,
            returned_at=timezone.now(),
            returned_by=user,
            version=F("version") + 1,
        )
    audit_log(
        actor=user, action="diagnostics.questionnaire_return", obj=questionnaire, comment=comment
    )
    from .tasks import notify_questionnaire_returned

    enqueue_on_commit(notify_questionnaire_returned, questionnaire.pk)


def profile_compute(
    *,
    questionnaire: Questionnaire,
    spec: scoring.InstrumentSpec | None = None,
    answers: Mapping[int, int] | None = None,
    computed_at: datetime.datetime | None = None,
) -> RiskProfile:
    """Score one questionnaire and store the profile with every factor's explanation."""
    [profile] = profiles_compute(
        questionnaires=[questionnaire],
        specs={questionnaire.instrument_id: spec} if spec else None,
        answers={questionnaire.pk: answers} if answers is not None else None,
        computed_at=computed_at,
    )
    return profile


@transaction.atomic
def profiles_compute(
    *,
    questionnaires: list[Questionnaire],
    specs: Mapping[int, scoring.InstrumentSpec] | None = None,
    answers: Mapping[int, Mapping[int, int]] | None = None,
    computed_at: datetime.datetime | None = None,
) -> list[RiskProfile]:
    """Score many questionnaires and store their profiles in a bounded number of queries.

    Used on submit (one questionnaire) and to (re)compute a whole cycle. ``specs`` (by
    instrument id) and ``answers`` (by questionnaire id) may be given when already at hand.
    Each questionnaire's earlier profile is replaced; profiles keep the questionnaire's
    instrument version.
    """
    specs = dict(specs or {})
    for q in questionnaires:
        if q.instrument_id not in specs:
            specs[q.instrument_id] = instrument_spec(instrument=q.instrument)
    if answers is None:
        answers = {q.pk: {} for q in questionnaires}
        for q_id, indicator_id, option_id in Answer.objects.filter(
            questionnaire__in=questionnaires
        ).values_list("questionnaire_id", "indicator_id", "option_id"):
            answers[q_id][indicator_id] = option_id
    by_year: dict[int, list[int]] = {}
    for q in questionnaires:
        by_year.setdefault(school_year_end(q.cycle.opens_on), []).append(q.organisation_id)
    computed = {
        year: computed_values_bulk(organisation_ids=ids, year=year) for year, ids in by_year.items()
    }
    factor_ids = dict(RiskFactor.objects.values_list("code", "pk"))
    RiskProfile.objects.filter(questionnaire__in=questionnaires).delete()
    now = computed_at or timezone.now()
    profiles = RiskProfile.objects.bulk_create(
        RiskProfile(
            organisation_id=q.organisation_id,
            cycle_id=q.cycle_id,
            instrument_id=q.instrument_id,
            questionnaire=q,
            computed_at=now,
        )
        for q in questionnaires
    )
    rows = []
    for q, profile in zip(questionnaires, profiles, strict=True):
        values, years = computed[school_year_end(q.cycle.opens_on)][q.organisation_id]
        results = scoring.score_profile(
            instrument=specs[q.instrument_id], answers=answers[q.pk], computed=values
        )
        for result in results:
            if result.level is None:
                continue
            for item in result.items:
                if item["kind"] == "computed" and item["source"] in years:
                    item["year"] = years[item["source"]]
            rows.append(
                FactorLevel(
                    profile=profile,
                    factor_id=factor_ids[result.factor_code],
                    level=result.level,
                    score=result.score,
                    explanation=result.items,
                )
            )
    FactorLevel.objects.bulk_create(rows, batch_size=2000)
    return profiles


# --- Team ---------------------------------------------------------------------------------------


def team_member_add(*, organisation: Organisation, user: Any, added_by: Any) -> TeamMember:
    member, _created = TeamMember.objects.get_or_create(
        organisation=organisation, user=user, defaults={"added_by": added_by}
    )
    return member


def team_member_remove(*, member: TeamMember) -> None:
    member.delete()


# --- Instrument versions (copy-on-write) ---------------------------------------------------------


def _new_version(
    *, base: Instrument, region_id: int | None, user: Any, note: str
) -> tuple[Instrument, dict[int, int]]:
    """Copy ``base`` into the region's new current version; returns it and old→new indicator
    ids. The base version of the portal stays current for the other regions."""
    if base.region_id == region_id:
        Instrument.objects.filter(pk=base.pk).update(is_current=False)
    next_version = (Instrument.objects.aggregate(v=Max("version"))["v"] or 0) + 1
    new = Instrument.objects.create(
        version=next_version, region_id=region_id, is_current=True, note=note, created_by=user
    )
    FactorRule.objects.bulk_create(
        FactorRule(
            instrument=new, factor_id=r.factor_id, medium_from=r.medium_from, high_from=r.high_from
        )
        for r in base.rules.all()
    )
    id_map: dict[int, int] = {}
    for indicator in base.indicators.prefetch_related("options"):
        old_pk = indicator.pk
        options = list(indicator.options.all())
        indicator.pk = None
        indicator.instrument = new
        indicator.save()
        id_map[old_pk] = indicator.pk
        AnswerOption.objects.bulk_create(
            AnswerOption(
                indicator=indicator,
                text=o.text,
                score=o.score,
                min_value=o.min_value,
                order=o.order,
            )
            for o in options
        )
    audit_log(actor=user, action="diagnostics.instrument_version", obj=new, note=note)
    return new, id_map


def _check_current(base: Instrument, region_id: int | None) -> None:
    from .selectors import current_instrument

    current = current_instrument(region_id=region_id)
    if current is None or current.pk != base.pk:
        raise DiagnosticsError(
            _("The instrument has been changed by someone else meanwhile; open it again.")
        )


@transaction.atomic
def instrument_edit_rule(
    *,
    region_id: int | None,
    base: Instrument,
    factor_id: int,
    medium_from: Decimal,
    high_from: Decimal,
    user: Any,
    note: str,
) -> Instrument:
    _check_current(base, region_id)
    new, _ids = _new_version(base=base, region_id=region_id, user=user, note=note)
    FactorRule.objects.filter(instrument=new, factor_id=factor_id).update(
        medium_from=medium_from, high_from=high_from
    )
    return new


@transaction.atomic
def instrument_edit_indicator(
    *,
    region_id: int | None,
    base: Instrument,
    indicator: Indicator,
    fields: Mapping[str, Any],
    options: list[dict[str, Any]],
    user: Any,
    note: str,
) -> Instrument:
    """A new version where one indicator has new text/weight/required flag and options.

    ``options`` is the full new list of ``{"text", "score", "min_value"}`` in order.
    """
    _check_current(base, region_id)
    new, ids = _new_version(base=base, region_id=region_id, user=user, note=note)
    copy = Indicator.objects.get(pk=ids[indicator.pk])
    for name, value in fields.items():
        setattr(copy, name, value)
    copy.save()
    copy.options.all().delete()
    AnswerOption.objects.bulk_create(
        AnswerOption(
            indicator=copy,
            text=o["text"],
            score=o["score"],
            min_value=o.get("min_value"),
            order=n,
        )
        for n, o in enumerate(options)
    )
    return new


@transaction.atomic
def instrument_add_question(
    *,
    region_id: int | None,
    base: Instrument,
    factor_id: int,
    fields: Mapping[str, Any],
    options: list[dict[str, Any]],
    user: Any,
    note: str,
) -> Instrument:
    _check_current(base, region_id)
    new, _ids = _new_version(base=base, region_id=region_id, user=user, note=note)
    order = (new.indicators.filter(factor_id=factor_id).aggregate(m=Max("order"))["m"] or 0) + 1
    factor_code = RiskFactor.objects.values_list("code", flat=True).get(pk=factor_id)
    taken = set(new.indicators.values_list("code", flat=True))
    number = 1
    while f"{factor_code}.{number}" in taken:
        number += 1
    indicator = Indicator.objects.create(
        instrument=new,
        factor_id=factor_id,
        code=f"{factor_code}.{number}",
        kind=IndicatorKind.QUESTION,
        order=order,
        **fields,
    )
    AnswerOption.objects.bulk_create(
        AnswerOption(indicator=indicator, text=o["text"], score=o["score"], order=n)
        for n, o in enumerate(options)
    )
    return new


@transaction.atomic
def instrument_remove_indicator(
    *, base: Instrument, region_id: int | None, indicator: Indicator, user: Any, note: str
) -> Instrument:
    _check_current(base, region_id)
    new, ids = _new_version(base=base, region_id=region_id, user=user, note=note)
    Indicator.objects.filter(pk=ids[indicator.pk]).delete()
    return new


# --- Teacher survey (seed 004) ---------------------------------------------------------------------


@transaction.atomic
def survey_create(
    *,
    municipality: Municipality,
    title: str,
    schools: Iterable[Organisation],
    opens_on: datetime.date,
    closes_on: datetime.date,
    min_responses: int,
    user: Any,
) -> TeacherSurvey:
    schools = list(schools)
    if any(s.municipality_id != municipality.pk for s in schools):
        raise DiagnosticsError(_("All schools must belong to the survey's municipality."))
    survey = TeacherSurvey.objects.create(
        municipality=municipality,
        title=title,
        token=secrets.token_urlsafe(24),
        opens_on=opens_on,
        closes_on=closes_on,
        min_responses=min_responses,
        created_by=user,
    )
    survey.schools.set(schools)
    return survey


def survey_is_open(survey: TeacherSurvey, *, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return survey.opens_on <= today <= survey.closes_on


@transaction.atomic
def survey_answer(
    *,
    survey: TeacherSurvey,
    user: Any,
    organisation: Organisation,
    needs: Iterable[str],
    difficulties: str,
    support_wanted: str,
) -> None:
    """Store one anonymous answer and, separately, the fact that the user has answered.

    The answer carries no user, no IP and no time of day; its key is random, so it cannot be
    matched to the participation row by order.
    """
    if not survey_is_open(survey):
        raise DiagnosticsError(_("The survey is closed."))
    _participation, created = SurveyParticipation.objects.get_or_create(survey=survey, user=user)
    if not created:
        raise DiagnosticsError(_("You have already answered this survey. Thank you!"))
    # shown on the school's own card only (its needs in the mentor suggestions, as published):
    # the other schools' kept pages stay (``schools.card_cache``)
    with card_cache.attributed(
        SurveyResponse, SurveyNeed, SurveyPublication, schools=[organisation.pk]
    ):
        response = SurveyResponse.objects.create(
            id=uuid.uuid4(),
            survey=survey,
            organisation=organisation,
            difficulties=difficulties.strip(),
            support_wanted=support_wanted.strip(),
            answered_on=timezone.localdate(),
        )
        SurveyNeed.objects.bulk_create(
            SurveyNeed(response=response, need=n) for n in sorted(set(needs))
        )
        survey_publish(survey=survey, organisation_id=organisation.pk)


@transaction.atomic
def survey_publish(*, survey: TeacherSurvey, organisation_id: int, force: bool = False) -> bool:
    """Renew the school's published figures when at least ``selectors.survey_publish_step()``
    answers have come since they were last published (``force``: whatever their number, for
    the demo data).

    Pages of an open survey show only published figures, so no single answer can be read off
    by comparing the page before and after it. The publication row is locked: two answers at
    the same moment count each other. True when the figures were renewed.
    """
    from .selectors import survey_publish_step

    publication, _created = SurveyPublication.objects.select_for_update().get_or_create(
        survey=survey, organisation_id=organisation_id
    )
    answers = SurveyResponse.objects.filter(survey=survey, organisation_id=organisation_id)
    n = answers.count()
    new = n - publication.responses
    if new <= 0 or (not force and new < survey_publish_step()):
        return False
    publication.needs = dict(
        SurveyNeed.objects.filter(response__in=answers)
        .values_list("need")
        .annotate(c=Count("pk"))
        .order_by()
    )
    publication.responses, publication.published_at = n, timezone.now()
    publication.save(update_fields=["needs", "responses", "published_at"])
    return True


# --- Transformation stages (seed 000) -------------------------------------------------------------


def stage_record(
    *,
    organisation: Organisation,
    stage: int,
    reached_on: datetime.date,
    evidence: str,
    evidence_link: str,
    evidence_file: Any,
    user: Any,
) -> StageRecord:
    record = StageRecord.objects.create(
        organisation=organisation,
        stage=stage,
        reached_on=reached_on,
        evidence=evidence,
        evidence_link=evidence_link,
        evidence_file=evidence_file or "",
        set_by=user,
    )
    audit_log(actor=user, action="diagnostics.stage_record", obj=record, stage=stage)
    return record
