"""Pages of the reports app: my reports and ordering them, evidence of impact."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from network_portal.access.policy import get_for_user_or_404, require, role_required, scope_for
from network_portal.accounts.models import Role
from network_portal.documents.models import Job, JobStatus
from schools.models import Municipality, Region

from .access import (
    report_municipalities_for_user,
    report_partnerships_for_user,
    report_schools_for_user,
)
from .aggregates import KEEP_FOR, REFRESH_EVERY, impact_figures
from .commitments import COMMITMENT_ROLES, commitments_for_user
from .documents import KIND_PREFIX
from .exports import impact_export_response
from .forms import ImpactForm, PeriodForm, ReportOrderForm
from .impact_charts import impact_charts, impact_legend
from .selectors import Period
from .services import report_bundle_request, report_request

SUBJECT_LABELS = {
    "school": gettext_lazy("School"),
    "partnership": gettext_lazy("Partnership"),
    "municipality": gettext_lazy("Municipality"),
}


def default_period(today: date | None = None) -> Period:
    """The current school year so far: from 1 September to today."""
    today = today or timezone.localdate()
    start_year = today.year if today.month >= 9 else today.year - 1
    return Period(date(start_year, 9, 1), today)


def _targets(user, subject: str):
    if subject == "school":
        return report_schools_for_user(user=user).order_by("sort_name")
    if subject == "partnership":
        return report_partnerships_for_user(user=user).order_by("title")
    if subject == "municipality":
        return report_municipalities_for_user(user=user).order_by("name")
    raise Http404


def _order_form(user, subject: str, data=None) -> ReportOrderForm:
    period = default_period()
    choices = [(o.pk, str(o)) for o in _targets(user, subject)]
    return ReportOrderForm(
        data,
        choices=choices,
        label=SUBJECT_LABELS[subject],
        initial={"start": period.start, "end": period.end},
        prefix=subject,
    )


def _bundle_form(data=None) -> PeriodForm:
    """The period of the ZIP of all my schools; a POST without one (the home-page button) means
    the current school year, like an untouched single report."""
    period = default_period()
    if data is not None:
        data = data.copy()
        data.setdefault("bundle-start", period.start.isoformat())
        data.setdefault("bundle-end", period.end.isoformat())
    return PeriodForm(data, initial={"start": period.start, "end": period.end}, prefix="bundle")


def _ordered_message(request: HttpRequest, job: Job, *, reused: bool, bundle: bool) -> None:
    """Tell what became of the order: with eager Celery (the demo) it is already built."""
    job.refresh_from_db(fields=["status", "error"])
    if job.status == JobStatus.READY and reused:
        text = (
            _(
                "The reports of your schools have not changed since they were built: the ZIP file is ready."
            )
            if bundle
            else _("The report has not changed since it was built: it is ready.")
        )
        messages.success(request, text)
    elif job.status == JobStatus.READY:
        text = (
            _("The reports of your schools are ready as one ZIP file.")
            if bundle
            else _("The report is ready.")
        )
        messages.success(request, text)
    elif job.status == JobStatus.FAILED:
        messages.error(
            request, _("The report could not be built: %(reason)s") % {"reason": job.error}
        )
    elif bundle:
        messages.info(request, _("The reports of your schools are being prepared as one ZIP file."))
    else:
        messages.info(request, _("The report is being prepared. It will appear here when ready."))


def report_list(request: HttpRequest, forms: dict | None = None) -> HttpResponse:
    """«Мои отчёты»: the report jobs of the user with status, retry and download; order forms."""
    jobs = Job.objects.filter(requested_by=request.user, kind__startswith=KIND_PREFIX)
    page = Paginator(jobs.order_by("-created_at"), 20).get_page(request.GET.get("page"))
    polling = any(not job.is_finished for job in page.object_list)
    if request.htmx and request.GET.get("partial"):
        return render(request, "reports/_jobs.html", {"page": page, "polling": polling})
    forms = forms or {}
    order_forms = []
    for subject in ("school", "partnership", "municipality"):
        form = forms.get(subject) or _order_form(request.user, subject)
        if form.fields["target"].choices:
            order_forms.append({"subject": subject, "form": form})
    context = {
        "page": page,
        "polling": polling,
        "order_forms": order_forms,
        "can_bundle": scope_for(request.user).has_role(Role.CURATOR),
        "bundle_form": forms.get("bundle") or _bundle_form(),
        "can_impact": scope_for(request.user).has_role(Role.COORDINATOR, Role.METHODOLOGIST),
    }
    return render(request, "reports/list.html", context)


@require_POST
def report_order(request: HttpRequest, subject: str) -> HttpResponse:
    """Order one report; a school, partnership or municipality outside the scope is a 404."""
    target = get_for_user_or_404(
        _targets(request.user, subject), pk=request.POST.get(f"{subject}-target")
    )
    form = _order_form(request.user, subject, request.POST)
    if not form.is_valid():
        return report_list(request, forms={subject: form})
    period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
    job = report_request(
        user=request.user, subject=subject, pk=target.pk, subject_name=str(target), period=period
    )
    _ordered_message(request, job, reused=job.status == JobStatus.READY, bundle=False)
    return redirect("reports:list")


@require_POST
def report_order_bundle(request: HttpRequest) -> HttpResponse:
    """All of a curator's schools at once, one PDF each, in one ZIP, for the chosen period."""
    require(scope_for(request.user).has_role(Role.CURATOR))
    form = _bundle_form(request.POST)
    if not form.is_valid():
        return report_list(request, forms={"bundle": form})
    ids = sorted(scope_for(request.user).organisation_ids(Role.CURATOR))
    school_ids = list(
        report_schools_for_user(user=request.user).filter(pk__in=ids).values_list("pk", flat=True)
    )
    if not school_ids:
        messages.warning(request, _("You have no assigned schools."))
        return redirect("reports:list")
    period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
    job = report_bundle_request(user=request.user, school_ids=school_ids, period=period)
    _ordered_message(request, job, reused=job.status == JobStatus.READY, bundle=True)
    return redirect("reports:list")


