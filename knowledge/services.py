"""Writes of the knowledge base: practices and their review, materials, adopting a practice's
measure in a roadmap, mentors and mentorships (a mentor's places never overbooked)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network_portal.audit.services import audit_log
from network_portal.documents.uploads import validate_upload

from . import results, search
from .models import (
    TAKING_PLACE,
    Mentor,
    Mentorship,
    MentorshipGoal,
    MentorshipMeeting,
    MentorshipStatus,
    Practice,
    PracticeAdoption,
    PracticeComment,
    PracticeMaterial,
    PracticeStatus,
)
from .selectors import mentorship_permissions, practice_permissions

S = PracticeStatus


class TransitionError(Exception):
    """A status change that is not allowed now; the message is shown to the user."""


@dataclass(frozen=True)
class Transition:
    action: str
    label: Any
    sources: tuple[str, ...]
    target: str
    #: "editor" (creator, authors, territory) or "reviewer" (the territory)
    actor: str
    needs_comment: bool = False
    style: str = "primary"


PRACTICE_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("submit", gettext_lazy("Submit for review"), (S.DRAFT,), S.REVIEW, "editor"),
        Transition(
            "return",
            gettext_lazy("Return for revision"),
            (S.REVIEW,),
            S.DRAFT,
            "reviewer",
            needs_comment=True,
            style="outline-secondary",
        ),
        Transition(
            "publish",
            gettext_lazy("Publish"),
            (S.REVIEW,),
            S.PUBLISHED,
            "reviewer",
            style="success",
        ),
        Transition(
            "archive",
            gettext_lazy("Move to the archive"),
            (S.PUBLISHED,),
            S.ARCHIVED,
            "reviewer",
            needs_comment=True,
            style="outline-secondary",
        ),
        Transition(
            "restore", gettext_lazy("Publish again"), (S.ARCHIVED,), S.PUBLISHED, "reviewer"
        ),
    )
}


def available_transitions(*, user: Any, practice: Practice) -> list[Transition]:
    actors = practice_permissions(user=user, practice=practice).actors
    return [
        t
        for t in PRACTICE_TRANSITIONS.values()
        if practice.status in t.sources and t.actor in actors
    ]


def practice_problems(practice: Practice) -> list[str]:
    """What keeps a practice from review: no problem, no result, nothing it answers."""
    problems = []
    if not practice.problem.strip():
        problems.append(_("Describe the problem the practice answers."))
    if not practice.risk_factors.exists() and not practice.subjects:
        problems.append(_("Name at least one risk factor or subject the practice answers."))
    if not practice.results.strip():
        problems.append(_("Describe the results of the practice."))
    if not practice.actions.strip():
        problems.append(_("Describe what was done."))
    return problems


def practice_reindex(practice: Practice) -> None:
    """Refresh the searchable text (after the lists of factors and forms are saved)."""
    factors = " ".join(f.name for f in practice.risk_factors.all())
    forms = " ".join(f.name for f in practice.forms.all())
    body = "\n".join(
        [
            practice.problem,
            practice.actions,
            practice.measure,
            practice.results,
            factors,
            forms,
            " ".join(o.short_name for o in practice.author_organisations.all()),
        ]
    )
    practice.search_text = f"{practice.title}\n{body}"
    practice.search_stems = search.stems_text(practice.title, body)
    Practice.objects.filter(pk=practice.pk).update(
        search_text=practice.search_text, search_stems=practice.search_stems
    )
    search.fill_vectors(Practice.objects.filter(pk=practice.pk))


def practice_take_results(*, practice: Practice) -> Practice:
    """Attach the results from the portal's data of the practice's source."""
    if practice.partnership_id:
        snapshot = results.partnership_snapshot(partnership=practice.partnership)
    elif practice.event_id:
        snapshot = results.event_snapshot(event=practice.event)
    else:
        return practice
    practice.results_snapshot = snapshot
    practice.results_taken_at = timezone.now()
    practice.proved_effect = results.effect_of(snapshot)
    Practice.objects.filter(pk=practice.pk).update(
        results_snapshot=snapshot,
        results_taken_at=practice.results_taken_at,
        proved_effect=practice.proved_effect,
    )
    return practice


@transaction.atomic
def practice_save(*, form: Any, user: Any) -> Practice:
    """Create or edit a practice from its form (a ``PracticeForm``); the history records it."""
    practice = form.instance
    creating = practice.pk is None
    if creating:
        practice.created_by = user
    elif not practice_permissions(user=user, practice=practice).can_edit:
        raise TransitionError(_("This practice can no longer be edited."))
    practice._history_user = user
    practice = form.save()
    practice_reindex(practice)
    if creating:
        practice_take_results(practice=practice)
    return practice


@transaction.atomic
def practice_transition(
    *, practice: Practice, action: str, user: Any, comment: str = ""
) -> Practice:
    locked = Practice.objects.select_for_update().select_related("municipality").get(pk=practice.pk)
    t = PRACTICE_TRANSITIONS.get(action)
    if t is None or locked.status not in t.sources:
        raise TransitionError(_("This action is not possible in the practice's current status."))
    if t.actor not in practice_permissions(user=user, practice=locked).actors:
        raise TransitionError(_("You may not do this."))
    comment = comment.strip()
    if t.needs_comment and not comment:
        raise TransitionError(_("Write a comment: the authors need to know why."))
    if t.target in (S.REVIEW, S.PUBLISHED):
        problems = practice_problems(locked)
        if problems:
            raise TransitionError(" ".join(problems))
    old = locked.status
    locked.status = t.target
    fields = ["status", "updated_at"]
    if t.target == S.PUBLISHED:
        locked.published_at = locked.published_at or timezone.now()
        locked.reviewed_by = user
        fields += ["published_at", "reviewed_by"]
    locked._history_user = user
    locked.save(update_fields=fields)
    PracticeComment.objects.create(practice=locked, action=action, text=comment, author=user)
    audit_log(actor=user, action=f"practice.{action}", obj=locked, before=old, after=t.target)
    return locked


def practice_comment(*, practice: Practice, user: Any, text: str) -> PracticeComment:
    text = text.strip()
    if not text:
        raise ValidationError(_("The comment is empty."))
    return PracticeComment.objects.create(practice=practice, text=text[:5000], author=user)


def material_add(
    *, practice: Practice, user: Any, title: str, upload: Any = None, url: str = ""
) -> PracticeMaterial:
    """A file (checked by its content like every upload of the portal) or an http(s) link."""
    url = (url or "").strip()
    if upload is None and not url:
        raise ValidationError(_("Attach a file or give a link."))
    if url and not url.lower().startswith(("http://", "https://")):
        raise ValidationError(_("A link must start with http:// or https://."))
    material = PracticeMaterial(
        practice=practice, title=title.strip()[:300], url=url, added_by=user
    )
    if upload is not None:
        validate_upload(upload)
        material.file_name = upload.name[:255]
        material.file.save(upload.name, upload, save=False)
    material.save()
    return material


@transaction.atomic
def practice_adopt(*, practice: Practice, roadmap: Any, user: Any) -> Any:
    """Add the practice's measure to a roadmap as a new item; the item keeps the link."""
    from roadmaps.models import RoadmapItem
    from roadmaps.services import item_save

    factor = practice.risk_factors.first()
    today = timezone.localdate()
    months = practice.duration_months or 3
    item = item_save(
        item=RoadmapItem(roadmap=roadmap),
        data={
            "task": _("Apply the practice «%(title)s»") % {"title": practice.title[:400]},
            "measure": practice.measure or practice.actions,
            "risk_factor": factor,
            "start_date": today,
            "due_date": today + dt.timedelta(days=30 * months),
        },
        version=None,
        user=user,
    )
    PracticeAdoption.objects.create(practice=practice, item=item, created_by=user)
    return item


