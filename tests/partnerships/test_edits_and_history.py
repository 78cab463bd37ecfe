"""Editing a partnership: members' agreement, the visible history of changes, stale saves,
duplicates from stale or double-submitted pairings, signed scans kept."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from network_portal.editing import StaleEdit
from partnerships import services
from partnerships.models import Network, Partnership, PartnershipMember, StatusChange
from tests.factories import OrganisationFactory

from .factories import AgreementFactory, category, profile

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _data(world, **kw):
    return services.PartnershipData(
        **{
            "title": "Пара 5–9",
            "municipality": world.mun,
            "supported": [world.school],
            "leaders": [world.leader],
            **kw,
        }
    )


def _payload(world, partnership, **kw):
    return {
        "title": partnership.title,
        "municipality": world.mun.pk,
        "supported": [world.school.pk],
        "leaders": [world.leader.pk],
        "version": partnership.version,
        **kw,
    }


@pytest.fixture
def agreed(world, users):
    p = services.partnership_create(actor=users.methodologist, data=_data(world))
    services.partnership_transition(partnership=p, action="agree", actor=users.director)
    services.partnership_transition(partnership=p, action="agree", actor=users.leader_director)
    p.refresh_from_db()
    assert p.status == "agreed"
    return p


# --- 5. Members' agreement when members change -------------------------------------------------


def test_new_member_sends_an_agreed_partnership_back_for_agreement(
    users, client_for, world, agreed
):
    response = client_for(users.methodologist).post(
        reverse("partnerships:edit", args=[agreed.pk]),
        _payload(world, agreed, partners=[world.partner_org.pk]),
        follow=True,
    )
    page = response.content.decode()
    assert "В него вошли новые участники, поэтому оно снова «Предложена»" in page
    agreed.refresh_from_db()
    assert agreed.status == "proposed"
    members = {m.organisation_id: m for m in agreed.members.all()}
    assert members[world.school.pk].agreed_by == users.director  # kept: same role
    assert members[world.leader.pk].agreed_by == users.leader_director
    assert members[world.partner_org.pk].agreed_at is None
    change = StatusChange.objects.filter(partnership=agreed).last()
    assert (change.action, change.from_status, change.to_status, change.actor) == (
        "members_changed",
        "agreed",
        "proposed",
        users.methodologist,
    )
    assert change.reason == "Новые участники должны согласовать партнёрство: ГАПОУ «Колледж»."
    # the newcomer agrees, and the partnership is agreed again
    services.partnership_transition(partnership=agreed, action="agree", actor=users.partner)
    agreed.refresh_from_db()
    assert agreed.status == "agreed"


def test_changing_only_dates_keeps_the_status_and_the_agreement(users, world, agreed):
    services.partnership_update(
        partnership=agreed,
        actor=users.methodologist,
        data=_data(world, start_date=dt.date(2026, 9, 1)),
        version=agreed.version,
    )
    agreed.refresh_from_db()
    assert agreed.status == "agreed"
    assert all(m.agreed_at for m in agreed.members.all())


# --- 6. History of edits -----------------------------------------------------------------------


def test_history_shows_who_changed_members_dates_and_factors(users, client_for, world, agreed):
    from diagnostics.models import RiskFactor

    factor = RiskFactor.objects.get(code=9)
    client = client_for(users.methodologist)
    client.post(
        reverse("partnerships:edit", args=[agreed.pk]),
        _payload(
            world,
            agreed,
            partners=[world.partner_org.pk],
            start_date="2026-09-01",
            risk_factors=[factor.pk],
        ),
    )
    page = client.get(reverse("partnerships:detail", args=[agreed.pk])).content.decode()
    assert "изменено, " + users.methodologist.get_short_name() in " ".join(page.split())
    assert "Участники: добавлены — ГАПОУ «Колледж» (партнёр)" in page
    assert "Дата начала: — → 01.09.2026" in page
    assert "Факторы риска, на которые направлено взаимодействие: добавлены — " in page
    assert factor.name in page
    # the status changes are still there, in order
    assert page.index("предложено") < page.index("Дата начала: — → 01.09.2026")


def test_a_partnership_without_history_says_so(users, client_for, world):
    """A partnership recorded without a history (imported, or seeded as the demo's) shows a
    line under «История», not an empty list under a heading."""
    from .factories import pair

    partnership = pair(supported=world.school, provider=world.leader)
    assert not StatusChange.objects.filter(partnership=partnership).exists()
    page = client_for(users.methodologist).get(
        reverse("partnerships:detail", args=[partnership.pk])
    )
    assert page.status_code == 200
    assert "Изменений пока нет." in page.content.decode()


def test_history_of_a_removed_member_and_a_new_title(users, world):
    p = services.partnership_create(
        actor=users.methodologist, data=_data(world, partners=[world.partner_org])
    )
    services.partnership_update(
        partnership=p,
        actor=users.coordinator,
        data=_data(world, title="Пара без колледжа"),
        version=p.version,
    )
    from partnerships.history import partnership_history

    (edit,) = [e for e in partnership_history(partnership=p) if e.action == "edit"]
    assert edit.actor == users.coordinator
    assert [str(c) for c in edit.changes] == [
        "Название: Пара 5–9 → Пара без колледжа",
        "Участники — исключены: ГАПОУ «Колледж» (партнёр)",
    ]


def test_history_reads_in_constant_queries(users, world, django_assert_max_num_queries):
    from partnerships.history import partnership_history

    p = services.partnership_create(actor=users.methodologist, data=_data(world))

    def edit(n):
        for i in range(n):
            fresh = Partnership.objects.get(pk=p.pk)
            services.partnership_update(
                partnership=fresh,
                actor=users.methodologist,
                data=_data(world, title=f"Пара {i}", partners=[world.partner_org] if i % 2 else []),
            )

    edit(2)
    with django_assert_max_num_queries(12):
        few = partnership_history(partnership=p)
    edit(8)
    with django_assert_max_num_queries(12):
        many = partnership_history(partnership=p)
    assert len([e for e in many if e.action == "edit"]) == 10 > len(few)


# --- 16. Stale saves of the partnership and network forms -------------------------------------


def test_stale_partnership_save_is_refused_showing_the_other_change(users, client_for, world):
    p = services.partnership_create(actor=users.methodologist, data=_data(world))
    seen = p.version
    services.partnership_update(  # the coordinator saves first
        partnership=p,
        actor=users.coordinator,
        data=_data(world, title="Пара, переименованная координатором"),
        version=seen,
    )
    client = client_for(users.methodologist)
    url = reverse("partnerships:edit", args=[p.pk])
    mine = _payload(world, p, title="Моё название", description="Долго набирал", version=seen)
    response = client.post(url, mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Не сохранено: " + users.coordinator.get_full_name() in page
    assert "Название: Пара 5–9 → Пара, переименованная координатором" in page
    assert "Моё название" in page and "Долго набирал" in page  # nothing typed is lost
    p.refresh_from_db()
    assert p.title == "Пара, переименованная координатором"
    # saving the form as shown again is a deliberate overwrite
    assert f'name="version" value="{p.version}"' in page
    assert client.post(url, {**mine, "version": p.version}).status_code == 302
    p.refresh_from_db()
    assert p.title == "Моё название"


def test_a_status_change_makes_an_open_edit_stale(users, world):
    p = services.partnership_create(actor=users.methodologist, data=_data(world))
    seen = p.version
    services.partnership_transition(partnership=p, action="approve", actor=users.coordinator)
    services.partnership_transition(partnership=p, action="start", actor=users.coordinator)
    with pytest.raises(StaleEdit):
        services.partnership_update(
            partnership=p, actor=users.methodologist, data=_data(world), version=seen
        )
    p.refresh_from_db()
    assert p.start_date is not None  # the start date set by «start» is not put back


def test_stale_network_save_is_refused_showing_the_other_change(users, client_for, world):
    client = client_for(users.methodologist)
    payload = {
        "name": "Ресурсный центр",
        "model": "resource_centre",
        "municipality": world.mun.pk,
        "coordinator": world.partner_org.pk,
        "members": [world.school.pk],
    }
    client.post(reverse("partnerships:network_create"), payload)
    network = Network.objects.get()
    url = reverse("partnerships:network_edit", args=[network.pk])
    seen = network.version
    other = client_for(users.coordinator)
    other.post(url, {**payload, "members": [world.school.pk, world.leader.pk], "version": seen})
    client = client_for(users.methodologist)
    response = client.post(url, {**payload, "name": "Моя сеть", "version": seen})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Не сохранено: " + users.coordinator.get_full_name() in page
    assert "Организации-участники — добавлены: МОБУ «СОШ № 9»" in page
    assert 'value="Моя сеть"' in page
    network.refresh_from_db()
    assert network.name == "Ресурсный центр" and world.leader in network.members.all()


# --- 3. Stale or double-submitted pairings -------------------------------------------------------


def test_suggestion_accepted_twice_makes_one_partnership(users, client_for, needs):
    client = client_for(users.methodologist)
    url = reverse("partnerships:suggest", args=[needs.school.pk])
    first = client.post(url, {"provider": needs.leader.pk})
    assert first.status_code == 302
    second = client.post(url, {"provider": needs.leader.pk}, follow=True)
    assert "Эти организации уже работают вместе в партнёрстве" in second.content.decode()
    assert Partnership.objects.count() == 1


def test_stale_plan_refuses_a_school_paired_since(users, needs):
    plan = services.pairing_plan_create(
        actor=users.methodologist, region=needs.region, municipality=needs.mun
    )
    assert plan.rows.get().supported_id == needs.school.pk
    college = needs.partner_org
    services.partnership_create(  # meanwhile the school got a partner elsewhere
        actor=users.methodologist,
        data=services.PartnershipData(
            title="Пара с колледжем",
            municipality=needs.mun,
            supported=[needs.school],
            partners=[college],
        ),
    )
    with pytest.raises(ValidationError) as exc:
        services.pairing_plan_approve(plan=plan, actor=users.methodologist)
    assert exc.value.messages == [
        "Строка «МОБУ «СОШ № 5»»: после составления плана у школы появилось партнёрство "
        "(«Пара с колледжем»). Снимите отметку со строки и утвердите план снова."
    ]
    assert Partnership.objects.count() == 1
    plan.refresh_from_db()
    assert plan.status == "draft"


def test_two_plans_approved_one_after_the_other_do_not_duplicate(users, needs):
    first = services.pairing_plan_create(actor=users.methodologist, region=needs.region)
    second = services.pairing_plan_create(actor=users.coordinator, region=needs.region)
    services.pairing_plan_approve(plan=first, actor=users.methodologist)
    with pytest.raises(ValidationError, match="после составления плана"):
        services.pairing_plan_approve(plan=second, actor=users.coordinator)
    assert PartnershipMember.objects.filter(organisation=needs.school).count() == 1


# --- 4. Signed scans are never replaced ---------------------------------------------------------


def test_signed_scan_cannot_be_replaced(users, client_for, partnership):
    agreement = AgreementFactory(partnership=partnership)
    client = client_for(users.methodologist)
    url = reverse("partnerships:agreement_scan", args=[agreement.pk])
    client.post(url, {"scan": SimpleUploadedFile("first.pdf", PDF)})
    client.post(  # a draft's wrong upload may be replaced
        url, {"scan": SimpleUploadedFile("second.pdf", PDF)}
    )
    agreement.refresh_from_db()
    assert agreement.scan_name == "second.pdf"
    services.agreement_transition(agreement=agreement, action="sign", actor=users.methodologist)
    agreement.refresh_from_db()
    stored = agreement.scan.name
    response = client.post(url, {"scan": SimpleUploadedFile("forged.pdf", PDF)})
    assert response.status_code == 400
    assert "подписанный скан заменить нельзя" in response.content.decode()
    agreement.refresh_from_db()
    assert (agreement.scan.name, agreement.scan_name) == (stored, "second.pdf")
    assert agreement.scan.storage.exists(stored)
    page = client.get(reverse("partnerships:agreement_detail", args=[agreement.pk]))
    assert "подписанный скан хранится без изменений" in page.content.decode()


def test_other_supported_school_still_gets_its_pair(users, needs):
    """A duplicate check is per pair: another school may still take the same leader."""
    other = OrganisationFactory(municipality=needs.mun)
    category(other, "shnor")
    profile(other, {9: "high"})
    services.suggestion_accept(
        school=needs.school, provider=needs.leader, actor=users.methodologist
    )
    services.suggestion_accept(school=other, provider=needs.leader, actor=users.methodologist)
    assert Partnership.objects.count() == 2


def test_a_partnership_save_sending_no_version_is_refused_not_saved_over_it(
    users, client_for, world
):
    """A POST without the hidden version (a script, a page from before the field) saw
    nothing: refused like a stale save, showing what is stored, never saved over it
    (``network_portal.editing``)."""
    p = services.partnership_create(actor=users.methodologist, data=_data(world))
    url = reverse("partnerships:edit", args=[p.pk])
    mine = _payload(world, p, title="Без версии")
    del mine["version"]
    response = client_for(users.methodologist).post(url, mine)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Не сохранено" in page and "Без версии" in page
    assert f'name="version" value="{p.version}"' in page  # sent again: a deliberate save
    p.refresh_from_db()
    assert p.title == "Пара 5–9"