def _territories(user) -> list[tuple[str, str]]:
    scope = scope_for(user)
    regions = (
        Region.objects.all() if scope.is_admin else Region.objects.filter(pk__in=scope.region_ids)
    )
    choices = [(f"r{r.pk}", _("%(name)s (the region)") % {"name": r.name}) for r in regions]
    choices += [
        (f"m{m.pk}", m.name) for m in report_municipalities_for_user(user=user).order_by("name")
    ]
    return choices


def _municipality_ids(territory: str) -> list[int]:
    if territory.startswith("r"):
        return list(
            Municipality.objects.filter(region_id=int(territory[1:])).values_list("pk", flat=True)
        )
    return [int(territory[1:])]


def impact(request: HttpRequest) -> HttpResponse:
    """Schools in partnerships compared with supported schools without one and with all schools."""
    territories = _territories(request.user)
    require(bool(territories))
    form = ImpactForm(request.GET or None, territories=territories)
    territory, kind = territories[0][0], "oge"
    if form.is_valid():
        territory = form.cleaned_data["territory"] or territory
        kind = form.cleaned_data["kind"] or kind
    elif request.GET:
        raise Http404
    figures = impact_figures(municipality_ids=_municipality_ids(territory), kind=kind)
    label = dict(territories)[territory]
    export = request.GET.get("export")
    if export in ("csv", "xlsx"):
        return impact_export_response(
            table=figures["table"], years=figures["years"], fmt=export, label=label, kind=kind
        )
    context = {
        "form": form,
        "table": figures["table"],
        "years": figures["years"],
        "charts": impact_charts(series=figures["series"], years=figures["years"]),
        "legend": impact_legend(),
        "territory_label": label,
        "group_sizes": figures["group_sizes"],
        "computed_at": figures["computed_at"],
        "refresh_every": int(REFRESH_EVERY.total_seconds() // 60),
        "keep_for": int(KEEP_FOR.total_seconds() // 60),
        "query": request.GET.urlencode(),
    }
    return render(request, "reports/impact.html", context)


# --- «Мониторинг»: the control table ---------------------------------------------------------


def _monitoring_filtered(request: HttpRequest):
    from .monitoring import (
        MonitoringFilter,
        monitoring_rows,
        sorted_rows,
        territory_municipalities_for_user,
    )

    filterset = MonitoringFilter(
        request.GET or None,
        queryset=monitoring_rows(user=request.user),
        user=request.user,
        municipalities=territory_municipalities_for_user(user=request.user),
    )
    if "municipality" in filterset.errors:  # a municipality outside the user's territory
        raise Http404
    sort = request.GET.get("sort") or "name"
    return filterset, sorted_rows(filterset.qs, sort), sort


@role_required(Role.COORDINATOR, Role.METHODOLOGIST)
def monitoring(request: HttpRequest) -> HttpResponse:
    """Every supported school of the territory on one row, filtered, sorted, paginated; the
    region's municipalities above it to drill down."""
    from .monitoring import PAGE_SIZE, municipality_summary, rows_for_page

    filterset, rows, sort = _monitoring_filtered(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    many = filterset.filters["municipality"].queryset.count() > 1
    context = {
        "filter": filterset,
        "page": page,
        "rows": rows_for_page(schools=list(page.object_list), user=request.user),
        "sort": sort,
        "summary": municipality_summary(rows=filterset.qs)
        if many and not request.GET.get("municipality")
        else None,
        "next": request.get_full_path(),
    }
    return render(request, "reports/monitoring.html", context)


@role_required(Role.COORDINATOR, Role.METHODOLOGIST)
def monitoring_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """The filtered rows of the control table (all pages) as CSV or XLSX."""
    from .exports import rows_export_response
    from .monitoring import EXPORT_HEADERS, export_values, rows_for_page

    if fmt not in ("csv", "xlsx"):
        raise Http404
    _filterset, rows, _sort = _monitoring_filtered(request)
    table = rows_for_page(schools=list(rows), user=request.user)
    return rows_export_response(
        headers=[str(h) for h in EXPORT_HEADERS],
        rows=[export_values(row) for row in table],
        fmt=fmt,
        name=f"monitoring_{timezone.localdate():%Y-%m-%d}",
        title=_("Monitoring"),
    )


@require_POST
@role_required(Role.COORDINATOR, Role.METHODOLOGIST)
def monitoring_watch(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a school of the territory to the user's watch list, or take it off."""
    from django.utils.http import url_has_allowed_host_and_scheme

    from .monitoring import territory_schools_for_user
    from .services import watch_toggle

    school = get_for_user_or_404(territory_schools_for_user(user=request.user), pk=pk)
    watch_toggle(user=request.user, organisation=school)
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("reports:monitoring")
    return redirect(f"{target}#school-{school.pk}")


@role_required(*COMMITMENT_ROLES)
def commitments(request: HttpRequest) -> HttpResponse:
    """A partner's (or a member school's) commitments in other schools' roadmaps and events."""
    data = commitments_for_user(user=request.user)
    page = Paginator(data.open_items, 50).get_page(request.GET.get("page"))
    context = {"page": page, "data": data, "today": timezone.localdate()}
    return render(request, "reports/commitments.html", context)
