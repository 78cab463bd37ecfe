"""Networks, editing a partnership, the plan approved from one form."""

import pytest
from django.urls import reverse

from partnerships.models import Network, PairingPlan, Partnership
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_methodologist_creates_a_resource_centre_network(users, client_for, world):
    client = client_for(users.methodologist)
    response = client.post(
        reverse("partnerships:network_create"),
        {
            "name": "Ресурсный центр округа",
            "model": "resource_centre",
            "municipality": world.mun.pk,
            "coordinator": world.partner_org.pk,
            "members": [world.school.pk, world.leader.pk],
        },
    )
    network = Network.objects.get()
    assert response.url == reverse("partnerships:network_detail", args=[network.pk])
    assert set(network.members.all()) == {world.school, world.leader, world.partner_org}
    page = client.get(reverse("partnerships:networks")).content.decode()
    assert "Ресурсный центр округа" in page
    # the model's label, on the network's line (the name alone would contain it too)
    assert "Ресурсный центр · координатор: ГАПОУ «Колледж»" in page


def test_network_pages_are_scoped(users, client_for, world):
    network = Network.objects.create(
        name="Сеть округа", model="model_1", municipality=world.mun, coordinator=world.leader
    )
    network.members.add(world.school)
    assert (
        client_for(users.director)
        .get(reverse("partnerships:network_detail", args=[network.pk]))
        .status_code
        == 200
    )
    assert (
        client_for(users.director)
        .get(reverse("partnerships:network_edit", args=[network.pk]))
        .status_code
        == 403
    )
    assert (
        client_for(users.outsider)
        .get(reverse("partnerships:network_detail", args=[network.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(users.outsider_director)
        .get(reverse("partnerships:network_edit", args=[network.pk]))
        .status_code
        == 404
    )
    assert client_for(users.director).get(reverse("partnerships:network_create")).status_code == 403


def test_edit_partnership_changes_members_and_keeps_the_rules(
    users, client_for, world, partnership
):
    client = client_for(users.methodologist)
    url = reverse("partnerships:edit", args=[partnership.pk])
    other = OrganisationFactory(municipality=world.mun, short_name="МОБУ «СОШ № 16»")
    payload = {
        "title": "Пара 5–16",
        "municipality": world.mun.pk,
        "supported": [world.school.pk],
        "leaders": [other.pk],
        "start_date": "2026-09-01",
        "end_date": "2026-01-01",
        "version": partnership.version,  # the hidden field of the form as opened
    }
    response = client.post(url, payload)
    assert "Дата окончания раньше даты начала." in response.content.decode()
    partnership.refresh_from_db()
    assert partnership.title == "Пара 5–9"
    response = client.post(url, {**payload, "end_date": "2027-06-30"})
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.title == "Пара 5–16"
    assert {m.organisation_id for m in partnership.members.all()} == {world.school.pk, other.pk}


def test_plan_is_approved_from_the_same_form(
    users, client_for, needs, django_capture_on_commit_callbacks
):
    client = client_for(users.methodologist)
    with django_capture_on_commit_callbacks(execute=True):  # the plan's job, after the commit
        plan_url = client.post(reverse("partnerships:plans"), {"municipality": needs.mun.pk}).url
    plan = PairingPlan.objects.get()
    row = plan.rows.get()
    page = client.get(plan_url).content.decode()
    assert "Утвердить план" in page and f'name="provider-{row.pk}"' in page
    client.post(
        reverse("partnerships:plan_approve", args=[plan.pk]),
        {f"provider-{row.pk}": row.provider_id},  # the methodologist unticked the row
    )
    plan.refresh_from_db()
    assert plan.status == "draft" and not Partnership.objects.exists()  # nothing selected
    client.post(
        reverse("partnerships:plan_approve", args=[plan.pk]),
        {f"provider-{row.pk}": row.provider_id, f"include-{row.pk}": "on"},
    )
    plan.refresh_from_db()
    assert plan.status == "approved"
    assert (
        Partnership.objects.get().members.filter(organisation=needs.leader, role="leader").exists()
    )


def test_outsider_cannot_open_a_plan(users, client_for, needs):
    client_for(users.methodologist).post(
        reverse("partnerships:plans"), {"municipality": needs.mun.pk}
    )
    plan = PairingPlan.objects.get()
    assert (
        client_for(users.outsider)
        .get(reverse("partnerships:plan_detail", args=[plan.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(users.outsider)
        .post(reverse("partnerships:plan_approve", args=[plan.pk]))
        .status_code
        == 404
    )
    assert (
        client_for(users.director)
        .get(reverse("partnerships:plan_detail", args=[plan.pk]))
        .status_code
        == 403
    )


def test_home_panel_for_methodologist_and_member_director(users, client_for, needs):
    from partnerships import services

    page = client_for(users.methodologist).get("/").content.decode()
    assert "1 поддерживаемая школа пока без партнёра." in page
    p = services.partnership_create(
        actor=users.methodologist,
        data=services.PartnershipData(
            title="Пара на согласовании",
            municipality=needs.mun,
            supported=[needs.school],
            leaders=[needs.leader],
        ),
    )
    page = client_for(users.director).get("/").content.decode()
    assert "Ожидают согласования вашей организацией" in page and p.title in page
    # a proposal nobody has agreed to is not a partner yet (partnerships.figures, issue 15)
    page = client_for(users.methodologist).get("/").content.decode()
    assert "1 поддерживаемая школа пока без партнёра." in page
    p.status = "agreed"
    p.save(update_fields=["status"])
    page = client_for(users.methodologist).get("/").content.decode()
    assert "У каждой поддерживаемой школы есть партнёр." in page
    assert p.title not in client_for(users.outsider_director).get("/").content.decode()


def test_suggestions_name_the_high_risks_nobody_covers(users, client_for, world):
    from schools.models import Category

    from .factories import category, profile

    category(world.school, Category.SHNOR)
    profile(world.school, {7: "high", 9: "high"})
    profile(world.leader, {9: "low"})
    page = (
        client_for(users.methodologist)
        .get(reverse("partnerships:suggest", args=[world.school.pk]))
        .content.decode()
    )
    assert "Ни у одной организации региона нет подтверждённого опыта по факторам" in page
    assert "«Низкое качество преодоления языковых и культурных барьеров»" in page
    assert world.leader.short_name in page


def test_coordinator_filters_the_list_by_municipality(users, client_for, world, partnership):
    from .factories import pair

    other = pair(
        supported=world.other_school,
        provider=OrganisationFactory(municipality=world.other_mun),
        title="Пара второго округа",
    )
    client = client_for(users.coordinator)
    page = client.get(reverse("partnerships:list")).content.decode()
    assert partnership.title in page and other.title in page and 'name="municipality"' in page
    page = client.get(
        reverse("partnerships:list"), {"municipality": world.other_mun.pk}
    ).content.decode()
    assert partnership.title not in page and other.title in page
    # a methodologist has one municipality: no such filter, and a foreign one shows nothing
    page = (
        client_for(users.methodologist)
        .get(reverse("partnerships:list"), {"municipality": world.other_mun.pk})
        .content.decode()
    )
    assert 'name="municipality"' not in page and other.title not in page


def test_capacity_form_saves_and_reshows_errors_alone(users, client_for, world):
    client = client_for(users.leader_director)
    url = reverse("partnerships:strengths", args=[world.leader.pk])
    bad = client.post(url, {"p-capacity": "-1", "save-profile": "1"})
    html = bad.content.decode()
    assert bad.status_code == 200 and 'value="-1"' in html
    assert html.count("invalid-feedback") == 1  # the experience form is not bound, no errors
    assert (
        client.post(url, {"p-capacity": "4", "p-resources": [], "save-profile": "1"}).status_code
        == 302
    )
    assert world.leader.provider_profile.capacity == 4
