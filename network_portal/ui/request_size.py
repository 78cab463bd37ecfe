"""Request bodies are bounded per view, before anything reads them.

``DATA_UPLOAD_MAX_MEMORY_SIZE`` does not count the file parts of a multipart body: Django
writes them to disk whatever their size, and the CSRF check reads the body of every POST
(an anonymous 315 MB POST to the login page was written to disk before the answer). So
:class:`RequestSizeMiddleware` compares ``Content-Length`` with the view's allowance before
any other middleware or the view touches the body, and answers 413 with a Russian page:

* a view that takes files says so with ``@accepts_upload()`` (its forms' limit,
  ``UPLOAD_MAX_SIZE``, or ``max_bytes``), and only a logged-in user gets that allowance;
* Django's admin accepts uploads from active staff;
* every other request, and every anonymous one, gets ``REQUEST_BODY_MAX_SIZE``.

A body without ``Content-Length`` (chunked) is never read by Django. gunicorn bounds the
request line and headers (``gunicorn.conf.py``); the proxy in front bounds the body too
(``client_max_body_size``, see README).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat

ATTRIBUTE = "request_body_max"


def accepts_upload(max_bytes: int | None = None) -> Callable:
    """Mark a view whose form takes files: its body may be as large as the files allowed
    (``UPLOAD_MAX_SIZE`` unless given) plus the small limit for the other fields."""

    def decorate(view: Callable) -> Callable:
        setattr(view, ATTRIBUTE, max_bytes if max_bytes is not None else "upload")
        return view

    return decorate


def body_allowance(*, view: Callable, user: Any) -> int:
    """How many bytes the body of a request to this view may have."""
    small = settings.REQUEST_BODY_MAX_SIZE
    if not getattr(user, "is_authenticated", False):
        return small
    declared = getattr(view, ATTRIBUTE, None)
    is_admin = any(getattr(view, a, None) is not None for a in ("admin_site", "model_admin"))
    if declared is None and is_admin:
        declared = "upload" if (user.is_active and user.is_staff) else None
    if declared is None:
        return small
    files = settings.UPLOAD_MAX_SIZE if declared == "upload" else int(declared)
    return files + small


def content_length(request: HttpRequest) -> int:
    try:
        return max(int(request.META.get("CONTENT_LENGTH") or 0), 0)
    except ValueError:
        return 0


def request_too_large(request: HttpRequest, *, limit: int) -> HttpResponse:
    response = render(request, "413.html", {"limit": filesizeformat(limit)}, status=413)
    response["Connection"] = "close"  # the unread body is not worth reading
    return response


class RequestSizeMiddleware:
    """Refuse a body larger than the view allows (413), before anything reads it.

    Placed before ``CsrfViewMiddleware``: its ``process_view`` runs first, and the CSRF
    check is the first thing that reads a POST body.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        size = content_length(request)
        if size <= settings.REQUEST_BODY_MAX_SIZE:
            return None
        limit = body_allowance(view=view_func, user=getattr(request, "user", None))
        if size > limit:
            return request_too_large(request, limit=limit)
        return None
