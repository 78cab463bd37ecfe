from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _


def list(request: HttpRequest) -> HttpResponse:
    return render(request, "ui/section_stub.html", {"section_title": _("Partnerships")})
