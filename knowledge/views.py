"""Pages of the practice bank and the mentor bank."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diagnostics.card import current_levels
from diagnostics.models import TeacherNeed
from network_portal.access.policy import (
    get_for_user_or_404,
    organisation_q,
    require,
    role_required,
    scope_for,
)
from network_portal.accounts.models import Role
from network_portal.documents.services import job_request
from network_portal.ui.request_size import accepts_upload
from network_portal.ui.spreadsheets import xlsx_response
from schools.models import Municipality, Organisation

from . import exports, matching, prefill, results, selectors, services
from .forms import (
    SUBJECT_CHOICES,
    AdoptForm,
    CommentForm,
    CompleteForm,
    GoalForm,
    MaterialForm,
    MeetingForm,
    MentorForm,
    MentorshipForm,
    PracticeFilterForm,
    PracticeForm,
    TransitionForm,
)
from .models import Mentor, MentorshipGoal, PracticeMaterial

PAGE = 20
SUBJECTS = dict(SUBJECT_CHOICES)
NEEDS = dict(TeacherNeed.choices)


def _errors(request: HttpRequest, form) -> None:
    for errors in form.errors.values():
        messages.error(request, " ".join(errors))


# --- Practices ---------------------------------------------------------------------------------


def _filtered(request: HttpRequest):
    qs = selectors.practice_list_for_user(user=request.user)
    filters = PracticeFilterForm(
        request.GET or None,
        municipalities=Municipality.objects.filter(pk__in=qs.values("municipality_id")),
    )
    chosen = filters.filters()
    return filters, selectors.practice_filter(qs, **chosen)


def practice_list(request: HttpRequest) -> HttpResponse:
    filters, practices = _filtered(request)
    page = Paginator(selectors.practice_rows(practices), PAGE).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    return render(
        request,
        "knowledge/practice_list.html",
        {
            "filters": filters,
            "page_obj": page,
            "practices": page.object_list,
            "can_create": scope.has_role(*selectors.PROPOSER_ROLES),
            "review_count": selectors.review_queue_count(user=request.user),
            "query_string": request.GET.copy().urlencode() if request.GET else "",
        },
    )


def practice_export(request: HttpRequest) -> HttpResponse:
    _filters, practices = _filtered(request)
    rows = selectors.practice_rows(practices).defer(None)  # the texts go into the workbook
    content = exports.practices_xlsx(
        practices=rows.defer("results_snapshot", "search_text", "search_stems", "search_vector")[
            :5000
        ]
    )
    return xlsx_response(content, "practices.xlsx")


def _practice_form(request: HttpRequest, data=None, files=None, **kwargs) -> PracticeForm:
    return PracticeForm(
        data,
        files,
        municipalities=selectors.practice_municipalities_for(user=request.user),
        organisations=selectors.author_organisations_for(user=request.user),
        **kwargs,
    )


def _practice_create(request: HttpRequest, *, initial: dict, source: dict) -> HttpResponse:
    form = _practice_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        for name, value in source.items():
            setattr(form.instance, name, value)
        practice = services.practice_save(form=form, user=request.user)
        messages.success(request, _("The practice is saved as a draft."))
        return redirect("knowledge:practice_detail", pk=practice.pk)
    return render(
        request, "knowledge/practice_form.html", {"form": form, "practice": None, **source}
    )


@role_required(*selectors.PROPOSER_ROLES)
def practice_create(request: HttpRequest) -> HttpResponse:
    own = scope_for(request.user).own_organisation_id
    return _practice_create(
        request, initial={"author_organisations": [own] if own else []}, source={}
    )


@role_required(Role.COORDINATOR, Role.METHODOLOGIST, Role.DIRECTOR, Role.PARTNER)
def practice_from_partnership(request: HttpRequest, partnership_pk: int) -> HttpResponse:
    from partnerships.selectors import partnership_detail_for_user

    partnership = partnership_detail_for_user(user=request.user, pk=partnership_pk)
    require(partnership.status == "completed")
    return _practice_create(
        request,
        initial=prefill.from_partnership(partnership),
        source={"partnership": partnership, "network": partnership.network},
    )


@role_required(Role.COORDINATOR, Role.METHODOLOGIST, Role.DIRECTOR)
def practice_from_event(request: HttpRequest, event_pk: int) -> HttpResponse:
    from events.selectors import event_list_for_user

    event = get_for_user_or_404(
        event_list_for_user(user=request.user).select_related("organiser", "partnership"),
        pk=event_pk,
    )
    require(event.status == "held" and hasattr(event, "report"))
    return _practice_create(
        request,
        initial=prefill.from_event(event),
        source={"event": event, "partnership": event.partnership},
    )


def practice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    factor_names = {str(f.code): f.name for f in practice.risk_factors.all()}
    if practice.results_snapshot:
        from diagnostics.models import RiskFactor

        factor_names = {str(c): n for c, n in RiskFactor.objects.values_list("code", "name")}
    perms = selectors.practice_permissions(user=request.user, practice=practice)
    can_edit = perms.can_edit
    return render(
        request,
        "knowledge/practice_detail.html",
        {
            "practice": practice,
            "partnership_visible": selectors.practice_source_visible(
                user=request.user, practice=practice
            ),
            "can_edit": can_edit,
            "can_review": perms.can_review,
            "transitions": services.available_transitions(user=request.user, practice=practice),
            "snapshot_rows": results.snapshot_rows(practice.results_snapshot, factor_names),
            "snapshot": practice.results_snapshot,
            "snapshot_events": results.snapshot_events(practice.results_snapshot),
            "subject_labels": [str(SUBJECTS.get(c, c)) for c in practice.subject_codes],
            "comments": practice.comments.select_related("author"),
            "adopt_form": _adopt_form(request, practice),
            "material_form": MaterialForm() if can_edit else None,
            "comment_form": CommentForm(),
            "adoptions": practice.adoptions.select_related("item__roadmap__organisation")[:20],
        },
    )


def _adopt_form(request: HttpRequest, practice, data=None) -> AdoptForm | None:
    from roadmaps.selectors import roadmap_list_for_user

    if practice.status != "published" or not (practice.measure or practice.actions):
        return None
    scope = scope_for(request.user)
    roadmaps = roadmap_list_for_user(user=request.user)
    if not scope.is_admin:
        roadmaps = roadmaps.filter(organisation_id__in=scope.organisation_ids(Role.DIRECTOR))
    if not roadmaps.exists():
        return None
    return AdoptForm(data, roadmaps=roadmaps, initial={"roadmap": request.GET.get("roadmap")})


def practice_edit(request: HttpRequest, pk: int) -> HttpResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    require(selectors.practice_permissions(user=request.user, practice=practice).can_edit)
    form = _practice_form(request, request.POST or None, instance=practice)
    if request.method == "POST" and form.is_valid():
        services.practice_save(form=form, user=request.user)
        messages.success(request, _("The practice is saved."))
        return redirect("knowledge:practice_detail", pk=practice.pk)
    return render(request, "knowledge/practice_form.html", {"form": form, "practice": practice})


@require_POST
def practice_transition(request: HttpRequest, pk: int) -> HttpResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    require(form.is_valid())
    require(bool(selectors.practice_permissions(user=request.user, practice=practice).actors))
    try:
        services.practice_transition(
            practice=practice,
            action=form.cleaned_data["action"],
            user=request.user,
            comment=form.cleaned_data["comment"],
        )
        messages.success(request, _("The status of the practice is changed."))
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    return redirect("knowledge:practice_detail", pk=pk)


@require_POST
def practice_comment(request: HttpRequest, pk: int) -> HttpResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    require(bool(selectors.practice_permissions(user=request.user, practice=practice).actors))
    form = CommentForm(request.POST)
    if form.is_valid():
        services.practice_comment(
            practice=practice, user=request.user, text=form.cleaned_data["text"]
        )
    else:
        _errors(request, form)
    return redirect(f"{reverse('knowledge:practice_detail', args=[pk])}#comments")


@require_POST
def practice_refresh_results(request: HttpRequest, pk: int) -> HttpResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    require(selectors.practice_permissions(user=request.user, practice=practice).can_edit)
    services.practice_take_results(practice=practice)
    messages.success(request, _("The results are taken again from the portal's data."))
    return redirect("knowledge:practice_detail", pk=pk)


@require_POST
@accepts_upload()
def material_add(request: HttpRequest, pk: int) -> HttpResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    require(selectors.practice_permissions(user=request.user, practice=practice).can_edit)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_add(
                practice=practice,
                user=request.user,
                title=form.cleaned_data["title"],
                upload=form.cleaned_data["file"],
                url=form.cleaned_data["url"],
            )
            messages.success(request, _("The material is added."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        _errors(request, form)
    return redirect(f"{reverse('knowledge:practice_detail', args=[pk])}#materials")


def material_download(request: HttpRequest, pk: int, material_pk: int) -> FileResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    material = get_object_or_404(PracticeMaterial, practice=practice, pk=material_pk)
    if not material.file:
        raise Http404
    return FileResponse(
        material.file.open("rb"), as_attachment=True, filename=material.file_name or "material"
    )


@require_POST
def material_delete(request: HttpRequest, pk: int, material_pk: int) -> HttpResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    require(selectors.practice_permissions(user=request.user, practice=practice).can_edit)
    get_object_or_404(PracticeMaterial, practice=practice, pk=material_pk).delete()
    return redirect(f"{reverse('knowledge:practice_detail', args=[pk])}#materials")


@require_POST
def practice_adopt(request: HttpRequest, pk: int) -> HttpResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    form = _adopt_form(request, practice, request.POST)
    require(form is not None)
    if not form.is_valid():
        _errors(request, form)
        return redirect("knowledge:practice_detail", pk=pk)
    roadmap = form.cleaned_data["roadmap"]
    services.practice_adopt(practice=practice, roadmap=roadmap, user=request.user)
    messages.success(request, _("The practice's measure is added to the roadmap."))
    return redirect("roadmaps:detail", pk=roadmap.pk)


@require_POST
def practice_passport(request: HttpRequest, pk: int) -> HttpResponse:
    practice = selectors.practice_detail_for_user(user=request.user, pk=pk)
    job = job_request(
        kind="knowledge.practice_passport",
        params={"practice_id": practice.pk},
        title=_("Passport of the practice «%(title)s»") % {"title": practice.title[:200]},
        user=request.user,
    )
    return redirect("documents:detail", pk=job.pk)


# --- Mentors -----------------------------------------------------------------------------------


def mentor_list(request: HttpRequest) -> HttpResponse:
    mentors = selectors.mentor_rows(selectors.mentor_list_for_user(user=request.user))
    factor = request.GET.get("factor", "")
    if factor.isdigit():
        mentors = mentors.filter(risk_factors__code=int(factor))
    page = Paginator(mentors, PAGE).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    mine = getattr(request.user, "mentor_profile", None) if scope.roles else None
    from diagnostics.models import RiskFactor

    return render(
        request,
        "knowledge/mentor_list.html",
        {
            "page_obj": page,
            "mentors": [(m, selectors.contacts_visible(user=request.user, mentor=m)) for m in page],
            "factors": RiskFactor.objects.all(),
            "factor": factor,
            "can_add": scope.has_role(*selectors.PROPOSER_ROLES),
            "mine": mine,
            "mentorships": selectors.mentorship_rows(
                selectors.mentorship_list_for_user(user=request.user)
            )[:20],
            "schools": selectors.booking_schools_for(user=request.user)[:50],
        },
    )


def mentor_export(request: HttpRequest) -> HttpResponse:
    mentors = selectors.mentor_rows(selectors.mentor_list_for_user(user=request.user))[:5000]
    content = exports.mentors_xlsx(
        rows=[(m, selectors.contacts_visible(user=request.user, mentor=m)) for m in mentors]
    )
    return xlsx_response(content, "mentors.xlsx")


def _mentor_form(request: HttpRequest, data=None, **kwargs) -> MentorForm:
    scope = scope_for(request.user)
    return MentorForm(
        data,
        municipalities=selectors.practice_municipalities_for(user=request.user),
        organisations=Organisation.objects.filter(organisation_q(scope)).select_related(
            "municipality"
        ),
        **kwargs,
    )


@role_required(*selectors.PROPOSER_ROLES)
def mentor_create(request: HttpRequest) -> HttpResponse:
    """A user volunteers (their card is linked to them); the territory adds external people."""
    scope = scope_for(request.user)
    territory = bool(scope.municipality_ids or scope.region_ids or scope.is_admin)
    volunteer = not territory or request.GET.get("me") == "1" or request.POST.get("me") == "1"
    if volunteer and Mentor.objects.filter(user=request.user).exists():
        return redirect("knowledge:mentor_detail", pk=request.user.mentor_profile.pk)
    initial = {"capacity": 2}
    if volunteer:
        initial |= {
            "full_name": request.user.get_full_name(),
            "email": request.user.email,
            "organisation": scope.own_organisation_id,
        }
    form = _mentor_form(request, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        if volunteer:
            form.instance.user = request.user
        mentor = services.mentor_save(form=form, user=request.user)
        messages.success(request, _("The mentor is in the mentor bank."))
        return redirect("knowledge:mentor_detail", pk=mentor.pk)
    return render(
        request,
        "knowledge/mentor_form.html",
        {"form": form, "mentor": None, "volunteer": volunteer},
    )


def _mentor(request: HttpRequest, pk: int) -> Mentor:
    return get_for_user_or_404(
        selectors.mentor_rows(selectors.mentor_list_for_user(user=request.user)), pk=pk
    )


def mentor_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mentor = _mentor(request, pk)
    schools = selectors.booking_schools_for(user=request.user)
    form = MentorshipForm(schools=schools) if schools.exists() else None
    return _mentor_page(request, mentor, booking_form=form)


def _mentor_page(request: HttpRequest, mentor, *, booking_form) -> HttpResponse:
    return render(
        request,
        "knowledge/mentor_detail.html",
        {
            "mentor": mentor,
            "contacts": selectors.contacts_visible(user=request.user, mentor=mentor),
            "can_edit": selectors.mentor_permissions(user=request.user, mentor=mentor).can_edit,
            "free": mentor.capacity - mentor.taken,
            "need_labels": [str(NEEDS.get(c, c)) for c in mentor.need_codes],
            "booking_form": booking_form,
            "mentorships": selectors.mentorship_rows(
                selectors.mentorship_list_for_user(user=request.user).filter(mentor=mentor)
            ),
        },
    )


def mentor_edit(request: HttpRequest, pk: int) -> HttpResponse:
    mentor = _mentor(request, pk)
    require(selectors.mentor_permissions(user=request.user, mentor=mentor).can_edit)
    form = _mentor_form(request, request.POST or None, instance=mentor)
    if request.method == "POST" and form.is_valid():
        services.mentor_save(form=form, user=request.user)
        messages.success(request, _("The mentor's card is saved."))
        return redirect("knowledge:mentor_detail", pk=pk)
    return render(request, "knowledge/mentor_form.html", {"form": form, "mentor": mentor})


def mentor_suggest(request: HttpRequest, school_pk: int) -> HttpResponse:
    from schools.selectors import organisation_list_for_user

    school = get_for_user_or_404(
        organisation_list_for_user(user=request.user).select_related("municipality"),
        pk=school_pk,
    )
    wants, suggestions = matching.suggest_for_school(
        organisation=school, levels=current_levels(request, school)
    )
    can_book = selectors.booking_schools_for(user=request.user).filter(pk=school.pk).exists()
    return render(
        request,
        "knowledge/mentor_suggest.html",
        {"school": school, "wants": wants, "suggestions": suggestions, "can_book": can_book},
    )


# --- Mentorships -------------------------------------------------------------------------------


@require_POST
def mentorship_create(request: HttpRequest, mentor_pk: int) -> HttpResponse:
    mentor = _mentor(request, mentor_pk)
    schools = selectors.booking_schools_for(user=request.user)
    require(schools.exists())
    form = MentorshipForm(request.POST, schools=schools)
    if not form.is_valid():  # the page again, with what was typed and the field's error
        return _mentor_page(request, mentor, booking_form=form)
    school = form.cleaned_data["organisation"]
    teacher_only = selectors.books_for_self_only(user=request.user, organisation=school)
    reasons = request.POST.getlist("reason")[:10]
    try:
        mentorship = services.mentorship_propose(
            mentor=mentor,
            organisation=school,
            mentee=form.cleaned_data["mentee"],
            topic=form.cleaned_data["topic"],
            user=request.user,
            mentee_user=request.user if teacher_only else None,
            reasons=[r[:300] for r in reasons],
        )
    except services.CapacityError as exc:
        messages.error(request, str(exc))
        return redirect("knowledge:mentor_detail", pk=mentor.pk)
    messages.success(request, _("The mentorship is proposed to the mentor."))
    return redirect("knowledge:mentorship_detail", pk=mentorship.pk)


def mentorship_detail(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = selectors.mentorship_detail_for_user(user=request.user, pk=pk)
    roles = selectors.mentorship_permissions(user=request.user, mentorship=mentorship).roles
    actions = [
        (action, rule)
        for action, rule in services.MENTORSHIP_TRANSITIONS.items()
        if mentorship.status in rule[0] and rule[2] & roles
    ]
    return render(
        request,
        "knowledge/mentorship_detail.html",
        {
            "mentorship": mentorship,
            "actions": [a for a, _rule in actions],
            "can_plan": bool(roles) and services.mentorship_is_open(mentorship),
            "goal_form": GoalForm(),
            "meeting_form": MeetingForm(),
            "contacts": selectors.contacts_visible(user=request.user, mentor=mentorship.mentor),
        },
    )


def _plannable(request: HttpRequest, pk: int):
    mentorship = selectors.mentorship_detail_for_user(user=request.user, pk=pk)
    require(selectors.mentorship_permissions(user=request.user, mentorship=mentorship).can_plan)
    return mentorship


@require_POST
def mentorship_transition(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = _plannable(request, pk)
    form = CompleteForm(request.POST)
    require(form.is_valid())
    try:
        services.mentorship_transition(
            mentorship=mentorship,
            action=form.cleaned_data["action"],
            user=request.user,
            result=form.cleaned_data["result"],
        )
        messages.success(request, _("The status of the mentorship is changed."))
    except services.TransitionError as exc:
        messages.error(request, str(exc))
    return redirect("knowledge:mentorship_detail", pk=pk)


@require_POST
def goal_add(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = _plannable(request, pk)
    form = GoalForm(request.POST)
    if form.is_valid():
        try:
            services.goal_add(mentorship=mentorship, **form.cleaned_data)
        except services.TransitionError as exc:
            messages.error(request, str(exc))
    else:
        _errors(request, form)
    return redirect(f"{reverse('knowledge:mentorship_detail', args=[pk])}#goals")


@require_POST
def goal_done(request: HttpRequest, pk: int, goal_pk: int) -> HttpResponse:
    mentorship = _plannable(request, pk)
    services.goal_done(goal=get_object_or_404(MentorshipGoal, mentorship=mentorship, pk=goal_pk))
    return redirect(f"{reverse('knowledge:mentorship_detail', args=[pk])}#goals")


@require_POST
def meeting_add(request: HttpRequest, pk: int) -> HttpResponse:
    mentorship = _plannable(request, pk)
    form = MeetingForm(request.POST)
    if form.is_valid():
        try:
            services.meeting_add(mentorship=mentorship, **form.cleaned_data)
        except services.TransitionError as exc:
            messages.error(request, str(exc))
    else:
        _errors(request, form)
    return redirect(f"{reverse('knowledge:mentorship_detail', args=[pk])}#meetings")
