"""Thin views: fetch through the access policy → form → service → redirect, or render."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from network_portal.access.policy import (
    get_for_user_or_404,
    require,
    role_required,
    scope_for,
)
from network_portal.accounts.models import Role
from network_portal.editing import StaleEdit
from network_portal.ui.request_size import accepts_upload
from schools.models import Organisation

from . import history, selectors, services, transitions
from .agreement_text import PLACEHOLDERS
from .forms import (
    AcceptSuggestionForm,
    AgreementForm,
    AgreementTemplateForm,
    MatchingSettingsForm,
    NetworkForm,
    PartnershipFilterForm,
    PartnershipForm,
    PlanCreateForm,
    ProviderProfileForm,
    ScanForm,
    StrengthForm,
    TransitionForm,
)
from .models import (
    AgreementKind,
    DeclaredStrength,
    MatchingSettings,
    MemberRole,
    PlanStatus,
)

TERRITORY = (Role.COORDINATOR, Role.METHODOLOGIST)


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


# --- Partnerships ----------------------------------------------------------------------------


def partnership_list(request: HttpRequest) -> HttpResponse:
    municipalities = selectors.managed_municipalities(user=request.user)
    filters = PartnershipFilterForm(request.GET or None, municipalities=municipalities)
    wanted = filters.cleaned_data if filters.is_valid() else {}
    qs = selectors.partnership_list_page(
        user=request.user,
        status=wanted.get("status", ""),
        search=wanted.get("q", ""),
        municipality=wanted.get("municipality"),
    )
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    return render(
        request,
        "partnerships/partnership_list.html",
        {
            "page": page,
            "partnerships": page.object_list,
            "filters": filters,
            "several_municipalities": len(municipalities) > 1,
            "can_create": scope.has_role(*TERRITORY),
            "is_coordinator": scope.has_role(Role.COORDINATOR),
        },
    )


def partnership_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.partnership_detail_for_user(user=request.user, pk=pk)
    perms = selectors.partnership_permissions(user=request.user, partnership=partnership)
    own = perms.member_organisation_ids
    actions = transitions.available(
        transitions.PARTNERSHIP_TRANSITIONS, status=partnership.status, actors=perms.actors
    )
    if all(m.agreed_at for m in partnership.members.all() if m.organisation_id in own):
        actions = [t for t in actions if t.action != "agree"]
    return render(
        request,
        "partnerships/partnership_detail.html",
        {
            "partnership": partnership,
            "actions": actions,
            "can_manage": perms.can_manage,
            "history": history.partnership_history(partnership=partnership),
            "agreements": partnership.agreements.select_related("document_job"),
            "roles": MemberRole,
            # a member of the pair may not see the network it belongs to (the territory's)
            "can_open_network": bool(partnership.network_id)
            and selectors.network_list_for_user(user=request.user)
            .filter(pk=partnership.network_id)
            .exists(),
        },
    )


def _partnership_form(request, data=None, initial=None, partnership=None):
    """The form offers the organisations of the territory the user manages; an edited
    partnership's own members stay on offer (a coordinator's cross-municipality pair)."""
    organisations = selectors.member_organisations_for_user(user=request.user)
    if partnership is not None:
        organisations = organisations | Organisation.objects.filter(
            pk__in=[m.organisation_id for m in partnership.members.all()]
        )
    return PartnershipForm(
        data,
        initial=initial,
        municipalities=selectors.managed_municipalities(user=request.user),
        organisations=organisations.distinct(),
    )


def _data(form) -> services.PartnershipData:
    d = form.cleaned_data
    return services.PartnershipData(
        title=d["title"],
        municipality=d["municipality"],
        supported=list(d["supported"]),
        leaders=list(d["leaders"]),
        partners=list(d["partners"]),
        risk_factors=d["risk_factors"],
        forms=d["interaction_forms"],
        directions=d["directions"],
        resources=d["resources"],
        start_date=d["start_date"],
        end_date=d["end_date"],
        description=d["description"],
        network=d["network"],
        over_capacity_reason=d["over_capacity_reason"],
    )


@role_required(*TERRITORY)
def partnership_create(request: HttpRequest) -> HttpResponse:
    form = _partnership_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            partnership = services.partnership_create(actor=request.user, data=_data(form))
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The partnership is proposed."))
            return redirect("partnerships:detail", pk=partnership.pk)
    return render(request, "partnerships/partnership_form.html", {"form": form})


def partnership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.partnership_detail_for_user(user=request.user, pk=pk)
    perms = selectors.partnership_permissions(user=request.user, partnership=partnership)
    require(perms.can_manage)
    initial = selectors.partnership_form_initial(partnership=partnership)
    form = _partnership_form(request, request.POST or None, initial, partnership)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.partnership_update(
                partnership=partnership,
                actor=request.user,
                data=_data(form),
                version=form.seen_version,
            )
        except StaleEdit as stale:
            form.refuse(stale)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _partnership_saved_message(partnership, saved))
            return redirect("partnerships:detail", pk=partnership.pk)
    context = {"form": form, "partnership": partnership}
    return render(request, "partnerships/partnership_form.html", context)


def _partnership_saved_message(before, after) -> str:
    if after.status != before.status:
        return _(
            "The partnership is saved. New members joined it, so it is «%(status)s» again: "
            "they have to agree to it (or approve it once more)."
        ) % {"status": after.get_status_display()}
    return _("The partnership is saved.")


@require_POST
def partnership_transition(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.partnership_detail_for_user(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    require(form.is_valid())
    try:
        changed = services.partnership_transition(
            partnership=partnership,
            action=form.cleaned_data["action"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except transitions.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The partnership is now «%(status)s».") % {"status": changed.get_status_display()}
            if changed.status != partnership.status
            else _("Your organisation's agreement is recorded."),
        )
    return redirect("partnerships:detail", pk=partnership.pk)


# --- Matching --------------------------------------------------------------------------------


def suggest(request: HttpRequest, org_pk: int) -> HttpResponse:
    school = get_for_user_or_404(
        selectors.organisation_list_for_user(user=request.user).select_related("municipality"),
        pk=org_pk,
    )
    perms = selectors.provider_permissions(user=request.user, organisation=school)
    require(perms.can_match)
    form = AcceptSuggestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        provider = get_object_or_404(
            Organisation,
            pk=form.cleaned_data["provider"],
            municipality__region=school.municipality.region_id,
        )
        try:
            partnership = services.suggestion_accept(
                school=school,
                provider=provider,
                actor=request.user,
                over_capacity_reason=form.cleaned_data["over_capacity_reason"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("The partnership is proposed."))
            return redirect("partnerships:detail", pk=partnership.pk)
    context = selectors.suggestion_page(organisation=school, user=request.user)
    return render(request, "partnerships/suggest.html", {"school": school, **context})


# --- Pairing plans ---------------------------------------------------------------------------


@role_required(*TERRITORY)
def plan_list(request: HttpRequest) -> HttpResponse:
    scope = scope_for(request.user)
    form = PlanCreateForm(
        request.POST or None,
        municipalities=selectors.managed_municipalities(user=request.user),
        can_whole_region=bool(scope.region_ids) or scope.is_admin,
    )
    if request.method == "POST" and form.is_valid():
        municipality = form.cleaned_data["municipality"]
        region = (
            municipality.region
            if municipality
            else selectors.managed_regions(user=request.user).first()
        )
        require(region is not None)
        plan = services.pairing_plan_request(
            actor=request.user, region=region, municipality=municipality
        )
        return redirect("partnerships:plan_detail", pk=plan.pk)
    plans = selectors.pairing_plan_list_for_user(user=request.user).select_related(
        "municipality", "region", "created_by", "job"
    )
    page = Paginator(plans, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "partnerships/plan_list.html",
        {
            "form": form,
            "page": page,
            "plans": page.object_list,
            "is_coordinator": scope.has_role(Role.COORDINATOR),
        },
    )


@role_required(*TERRITORY)
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user_or_404(
        selectors.pairing_plan_list_for_user(user=request.user).select_related(
            "municipality", "region", "job"
        ),
        pk=pk,
    )
    if not plan.is_built:
        # Built by a worker: the page polls this fragment until the job is done.
        if request.htmx:
            return render(request, "partnerships/plan_detail.html#build", {"plan": plan})
        return render(request, "partnerships/plan_detail.html", {"plan": plan})
    if request.htmx:  # the job has just finished: show the whole plan
        response = HttpResponse()
        response["HX-Refresh"] = "true"
        return response
    if request.method == "POST":
        require(plan.status == PlanStatus.DRAFT)
        if _save_plan_rows(request, plan):
            messages.success(request, _("The plan is saved."))
        return redirect("partnerships:plan_detail", pk=plan.pk)
    rows = list(
        plan.rows.select_related(
            "supported__municipality", "provider__municipality", "second_provider", "partnership"
        )
    )
    return render(
        request,
        "partnerships/plan_detail.html",
        {"plan": plan, "rows": rows, "groups": selectors.pairing_plan_groups(rows=rows)},
    )


def _save_plan_rows(request: HttpRequest, plan) -> bool:
    """Apply the partner choices and ticks of the plan form; False if a row was refused."""
    ok = True
    for row in plan.rows.select_related("provider"):
        if f"provider-{row.pk}" not in request.POST and f"include-{row.pk}" not in request.POST:
            continue
        provider = request.POST.get(f"provider-{row.pk}") or row.provider_id
        try:
            services.pairing_row_update(
                row=row,
                provider_id=int(provider) if provider else None,
                include=request.POST.get(f"include-{row.pk}") == "on",
            )
        except (ValidationError, ValueError):
            ok = False
            messages.error(
                request,
                _("Row «%(school)s»: choose one of the suggested partners.")
                % {"school": row.supported},
            )
    return ok


@require_POST
@role_required(*TERRITORY)
def plan_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Build a plan whose job failed once more."""
    plan = get_for_user_or_404(
        selectors.pairing_plan_list_for_user(user=request.user).select_related("job"), pk=pk
    )
    try:
        services.pairing_plan_retry(plan=plan)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("partnerships:plan_detail", pk=plan.pk)


