"""Sensitive actions leave an audit record (who, what, when, before → after); logs hold no
personal data.

The actions go through the apps' own services (and a view), so a service that stops calling
``audit_log`` fails here.
"""

from __future__ import annotations

import logging

import pytest
from django.urls import reverse

from network_portal.audit.models import AuditEvent
from partnerships import services as partnership_services
from partnerships.models import Agreement, Partnership
from schools.services import category_override
from tests.partnerships import matrix as partnerships_matrix


def _only_event(action: str) -> AuditEvent:
    events = list(AuditEvent.objects.filter(action=action))
    assert len(events) == 1, f"{action}: {len(events)} audit records"
    return events[0]


def test_category_override_is_audited_with_before_after_and_reason(users, world):
    category_override(
        organisation=world.school,
        year=2025,
        category="shnor",
        reason="Решение комиссии от 10.09",
        user=users.methodologist,
    )
    event = _only_event("schools.category_override")
    assert event.actor == users.methodologist
    assert event.object_id == str(world.school.pk)
    assert event.created_at is not None
    assert event.data["after"] == "shnor"
    assert event.data["reason"] == "Решение комиссии от 10.09"


def test_partnership_status_change_is_audited(users, objects):
    partnership = Partnership.objects.get(pk=partnerships_matrix.partnership(objects))
    partnership_services.partnership_transition(
        partnership=partnership, action="approve", actor=users.methodologist, reason=""
    )
    event = _only_event("partnership.approve")
    assert event.actor == users.methodologist
    assert (event.data["before"], event.data["after"]) == ("proposed", "agreed")


def test_agreement_status_change_is_audited(users, objects):
    agreement = Agreement.objects.get(pk=partnerships_matrix.agreement(objects))
    before = agreement.status
    partnership_services.agreement_transition(
        agreement=agreement, action="terminate", actor=users.methodologist, reason="Школа закрыта"
    )
    event = _only_event("agreement.terminate")
    assert event.actor == users.methodologist
    assert event.data["before"] == before
    assert event.data["reason"] == "Школа закрыта"


def test_audit_log_is_read_only_in_the_admin(client, users):
    client.force_login(users.admin)
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403


# --- logs ------------------------------------------------------------------------------------


@pytest.fixture
def all_logs(caplog):
    caplog.set_level(logging.DEBUG)
    for name in ("axes", "django", "django.request", "django.security", "network_portal"):
        logging.getLogger(name).setLevel(logging.DEBUG)
    return caplog


def test_failed_and_locked_logins_log_no_email_or_password(client, users, all_logs, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(
            reverse("accounts:login"),
            {"username": users.director.email, "password": "Tайный-пароль-42"},
        )
    text = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {getattr(r, '__dict__', {})!r}"
        for r in all_logs.records
    )
    assert all_logs.records, "expected axes to log the failures"
    assert "Tайный-пароль-42" not in text
    assert users.director.email not in text
    assert "director@" not in text


def test_password_reset_request_logs_no_email(client, users, all_logs):
    client.post(reverse("accounts:password_reset"), {"email": users.teacher.email})
    text = "\n".join(r.getMessage() for r in all_logs.records)
    assert users.teacher.email not in text


def _role_formset(user, request, data: dict):
    from django.contrib import admin

    from network_portal.accounts.admin import RoleAssignmentInline

    formset_class = RoleAssignmentInline(type(user), admin.site).get_formset(request, user)
    prefix = formset_class.get_default_prefix()
    payload = {f"{prefix}-{k}": v for k, v in data.items()}
    return formset_class(payload, instance=user, prefix=prefix)


def test_role_grant_and_revocation_in_the_admin_are_audited(rf, users, world):
    """Through the admin's own inline formset and ``UserAdmin.save_formset``."""
    from django.contrib import admin

    from network_portal.accounts.models import RoleAssignment, User

    user_admin = admin.site._registry[User]
    request = rf.post("/admin/")
    request.user = users.admin
    person = users.nobody
    grant = _role_formset(
        person,
        request,
        {
            "TOTAL_FORMS": "1",
            "INITIAL_FORMS": "0",
            "0-role": "director",
            "0-organisation": str(world.school.pk),
            "0-user": str(person.pk),
        },
    )
    assert grant.is_valid(), grant.errors
    user_admin.save_formset(request, None, grant, change=True)
    event = _only_event("role.grant")
    assert event.actor == users.admin
    assert event.object_id == str(person.pk)
    assert event.data["role"] == "director"
    assignment = RoleAssignment.objects.get(user=person)
    assert assignment.granted_by == users.admin

    change = _role_formset(
        person,
        request,
        {
            "TOTAL_FORMS": "1",
            "INITIAL_FORMS": "1",
            "0-id": str(assignment.pk),
            "0-user": str(person.pk),
            "0-role": "director",
            "0-organisation": str(world.leader.pk),
        },
    )
    assert change.is_valid(), change.errors
    user_admin.save_formset(request, None, change, change=True)
    changed = _only_event("role.change")
    assert changed.actor == users.admin
    assert "organisation" in changed.data["fields"]

    revoke = _role_formset(
        person,
        request,
        {
            "TOTAL_FORMS": "1",
            "INITIAL_FORMS": "1",
            "0-id": str(assignment.pk),
            "0-user": str(person.pk),
            "0-role": "director",
            "0-organisation": str(world.leader.pk),
            "0-DELETE": "on",
        },
    )
    assert revoke.is_valid(), revoke.errors
    user_admin.save_formset(request, None, revoke, change=True)
    assert _only_event("role.revoke").actor == users.admin
    assert not RoleAssignment.objects.filter(user=person).exists()
