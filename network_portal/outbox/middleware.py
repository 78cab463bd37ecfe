from django.contrib import messages
from django.utils.translation import gettext as _

from .services import collect_deferred


class OutboxNoticeMiddleware:
    """Tell the user when a change was saved but its e-mails or background work wait for the
    queue (the broker was down); they are sent later by ``outbox.send_pending``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with collect_deferred() as deferred:
            response = self.get_response(request)
        if deferred and hasattr(request, "_messages"):
            messages.warning(
                request,
                _(
                    "The changes are saved. The task queue is unavailable right now: "
                    "e-mails and background processing will follow automatically."
                ),
            )
        return response
