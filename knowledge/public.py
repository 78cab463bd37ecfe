"""The public page of the practice bank: published practices opened by their flag.

No personal data: no authors' names, no people — organisations, the problem, what was done,
the results and links (files stay inside the portal). Each view is ``login_not_required`` and
its URL name starts with ``knowledge:public_`` (see ``network_portal/access/public.py``).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from . import search
from .models import Practice, PracticeStatus


def public_practices():
    return Practice.objects.filter(status=PracticeStatus.PUBLISHED, is_public=True)


@login_not_required
@require_GET
def public_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:300]
    practices = search.search(public_practices(), query)
    page = Paginator(
        practices.select_related("municipality").prefetch_related("risk_factors", "forms"), 20
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "knowledge/public/list.html",
        {"practices": page.object_list, "page_obj": page, "q": query},
    )


@login_not_required
@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    practice = get_object_or_404(
        public_practices()
        .select_related("municipality")
        .prefetch_related("risk_factors", "forms", "author_organisations"),
        pk=pk,
    )
    links = [m for m in practice.materials.all() if m.url and not m.file]
    return render(request, "knowledge/public/detail.html", {"practice": practice, "links": links})
