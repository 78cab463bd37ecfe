"""Certificates of participation: a ``documents`` kind built by the Celery worker.

``certificate_context`` gathers the data (a pure function of a registration),
``certificate_build`` renders it to PDF; the verification code printed on it is checked on
the public page ``events:public_certificate_verify``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from network_portal.documents.registry import BuiltFile, DocumentBuildError, DocumentKind
from network_portal.documents.rendering import render_pdf

from .models import Registration
from .selectors import event_permissions
from .services import CERTIFICATE_KIND, certificate_available, certificate_data_version


def certificate_context(registration: Registration) -> dict[str, Any]:
    event = registration.event
    verify_path = reverse("events:public_certificate_verify", args=[registration.certificate_code])
    hours = round(event.duration.total_seconds() / 3600, 1)
    return {
        "participant": registration.user.get_full_name() or registration.user.email,
        "event": event,
        "event_type": event.event_type.name if event.event_type_id else "",
        "organiser": event.organiser.full_name or event.organiser.short_name,
        "municipality": event.municipality.name,
        "starts": timezone.localtime(event.starts_at),
        "ends": timezone.localtime(event.ends_at),
        "hours": int(hours) if hours.is_integer() else hours,
        "code": registration.certificate_code,
        "verify_url": settings.SITE_URL + verify_path,
        "issued": timezone.localdate(),
    }


def certificate_build(job) -> BuiltFile:
    registration = Registration.objects.select_related(
        "event", "event__organiser", "event__municipality", "event__event_type", "user"
    ).get(pk=job.params["registration_id"])
    if not certificate_available(registration=registration) or not registration.certificate_code:
        raise DocumentBuildError(_("A certificate is issued only to those who attended."))
    pdf = render_pdf("events/pdf/certificate.html", certificate_context(registration))
    return BuiltFile(name=f"sertifikat-{registration.certificate_code}.pdf", content=pdf)


def certificate_can_view(user: Any, job) -> bool:
    """Besides the participant who asked for it, the organiser's side may open it."""
    registration = (
        Registration.objects.select_related("event")
        .filter(pk=job.params.get("registration_id"))
        .first()
    )
    if registration is None:
        return False
    return (
        registration.user_id == user.pk
        or event_permissions(user=user, event=registration.event).can_edit
    )


CERTIFICATE = DocumentKind(
    key=CERTIFICATE_KIND,
    build=certificate_build,
    can_view=certificate_can_view,
    data_version=certificate_data_version,
)