@require_POST
@role_required(*TERRITORY)
def plan_approve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = get_for_user_or_404(selectors.pairing_plan_list_for_user(user=request.user), pk=pk)
    if plan.status == PlanStatus.DRAFT and not _save_plan_rows(request, plan):
        return redirect("partnerships:plan_detail", pk=plan.pk)
    try:
        created = services.pairing_plan_approve(
            plan=plan,
            actor=request.user,
            over_capacity_reason=request.POST.get("over_capacity_reason", ""),
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Partnerships proposed: %(n)s.") % {"n": len(created)})
    return redirect("partnerships:plan_detail", pk=plan.pk)


# --- Strengths, capacity, settings -----------------------------------------------------------


def organisation_card(request: HttpRequest, org_pk: int) -> HttpResponse:
    """The read-only card of an organisation for anyone who shares a partnership with it:
    contacts, director, address, strengths and the partnerships they share."""
    organisation = get_for_user_or_404(
        selectors.partner_organisation_list_for_user(user=request.user).select_related(
            "municipality"
        ),
        pk=org_pk,
    )
    context = {
        "organisation": organisation,
        "info": selectors.organisation_strengths(organisation=organisation),
        "partnerships": selectors.shared_partnerships(user=request.user, organisation=organisation),
        "can_edit": selectors.provider_permissions(
            user=request.user, organisation=organisation
        ).can_edit_strengths,
    }
    return render(request, "partnerships/organisation_card.html", context)


def strengths(request: HttpRequest, org_pk: int) -> HttpResponse:
    organisation = get_for_user_or_404(
        selectors.partner_organisation_list_for_user(user=request.user).select_related(
            "municipality"
        ),
        pk=org_pk,
    )
    perms = selectors.provider_permissions(user=request.user, organisation=organisation)
    can_edit = perms.can_edit_strengths
    info = selectors.organisation_strengths(organisation=organisation)
    posted = request.POST if request.method == "POST" else {}
    form = StrengthForm(posted if "save-strength" in posted else None, prefix="s")
    profile = ProviderProfileForm(
        posted if "save-profile" in posted else None, prefix="p", initial=info["profile_initial"]
    )
    if posted:
        require(can_edit)
        bound = form if form.is_bound else profile
        if bound.is_valid():
            save = services.strength_save if bound is form else services.provider_profile_save
            save(organisation=organisation, actor=request.user, **bound.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("partnerships:strengths", org_pk=organisation.pk)
    context = {"organisation": organisation, "info": info, "can_edit": can_edit}
    return render(
        request, "partnerships/strengths.html", {**context, "form": form, "profile_form": profile}
    )


@require_POST
def strength_delete(request: HttpRequest, pk: int) -> HttpResponse:
    strength = get_for_user_or_404(
        DeclaredStrength.objects.filter(
            organisation__in=selectors.organisation_list_for_user(user=request.user)
        ).select_related("organisation", "factor"),
        pk=pk,
    )
    perms = selectors.provider_permissions(user=request.user, organisation=strength.organisation)
    require(perms.can_edit_strengths)
    services.strength_delete(strength=strength, actor=request.user)
    messages.success(request, _("The experience is deleted."))
    return redirect("partnerships:strengths", org_pk=strength.organisation_id)


@role_required(Role.COORDINATOR)
def matching_settings(request: HttpRequest) -> HttpResponse:
    region = selectors.managed_regions(user=request.user).first()
    if region is None:
        raise Http404
    instance = MatchingSettings.objects.filter(region=region).first() or MatchingSettings(
        region=region
    )
    form = MatchingSettingsForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The matching settings are saved."))
        return redirect("partnerships:settings")
    return render(request, "partnerships/settings.html", {"form": form, "region": region})


# --- Networks --------------------------------------------------------------------------------


def network_list(request: HttpRequest) -> HttpResponse:
    networks = (
        selectors.network_list_for_user(user=request.user)
        .select_related("coordinator", "municipality")
        .prefetch_related(
            Prefetch("members", queryset=Organisation.objects.only("id", "short_name"))
        )
    )
    page = Paginator(networks, 25).get_page(request.GET.get("page"))
    scope = scope_for(request.user)
    return render(
        request,
        "partnerships/network_list.html",
        {
            "page": page,
            "networks": page.object_list,
            "can_create": scope.has_role(*TERRITORY),
            "is_coordinator": scope.has_role(Role.COORDINATOR),
        },
    )


def network_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    network = None
    if pk is not None:
        network = get_for_user_or_404(selectors.network_list_for_user(user=request.user), pk=pk)
        require(selectors.network_permissions(user=request.user, network=network).can_manage)
    else:
        require(scope_for(request.user).has_role(*TERRITORY))
    form = _network_form(request, request.POST or None, network)
    if request.method == "POST" and form.is_valid():
        try:
            network = services.network_save(
                data=form.cleaned_data,
                network=network,
                actor=request.user,
                version=form.seen_version,
            )
        except StaleEdit as stale:
            form.refuse(stale)
        else:
            messages.success(request, _("The network is saved."))
            return redirect("partnerships:network_detail", pk=network.pk)
    return render(
        request,
        "partnerships/network_form.html",
        {"form": form, "network": network},
    )


def _network_form(request: HttpRequest, data, network) -> NetworkForm:
    municipalities = selectors.managed_municipalities(user=request.user)
    return NetworkForm(
        data,
        instance=network,
        municipalities=municipalities,
        organisations=Organisation.objects.filter(
            municipality__region__in=municipalities.values("region")
        ),
        # The coordinating organisation comes from the editor's own territory (a
        # methodologist's municipality, a coordinator's region); a network's current one
        # stays selectable.
        coordinators=Organisation.objects.filter(
            Q(municipality__in=municipalities)
            | Q(pk=network.coordinator_id if network is not None else None)
        ),
    )


def network_detail(request: HttpRequest, pk: int) -> HttpResponse:
    network = get_for_user_or_404(
        selectors.network_list_for_user(user=request.user).select_related(
            "coordinator", "municipality"
        ),
        pk=pk,
    )
    partnerships = selectors.partnership_list_for_user(user=request.user).filter(network=network)
    can_manage = selectors.network_permissions(user=request.user, network=network).can_manage
    return render(
        request,
        "partnerships/network_detail.html",
        {
            "network": network,
            "members": network.members.order_by("short_name"),
            "partnerships": partnerships,
            "can_manage": can_manage,
        },
    )


# --- Agreements ------------------------------------------------------------------------------


def agreement_create(request: HttpRequest, pk: int) -> HttpResponse:
    partnership = selectors.partnership_detail_for_user(user=request.user, pk=pk)
    perms = selectors.partnership_permissions(user=request.user, partnership=partnership)
    require(perms.can_manage)
    today = timezone.localdate()
    form = AgreementForm(
        request.POST or None,
        initial={
            "kind": AgreementKind.COOPERATION,
            "date": today,
            "valid_from": partnership.start_date or today,
            "valid_until": partnership.end_date,
            "subject": selectors.agreement_subject_initial(partnership=partnership),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            agreement = services.agreement_create(
                partnership=partnership, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The agreement is created."))
            return redirect("partnerships:agreement_detail", pk=agreement.pk)
    return render(
        request, "partnerships/agreement_form.html", {"form": form, "partnership": partnership}
    )


def _agreement(request, pk):
    return get_for_user_or_404(selectors.agreement_list_for_user(user=request.user), pk=pk)


def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    perms = selectors.agreement_permissions(user=request.user, agreement=agreement)
    actions = transitions.available(
        transitions.AGREEMENT_TRANSITIONS, status=agreement.status, actors=perms.actors
    )
    return render(
        request,
        "partnerships/agreement_detail.html",
        {
            "agreement": agreement,
            "partnership": agreement.partnership,
            "can_manage": perms.can_manage,
            "can_download_scan": perms.can_download_scan,
            "actions": [a for a in actions if a.action != "expire"],
            "scan_form": ScanForm(),
            "job": agreement.document_job,
            "history": agreement.status_changes.select_related("actor"),
        },
    )


@require_POST
def agreement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    job = services.agreement_request_pdf(agreement=agreement, user=request.user)
    messages.info(request, _("The document is being prepared: %(title)s.") % {"title": job.title})
    return redirect("partnerships:agreement_detail", pk=agreement.pk)


@accepts_upload()
@require_POST
def agreement_scan_upload(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    perms = selectors.agreement_permissions(user=request.user, agreement=agreement)
    require(perms.can_manage)
    form = ScanForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.agreement_upload_scan(
                agreement=agreement, upload=form.cleaned_data["scan"], actor=request.user
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The signed scan is uploaded."))
            return redirect("partnerships:agreement_detail", pk=agreement.pk)
    return render(
        request,
        "partnerships/agreement_detail.html",
        {
            "agreement": agreement,
            "partnership": agreement.partnership,
            "can_manage": True,
            "can_download_scan": perms.can_download_scan,
            "actions": [],
            "scan_form": form,
            "job": agreement.document_job,
            "history": agreement.status_changes.all(),
        },
        status=400,
    )


def agreement_scan_download(request: HttpRequest, pk: int) -> FileResponse:
    agreement = _agreement(request, pk)
    if not agreement.scan:
        raise Http404
    require(
        selectors.agreement_permissions(user=request.user, agreement=agreement).can_download_scan
    )
    return FileResponse(agreement.scan.open("rb"), as_attachment=True, filename=agreement.scan_name)


@require_POST
def agreement_transition(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = _agreement(request, pk)
    form = TransitionForm(request.POST)
    require(form.is_valid())
    try:
        changed = services.agreement_transition(
            agreement=agreement,
            action=form.cleaned_data["action"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
        )
    except transitions.TransitionError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("The agreement is now «%(status)s».") % {"status": changed.get_status_display()},
        )
    return redirect("partnerships:agreement_detail", pk=agreement.pk)


@role_required(*TERRITORY)
def template_edit(request: HttpRequest, kind: str) -> HttpResponse:
    """The agreement text of the user's region. Methodologists read it; the regional
    coordinator edits it (for their region only); an administrator edits the portal's default
    that regions without their own text use."""
    if kind not in AgreementKind.values:
        raise Http404
    scope = scope_for(request.user)
    region = None if scope.is_admin else selectors.territory_regions(user=request.user).first()
    can_edit = scope.is_admin or bool(scope.region_ids)
    template = services.agreement_template_for(kind, region_id=region.pk if region else None)
    form = AgreementTemplateForm(
        request.POST or None,
        initial={"title": template.title, "body": template.body},
        disabled=not can_edit,
    )
    if request.method == "POST":
        require(can_edit)
        if form.is_valid():
            services.agreement_template_save(
                kind=kind, actor=request.user, region=region, **form.cleaned_data
            )
            messages.success(request, _("The template is saved."))
            return redirect("partnerships:template_edit", kind=kind)
    return render(
        request,
        "partnerships/template_form.html",
        {
            "form": form,
            "kind": AgreementKind(kind),
            "placeholders": PLACEHOLDERS,
            "kinds": AgreementKind.choices,
            "can_edit": can_edit,
            "region": region,
            "is_default": template.region_id is None,
        },
    )
