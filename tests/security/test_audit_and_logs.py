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


# --- privileges in the admin ----------------------------------------------------------------


def _user_change_payload(person, **changes) -> dict:
    """The admin's change form of ``person`` as the browser would post it, with ``changes``."""
    from django.forms.models import model_to_dict

    values = model_to_dict(
        person,
        fields=["email", "last_name", "first_name", "middle_name", "position", "phone"],
    )
    payload = {k: v or "" for k, v in values.items()}
    for flag in ("is_active", "is_staff", "is_superuser"):
        if changes.get(flag, getattr(person, flag)):
            payload[flag] = "on"
    payload["groups"] = [str(g.pk) for g in changes.get("groups", person.groups.all())]
    joined = person.date_joined
    payload.update({"date_joined_0": f"{joined:%Y-%m-%d}", "date_joined_1": f"{joined:%H:%M:%S}"})
    payload.update({"last_login_0": "", "last_login_1": ""})
    prefix = "role_assignments"
    payload.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    roles = list(person.role_assignments.all())
    payload[f"{prefix}-TOTAL_FORMS"] = payload[f"{prefix}-INITIAL_FORMS"] = str(len(roles))
    for n, ra in enumerate(roles):
        payload[f"{prefix}-{n}-id"] = str(ra.pk)
        payload[f"{prefix}-{n}-user"] = str(person.pk)
        payload[f"{prefix}-{n}-role"] = ra.role
        for field in ("region", "municipality", "organisation"):
            payload[f"{prefix}-{n}-{field}"] = str(getattr(ra, f"{field}_id") or "")
    return payload


def test_staff_superuser_and_group_changes_in_the_admin_are_audited(client, users):
    from django.contrib.auth.models import Group

    person = users.director
    editors = Group.objects.create(name="Редакторы справочников")
    client.force_login(users.admin)
    url = reverse("admin:accounts_user_change", args=[person.pk])
    response = client.post(
        url,
        _user_change_payload(person, is_staff=True, is_superuser=True, groups=[editors]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    person.refresh_from_db()
    assert person.is_staff and person.is_superuser
    assert list(person.groups.all()) == [editors]
    for action in ("user.is_staff", "user.is_superuser"):
        event = _only_event(action)
        assert event.actor == users.admin
        assert event.object_id == str(person.pk)
        assert (event.data["before"], event.data["after"]) == (False, True)
    groups = _only_event("user.groups")
    assert groups.actor == users.admin
    assert (groups.data["before"], groups.data["after"]) == ([], ["Редакторы справочников"])

    # Taking the privileges away is recorded as well; saving without a change records nothing.
    response = client.post(
        url, _user_change_payload(person, is_staff=False, is_superuser=False, groups=[])
    )
    assert response.status_code == 302
    assert AuditEvent.objects.filter(action="user.is_staff").count() == 2
    latest = AuditEvent.objects.filter(action="user.groups").order_by("-pk").first()
    assert (latest.data["before"], latest.data["after"]) == (["Редакторы справочников"], [])
    before = AuditEvent.objects.count()
    person.refresh_from_db()
    assert client.post(url, _user_change_payload(person)).status_code == 302
    assert AuditEvent.objects.count() == before


def test_deleting_a_user_in_the_admin_records_their_roles(client, users, world):
    person = users.director
    pk = person.pk
    client.force_login(users.admin)
    response = client.post(
        reverse("admin:accounts_user_delete", args=[pk]), {"post": "yes"}, follow=False
    )
    assert response.status_code == 302
    event = _only_event("user.delete")
    assert event.actor == users.admin
    assert event.object_id == str(pk)
    assert event.data["roles"] == [{"role": "director", "scope": str(world.school)}]


def test_deleting_users_from_the_admin_list_is_audited_for_each(client, users):
    doomed = [users.teacher, users.curator]
    client.force_login(users.admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [u.pk for u in doomed], "post": "yes"},
    )
    assert response.status_code == 302
    events = AuditEvent.objects.filter(action="user.delete")
    assert sorted(e.object_id for e in events) == sorted(str(u.pk) for u in doomed)
    assert all(e.actor == users.admin and e.data["roles"] for e in events)