# --- Mentors and mentorships ----------------------------------------------------------------------


def mentor_save(*, form: Any, user: Any) -> Mentor:
    mentor = form.instance
    if mentor.pk is None:
        mentor.created_by = user
    mentor._history_user = user
    return form.save()


class CapacityError(Exception):
    """The mentor has no free place left."""


@transaction.atomic
def mentorship_propose(
    *,
    mentor: Mentor,
    organisation: Any,
    mentee: str,
    topic: str,
    user: Any,
    mentee_user: Any = None,
    reasons: list[str] | None = None,
) -> Mentorship:
    """Book one of the mentor's places. The mentor's row is locked while places are counted,
    so two people booking the last place at once get one place and one refusal."""
    locked = Mentor.objects.select_for_update().get(pk=mentor.pk)
    if not locked.is_active:
        raise CapacityError(_("This mentor does not take mentees now."))
    taken = Mentorship.objects.filter(mentor=locked, status__in=TAKING_PLACE).count()
    if taken >= locked.capacity:
        raise CapacityError(
            _("No places left: %(name)s has taken %(taken)s mentees of %(capacity)s.")
            % {"name": locked.full_name, "taken": taken, "capacity": locked.capacity}
        )
    mentorship = Mentorship.objects.create(
        mentor=locked,
        organisation=organisation,
        mentee=mentee.strip()[:300],
        mentee_user=mentee_user,
        topic=topic.strip()[:300],
        reasons=reasons or [],
        created_by=user,
    )
    audit_log(actor=user, action="mentorship.propose", obj=mentorship, mentor=locked.pk)
    return mentorship


