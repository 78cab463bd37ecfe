from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from network_portal.access.policy import get_for_user_or_404, require

from .models import Job, JobStatus
from .registry import source_url
from .selectors import job_can_view, job_list_for_user
from .services import job_retry


def _job_for_user(request: HttpRequest, pk: int) -> Job:
    job = get_for_user_or_404(Job.objects.all(), pk=pk)
    if not job_can_view(user=request.user, job=job):
        raise Http404
    return job


def job_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(job_list_for_user(user=request.user), 30).get_page(request.GET.get("page"))
    return render(request, "documents/job_list.html", {"page": page, "jobs": page.object_list})


def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request, pk)
    if request.htmx:
        return render(request, "documents/_job_status.html", {"job": job})
    return render(request, "documents/job_detail.html", {"job": job, "source_url": source_url(job)})


def job_download(request: HttpRequest, pk: int) -> FileResponse:
    job = _job_for_user(request, pk)
    if job.status != JobStatus.READY or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except FileNotFoundError as exc:  # the file was removed from storage behind our back
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=job.file_name)


@require_POST
def job_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for_user(request, pk)
    require(job.status == JobStatus.FAILED)
    job_retry(job=job)
    messages.info(request, _("The document is queued again."))
    return redirect("documents:detail", pk=job.pk)
