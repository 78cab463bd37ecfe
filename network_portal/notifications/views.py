from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from .forms import PreferenceForm
from .models import Notification, NotificationPreference
from .registry import reminder_kinds
from .services import preference_set, unsubscribe
from .tokens import ALL, unsubscribe_token_read


def preferences(request: HttpRequest) -> HttpResponse:
    """Each user chooses which reminders to get."""
    current = NotificationPreference.objects.filter(user=request.user).first()
    disabled = set(current.disabled_kinds) if current else set()
    initial = {"enabled": [k.key for k in reminder_kinds() if k.key not in disabled]}
    form = PreferenceForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        preference_set(user=request.user, disabled_kinds=form.disabled_kinds())
        messages.success(request, _("Your reminder settings are saved."))
        return redirect("notifications:preferences")
    recent = Notification.objects.filter(recipient=request.user).order_by("-created_at")[:10]
    return render(request, "notifications/preferences.html", {"form": form, "recent": recent})


@login_not_required
@never_cache
def unsubscribe_view(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every reminder: works without logging in; GET asks, POST switches off."""
    try:
        user_id, kind = unsubscribe_token_read(token)
    except signing.SignatureExpired:
        return render(
            request, "notifications/unsubscribe_invalid.html", {"expired": True}, status=400
        )
    except signing.BadSignature:
        return render(
            request, "notifications/unsubscribe_invalid.html", {"expired": False}, status=400
        )
    labels = {k.key: k.label for k in reminder_kinds()}
    if kind != ALL and kind not in labels:
        return render(
            request, "notifications/unsubscribe_invalid.html", {"expired": False}, status=400
        )
    context = {"kind_label": labels.get(kind), "all": kind == ALL, "token": token, "done": False}
    if request.method == "POST":
        unsubscribe(user_id=user_id, kind=kind)
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
