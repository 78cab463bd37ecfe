"""Who may be put into a partnership: the organisations of the territory the user manages.

A partnership is kept by the municipality of its supported schools (so that their own
methodologist sees and manages it); a methodologist commits only their municipality's
organisations; the regional coordinator may pair across municipalities.
"""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnerships import services
from partnerships.models import Partnership

pytestmark = pytest.mark.django_db


def _options(page: str, field: str) -> set[int]:
    """The organisation ids a list of checkboxes of the form offers."""
    return {int(v) for v in re.findall(rf'name="{field}" value="(\d+)"', page)}


def _payload(world, **kw):
    return {
        "title": "Пара",
        "municipality": world.mun.pk,
        "supported": [world.school.pk],
        "leaders": [world.leader.pk],
        **kw,
    }


def test_outsider_methodologist_cannot_file_another_municipalitys_school(users, client_for, world):
    client = client_for(users.outsider)
    form_page = client.get(reverse("partnerships:create")).content.decode()
    assert world.school.pk not in _options(form_page, "supported")  # not even offered
    response = client.post(
        reverse("partnerships:create"),
        _payload(world, municipality=world.other_mun.pk, leaders=[world.other_school.pk]),
    )
    assert response.status_code == 200
    assert "Выберите корректный вариант" in response.content.decode()
    assert not Partnership.objects.exists()


def test_service_refuses_a_supported_school_of_another_municipality(users, world):
    data = services.PartnershipData(
        title="Пара",
        municipality=world.other_mun,
        supported=[world.school],
        leaders=[world.other_school],
    )
    with pytest.raises(ValidationError) as exc:
        services.partnership_create(actor=users.coordinator, data=data)
    message = exc.value.message_dict["supported"][0]
    assert "относится к другому муниципалитету, чем партнёрство (Второй округ)" in message
    assert not Partnership.objects.exists()


def test_methodologist_cannot_commit_a_leader_of_another_municipality(users, world):
    data = services.PartnershipData(
        title="Пара", municipality=world.mun, supported=[world.school], leaders=[world.other_school]
    )
    with pytest.raises(ValidationError) as exc:
        services.partnership_create(actor=users.methodologist, data=data)
    assert exc.value.message_dict["leaders"] == [
        "МОБУ «СОШ № 7» — вне территории, за которую вы отвечаете. Пару с организацией "
        "другого муниципалитета предлагает региональный координатор."
    ]
    assert not Partnership.objects.exists()


def test_methodologists_form_offers_only_their_municipalitys_organisations(
    users, client_for, world
):
    page = client_for(users.methodologist).get(reverse("partnerships:create")).content.decode()
    assert {world.school.pk, world.leader.pk} <= _options(page, "supported")
    assert world.other_school.pk not in _options(page, "supported") | _options(page, "leaders")
    coordinator_page = (
        client_for(users.coordinator).get(reverse("partnerships:create")).content.decode()
    )
    assert world.other_school.pk in _options(coordinator_page, "leaders")


def test_coordinators_cross_municipality_pair_is_seen_by_both_methodologists(
    users, client_for, world
):
    response = client_for(users.coordinator).post(
        reverse("partnerships:create"), _payload(world, leaders=[world.other_school.pk])
    )
    partnership = Partnership.objects.get()
    assert response.url == reverse("partnerships:detail", args=[partnership.pk])
    assert partnership.municipality == world.mun
    url = reverse("partnerships:detail", args=[partnership.pk])
    # the leader school's own methodologist sees what its director sees, but does not manage it
    assert client_for(users.outsider).get(url).status_code == 200
    assert client_for(users.methodologist).get(url).status_code == 200
    edit = reverse("partnerships:edit", args=[partnership.pk])
    assert client_for(users.outsider).get(edit).status_code == 403
    assert client_for(users.outsider_director).get(url).status_code == 200  # a member


def test_methodologist_may_keep_the_coordinators_cross_member_when_editing(
    users, client_for, world
):
    partnership = services.partnership_create(
        actor=users.coordinator,
        data=services.PartnershipData(
            title="Пара",
            municipality=world.mun,
            supported=[world.school],
            leaders=[world.other_school],
        ),
    )
    edit = reverse("partnerships:edit", args=[partnership.pk])
    client = client_for(users.methodologist)
    assert world.other_school.pk in _options(client.get(edit).content.decode(), "leaders")
    response = client.post(
        edit,
        _payload(
            world,
            title="Пара с новым названием",
            leaders=[world.other_school.pk],
            version=partnership.version,
        ),
    )
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.title == "Пара с новым названием"
    assert partnership.members.filter(organisation=world.other_school).exists()


def test_suggestion_of_another_municipality_is_left_to_the_coordinator(users, client_for, needs):
    from schools.models import Category

    from .factories import category, profile

    far = needs.other_school
    category(far, Category.LEADER)
    profile(far, {9: "low", 6: "low"})
    client = client_for(users.methodologist)
    url = reverse("partnerships:suggest", args=[needs.school.pk])
    page = client.get(url).content.decode()
    assert far.short_name in page
    assert "эту пару предлагает региональный координатор" in page
    response = client.post(url, {"provider": far.pk}, follow=True)
    assert "вне территории, за которую вы отвечаете" in response.content.decode()
    assert not Partnership.objects.filter(members__organisation=far).exists()
    # the coordinator may propose it
    client_for(users.coordinator).post(url, {"provider": far.pk})
    assert Partnership.objects.filter(members__organisation=far).count() == 1


def test_pairing_plan_of_a_methodologist_uses_their_municipalitys_providers(users, needs):
    from schools.models import Category

    from .factories import category, profile

    far = needs.other_school
    category(far, Category.LEADER)
    profile(far, {9: "low", 6: "low", 10: "low"})
    plan = services.pairing_plan_create(
        actor=users.methodologist, region=needs.region, municipality=needs.mun
    )
    offered = {plan.rows.get().provider_id, *(a["id"] for a in plan.rows.get().alternatives)}
    assert far.pk not in offered
    region_plan = services.pairing_plan_create(actor=users.coordinator, region=needs.region)
    row = region_plan.rows.get(supported=needs.school)
    assert far.pk in {row.provider_id, *(a["id"] for a in row.alternatives)}