MENTORSHIP_TRANSITIONS = {
    # action: (sources, target, who may)
    "accept": ((MentorshipStatus.PROPOSED,), MentorshipStatus.ACTIVE, {"mentor", "territory"}),
    "decline": ((MentorshipStatus.PROPOSED,), MentorshipStatus.DECLINED, {"mentor", "territory"}),
    "complete": (
        (MentorshipStatus.ACTIVE,),
        MentorshipStatus.COMPLETED,
        {"mentor", "territory", "school"},
    ),
}


@transaction.atomic
def mentorship_transition(
    *, mentorship: Mentorship, action: str, user: Any, result: str = ""
) -> Mentorship:
    locked = (
        Mentorship.objects.select_for_update()
        .select_related("mentor", "organisation__municipality")
        .get(pk=mentorship.pk)
    )
    rule = MENTORSHIP_TRANSITIONS.get(action)
    if rule is None or locked.status not in rule[0]:
        raise TransitionError(_("This action is not possible in the mentorship's current status."))
    if not rule[2] & mentorship_permissions(user=user, mentorship=locked).roles:
        raise TransitionError(_("You may not do this."))
    if action == "complete":
        if not result.strip():
            raise TransitionError(_("Write the result of the mentorship in a few words."))
        locked.result = result.strip()[:5000]
        locked.ended_on = timezone.localdate()
    if action == "accept":
        locked.started_on = timezone.localdate()
    old = locked.status
    locked.status = rule[1]
    locked.save()
    audit_log(actor=user, action=f"mentorship.{action}", obj=locked, before=old, after=rule[1])
    return locked


def mentorship_is_open(mentorship: Mentorship) -> bool:
    return mentorship.status in TAKING_PLACE


def goal_add(*, mentorship: Mentorship, text: str, due_date: dt.date) -> MentorshipGoal:
    if not mentorship_is_open(mentorship):
        raise TransitionError(_("The mentorship is closed."))
    return MentorshipGoal.objects.create(
        mentorship=mentorship, text=text.strip(), due_date=due_date
    )


def goal_done(*, goal: MentorshipGoal) -> MentorshipGoal:
    goal.done_on = None if goal.done_on else timezone.localdate()
    goal.save(update_fields=["done_on"])
    return goal


def meeting_add(
    *, mentorship: Mentorship, starts_at: dt.datetime, topic: str, place: str = ""
) -> MentorshipMeeting:
    if not mentorship_is_open(mentorship):
        raise TransitionError(_("The mentorship is closed."))
    return MentorshipMeeting.objects.create(
        mentorship=mentorship, starts_at=starts_at, topic=topic.strip(), place=place.strip()
    )
