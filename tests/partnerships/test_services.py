"""Services: proposing with the rules, transitions with history and audit, plans, numbering."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from diagnostics.models import RiskFactor
from network_portal.audit.models import AuditEvent
from partnerships import services
from partnerships.models import (
    Agreement,
    MemberRole,
    PairingPlan,
    Partnership,
    PartnershipMember,
    StatusChange,
)
from partnerships.transitions import TransitionError
from schools.models import Category
from tests.factories import OrganisationFactory

from .factories import ProviderProfileFactory, StrengthFactory, category, pair, profile

pytestmark = pytest.mark.django_db


def data(world, **kw):
    defaults = {
        "title": "Пара",
        "municipality": world.mun,
        "supported": [world.school],
        "leaders": [world.leader],
    }
    return services.PartnershipData(**{**defaults, **kw})


def test_propose_records_history_and_audit(world, users):
    p = services.partnership_create(actor=users.methodologist, data=data(world))
    assert p.status == "proposed"
    assert {(m.organisation_id, m.role) for m in p.members.all()} == {
        (world.school.pk, "supported"),
        (world.leader.pk, "leader"),
    }
    change = StatusChange.objects.get(partnership=p)
    assert (change.to_status, change.actor) == ("proposed", users.methodologist)
    assert AuditEvent.objects.filter(action="partnership.propose", object_id=str(p.pk)).exists()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"supported": []}, "supported"),
        ({"leaders": []}, "leaders"),
        ({"end_date": dt.date(2026, 1, 1), "start_date": dt.date(2026, 9, 1)}, "end_date"),
    ],
)
def test_bad_partnership_is_refused_and_nothing_saved(world, users, kw, field):
    with pytest.raises(ValidationError) as exc:
        services.partnership_create(actor=users.methodologist, data=data(world, **kw))
    assert field in exc.value.message_dict
    assert not Partnership.objects.exists() and not PartnershipMember.objects.exists()


def test_school_paired_with_itself_is_refused(world, users):
    with pytest.raises(ValidationError) as exc:
        services.partnership_create(
            actor=users.methodologist, data=data(world, leaders=[world.school])
        )
    assert "сама с собой" in exc.value.message_dict["leaders"][0]
    assert not Partnership.objects.exists()


def test_leader_over_capacity_needs_a_written_reason(world, users):
    ProviderProfileFactory(organisation=world.leader, capacity=1)
    pair(supported=OrganisationFactory(municipality=world.mun), provider=world.leader)
    with pytest.raises(ValidationError) as exc:
        services.partnership_create(actor=users.methodologist, data=data(world))
    assert "ёмкость исчерпана" in exc.value.message_dict["over_capacity_reason"][0]
    assert Partnership.objects.count() == 1
    p = services.partnership_create(
        actor=users.methodologist,
        data=data(world, over_capacity_reason="Единственная школа с опытом ОВЗ в округе"),
    )
    assert p.over_capacity_reason.startswith("Единственная")


def test_members_agree_then_methodologist_starts_and_completes(world, users):
    p = services.partnership_create(actor=users.methodologist, data=data(world))
    services.partnership_transition(partnership=p, action="agree", actor=users.director)
    p.refresh_from_db()
    assert p.status == "proposed"  # the leader has not agreed yet
    services.partnership_transition(partnership=p, action="agree", actor=users.leader_director)
    p.refresh_from_db()
    assert p.status == "agreed"
    p = services.partnership_transition(partnership=p, action="start", actor=users.methodologist)
    assert p.status == "active" and p.start_date is not None
    p = services.partnership_transition(partnership=p, action="complete", actor=users.methodologist)
    assert p.status == "completed"
    assert list(p.status_changes.values_list("to_status", flat=True)) == [
        "proposed",
        "agreed",
        "active",
        "completed",
    ]
    assert AuditEvent.objects.filter(action="partnership.complete").count() == 1


def test_director_cannot_start_or_terminate(world, users):
    p = services.partnership_create(actor=users.methodologist, data=data(world))
    with pytest.raises(TransitionError):
        services.partnership_transition(partnership=p, action="approve", actor=users.director)
    with pytest.raises(TransitionError):
        services.partnership_transition(
            partnership=p, action="terminate", actor=users.director, reason="x"
        )
    with pytest.raises(TransitionError):
        services.partnership_transition(partnership=p, action="approve", actor=users.outsider)


def test_terminate_needs_reason_and_keeps_it(world, users):
    p = services.partnership_create(actor=users.methodologist, data=data(world))
    with pytest.raises(TransitionError):
        services.partnership_transition(
            partnership=p, action="terminate", actor=users.methodologist
        )
    services.partnership_transition(
        partnership=p, action="terminate", actor=users.methodologist, reason="Школа реорганизована"
    )
    assert p.status_changes.last().reason == "Школа реорганизована"


def test_suggestion_accept_creates_a_proposed_pair_with_covered_factors(needs, users):
    p = services.suggestion_accept(
        school=needs.school, provider=needs.leader, actor=users.methodologist
    )
    assert p.status == "proposed"
    assert sorted(p.risk_factors.values_list("code", flat=True)) == [6, 9, 10]
    assert "Высокая доля обучающихся с ОВЗ" in p.description


def test_pairing_plan_and_batch_approval(needs, users):
    other = OrganisationFactory(municipality=needs.mun)
    category(other, Category.RISK)
    profile(other, {9: "high"})
    lonely = OrganisationFactory(municipality=needs.mun)
    category(lonely, Category.SHNSU)
    profile(lonely, {7: "high"})  # nobody covers language barriers
    ProviderProfileFactory(organisation=needs.leader, capacity=1)
    StrengthFactory(organisation=needs.partner_org, factor=RiskFactor.objects.get(code=9))

    plan = services.pairing_plan_create(
        actor=users.methodologist, region=needs.region, municipality=needs.mun
    )
    rows = {r.supported_id: r for r in plan.rows.all()}
    assert set(rows) == {needs.school.pk, other.pk, lonely.pk}
    assert rows[lonely.pk].provider is None and not rows[lonely.pk].include
    providers = [rows[needs.school.pk].provider_id, rows[other.pk].provider_id]
    assert sorted(providers) == sorted([needs.leader.pk, needs.partner_org.pk])  # capacity 1 each

    created = services.pairing_plan_approve(plan=plan, actor=users.methodologist)
    assert len(created) == 2
    plan.refresh_from_db()
    assert plan.status == "approved"
    with pytest.raises(ValidationError):
        services.pairing_plan_approve(plan=plan, actor=users.methodologist)


def test_plan_approval_is_all_or_nothing(needs, users):
    other = OrganisationFactory(municipality=needs.mun)
    category(other, Category.RISK)
    profile(other, {9: "high"})
    plan = services.pairing_plan_create(
        actor=users.methodologist, region=needs.region, municipality=needs.mun
    )
    # meanwhile the leader's capacity is taken by someone else
    ProviderProfileFactory(organisation=needs.leader, capacity=1)
    pair(supported=OrganisationFactory(municipality=needs.mun), provider=needs.leader)
    before = Partnership.objects.count()
    with pytest.raises(ValidationError, match="ёмкость"):
        services.pairing_plan_approve(plan=plan, actor=users.methodologist)
    assert Partnership.objects.count() == before
    assert PairingPlan.objects.get(pk=plan.pk).status == "draft"


def test_already_paired_school_is_not_in_the_plan(needs, users, partnership):
    plan = services.pairing_plan_create(actor=users.methodologist, region=needs.region)
    assert not plan.rows.filter(supported=needs.school).exists()


def test_agreement_numbers_run_per_municipality_and_year(world, users, partnership):
    def make(date):
        return services.agreement_create(
            partnership=partnership,
            kind="cooperation",
            date=date,
            valid_from=date,
            valid_until=date + dt.timedelta(days=300),
            subject="s",
            obligations="o",
            resources_text="",
            actor=users.methodologist,
        )

    a1, a2 = make(dt.date(2026, 2, 1)), make(dt.date(2026, 3, 1))
    a3 = make(dt.date(2027, 1, 10))
    assert [a1.sequence, a2.sequence, a3.sequence] == [1, 2, 1]
    other = pair(
        supported=world.other_school, provider=OrganisationFactory(municipality=world.other_mun)
    )
    b = services.agreement_create(
        partnership=other,
        kind="cooperation",
        date=dt.date(2026, 5, 1),
        valid_from=dt.date(2026, 5, 1),
        valid_until=dt.date(2026, 12, 1),
        subject="s",
        obligations="",
        resources_text="",
        actor=users.admin,
    )
    assert b.sequence == 1
    assert a2.number.endswith("/2026-002")


def test_failed_agreement_does_not_spend_a_number(world, users, partnership):
    with pytest.raises(ValidationError):
        services.agreement_create(
            partnership=partnership,
            kind="cooperation",
            date=dt.date(2026, 2, 1),
            valid_from=dt.date(2026, 2, 1),
            valid_until=dt.date(2026, 1, 1),
            subject="s",
            obligations="",
            resources_text="",
            actor=users.methodologist,
        )
    a = services.agreement_create(
        partnership=partnership,
        kind="cooperation",
        date=dt.date(2026, 2, 1),
        valid_from=dt.date(2026, 2, 1),
        valid_until=dt.date(2026, 6, 1),
        subject="s",
        obligations="",
        resources_text="",
        actor=users.methodologist,
    )
    assert a.sequence == 1


def test_signing_needs_the_scan_and_expiry_is_automatic(world, users, partnership):
    a = services.agreement_create(
        partnership=partnership,
        kind="cooperation",
        date=dt.date(2025, 2, 1),
        valid_from=dt.date(2025, 2, 1),
        valid_until=dt.date(2025, 12, 31),
        subject="s",
        obligations="",
        resources_text="",
        actor=users.methodologist,
    )
    with pytest.raises(TransitionError, match="скан"):
        services.agreement_transition(agreement=a, action="sign", actor=users.methodologist)
    Agreement.objects.filter(pk=a.pk).update(scan="agreements/x.pdf")
    services.agreement_transition(agreement=a, action="sign", actor=users.methodologist)
    assert services.agreements_expire(today=dt.date(2026, 1, 1)) == 1
    a.refresh_from_db()
    assert a.status == "expired"
    assert list(a.status_changes.values_list("to_status", flat=True)) == [
        "draft",
        "signed",
        "expired",
    ]


def test_member_role_labels_are_russian():
    assert str(MemberRole.LEADER.label) == "Школа-лидер"
