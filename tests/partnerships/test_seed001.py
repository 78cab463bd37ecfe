"""Seed 001 reproduced on the demo data: the partners the municipality actually chose come out
in the top 3 of each supported school's candidates, and the reasons name the seed's factors."""

import io

import pytest
from django.core.management import call_command

from partnerships.selectors import partner_suggestions
from schools.models import Organisation

pytestmark = pytest.mark.django_db

# school -> (acceptable partners, factor codes the reasons must name) — seed 001
SEED_001 = {
    "МОБУ «СОШ № 5»": ({"МОБУ «СОШ № 9»"}, {9, 6}),  # ОВЗ, учебная неуспешность
    "МОБУ «СОШ № 3»": ({"МАОУ «Гимназия № 1»"}, {10}),  # вовлечённость родителей
    "МОБУ «СОШ № 2»": ({"МОБУ «СОШ № 3»"}, {3, 9}),  # компетентность педагогов, ОВЗ (опыт 500+)
    "МОБУ «ООШ № 1»": ({"МОБУ «СОШ № 4»", "МОБУ «СОШ № 16»"}, set()),
    "МКОУ «О(С)ОШ № 14»": ({"МОБУ «СОШ № 4»", "МОБУ «СОШ № 16»"}, set()),
}
# what СОШ № 4 (ИКТ → оснащение) and СОШ № 16 (личностный потенциал → среда; адаптивность) cover
PARTNER_FACTORS = {"МОБУ «СОШ № 4»": {1}, "МОБУ «СОШ № 16»": {8, 4}}


@pytest.fixture
def demo(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", password="demo-password-1", stdout=io.StringIO())


@pytest.mark.parametrize("school_name", list(SEED_001))
def test_seed_001_partners_are_in_the_top_three(demo, school_name):
    partners, factors = SEED_001[school_name]
    school = Organisation.objects.select_related("municipality").get(short_name=school_name)
    _needs, ranked = partner_suggestions(organisation=school, top=3)
    top = {m.candidate.name: m for m in ranked}
    found = partners & set(top)
    assert found, f"{school_name}: top 3 is {list(top)}"
    for name in found:
        match = top[name]
        wanted = factors or PARTNER_FACTORS[name]
        assert wanted <= set(match.factor_codes), (name, match.reasons)
        text = " ".join(match.reasons)
        for coverage in match.covered:
            if coverage.code in wanted:
                assert f"«{coverage.name}»" in text


def test_cso3_is_offered_for_its_declared_500_plus_experience(demo):
    """СОШ № 3 is itself a risk-zone school: it is a candidate only through declared experience."""
    school = Organisation.objects.get(short_name="МОБУ «СОШ № 2»")
    _needs, ranked = partner_suggestions(organisation=school, top=3)
    match = next(m for m in ranked if m.candidate.name == "МОБУ «СОШ № 3»")
    assert all(c.how == "declared" for c in match.covered)
    assert any("проекте 500+" in r for r in match.reasons)


def test_suggest_partners_command_prints_reasons(demo, capsys):
    call_command("suggest_partners", "СОШ № 5", "--top", "3")
    out = capsys.readouterr().out
    assert "1. МОБУ «СОШ № 9»" in out
    assert "«Высокая доля обучающихся с ОВЗ»" in out
    assert "«Высокая доля обучающихся с рисками учебной неуспешности»" in out
    call_command("suggest_partners", "2901000056", "--top", "1")  # by ИНН
    assert "МОБУ «СОШ № 5»" in capsys.readouterr().out


def test_suggest_partners_command_unknown_school(demo):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="не найдена"):
        call_command("suggest_partners", "Лицей № 999")


def test_members_of_agreed_and_active_demo_pairs_have_agreed(demo):
    from partnerships.models import PartnershipMember, PartnershipStatus

    members = PartnershipMember.objects.filter(
        partnership__status__in=[PartnershipStatus.AGREED, PartnershipStatus.ACTIVE]
    )
    assert members.exists()
    assert not members.filter(agreed_at__isnull=True).exists()
    proposed = PartnershipMember.objects.filter(partnership__status=PartnershipStatus.PROPOSED)
    assert not proposed.filter(agreed_at__isnull=False).exists()


def test_seed_001_group_comes_out_of_the_plan_with_a_second_provider(demo):
    """Without the demo's own group partnership, the region plan gives ООШ № 1 СОШ № 4 (ИКТ)
    and, as the first covers too few of its high risks, СОШ № 16 as a second provider; О(С)ОШ
    № 14 gets СОШ № 16 too — the group of seed 001."""
    from knowledge.demo import PARENTS_PAIR
    from partnerships.models import Partnership
    from partnerships.services import pairing_plan_create
    from reports.demo import MUNICIPALITY as SECOND_MUNICIPALITY
    from schools.models import Region

    Partnership.objects.filter(title__startswith="Сетевая группа").delete()
    # Seed 001's data alone: the demo adds a second municipality to the region (issue 15) and
    # a pair for the practice bank (issue 18); with them the region plan rightly spends the
    # leaders' places elsewhere, and the seed's group is no longer the optimum.
    Partnership.objects.filter(title=PARENTS_PAIR).delete()
    Organisation.objects.filter(municipality__name=SECOND_MUNICIPALITY).update(is_active=False)
    plan = pairing_plan_create(actor=None, region=Region.objects.get())
    rows = {
        r.supported.short_name: r
        for r in plan.rows.select_related("supported", "provider", "second_provider")
    }
    oosh1, ososh14 = rows["МОБУ «ООШ № 1»"], rows["МКОУ «О(С)ОШ № 14»"]
    assert {oosh1.provider.short_name, oosh1.second_provider.short_name} == {
        "МОБУ «СОШ № 4»",
        "МОБУ «СОШ № 16»",
    }
    assert "МОБУ «СОШ № 16»" in {ososh14.provider.short_name, ososh14.second_provider.short_name}
    assert oosh1.second_reasons and set(oosh1.second_factor_codes) >= {8}
    from partnerships.services import pairing_plan_approve

    plan.rows.exclude(pk=oosh1.pk).update(include=False)
    (created,) = pairing_plan_approve(plan=plan, actor=None)
    providers = set(
        created.members.exclude(role="supported").values_list("organisation__short_name", flat=True)
    )
    assert providers == {"МОБУ «СОШ № 4»", "МОБУ «СОШ № 16»"}
