"""Evidence of impact: partnered vs supported without a partnership vs all schools."""

import io

import openpyxl
import pytest
from django.urls import reverse

from reports.impact import impact_series
from tests.factories import OrganisationFactory

from .factories import (
    AssessmentResultFactory,
    CategoryAssignmentFactory,
    PartnershipFactory,
    PartnershipMemberFactory,
)


def r(org, year, subject, participants, average, below):
    return {
        "org": org,
        "year": year,
        "subject": subject,
        "participants": participants,
        "average": average,
        "below": below,
    }


def test_points_are_participant_weighted_with_school_counts():
    rows = [
        r(1, 2025, "math", 10, 10.0, 5),
        r(2, 2025, "math", 30, 14.0, 3),
        r(3, 2025, "math", 60, 18.0, 0),
        r(1, 2026, "math", 10, 12.0, 2),
        r(1, 2026, "math_profile", 10, 50.0, 1),  # ЕГЭ: counted with mathematics
        r(2, 2026, "physics", 10, 50.0, 1),  # not compared
    ]
    groups = {"partnered": {1}, "unpartnered": {2}, "all": {1, 2, 3}}
    series = impact_series(rows=rows, groups=groups, years=[2025, 2026])
    all_2025 = series[("all", "math")][0]
    assert all_2025.schools == 3
    assert all_2025.average == pytest.approx((100 + 420 + 1080) / 100)
    assert all_2025.share_below == pytest.approx(8.0)
    partnered_2026 = series[("partnered", "math")][1]
    assert partnered_2026.schools == 1 and partnered_2026.share_below == pytest.approx(15.0)
    assert series[("unpartnered", "math")][1].schools == 0
    assert series[("all", "russian")][0].average is None


@pytest.fixture
def impact_world(world):
    partnered, alone = world.school, OrganisationFactory(municipality=world.mun)
    for school in (partnered, alone):
        CategoryAssignmentFactory(organisation=school, category="shnor")
    PartnershipMemberFactory(
        partnership=PartnershipFactory(municipality=world.mun), organisation=partnered
    )
    for year, a, b in ((2025, 12.0, 12.0), (2026, 14.0, 11.0)):
        AssessmentResultFactory(
            organisation=partnered, year=year, average_score=a, below_threshold=4
        )
        AssessmentResultFactory(organisation=alone, year=year, average_score=b, below_threshold=6)
        AssessmentResultFactory(
            organisation=world.leader, year=year, average_score=18, below_threshold=0
        )
    return world


@pytest.mark.django_db
def test_methodologist_sees_chart_and_table(impact_world, users, client_for):
    page = client_for(users.methodologist).get(reverse("reports:impact")).content.decode()
    assert "<svg" in page
    assert (
        "Поддерживаемые школы в партнёрстве" in page
        and "Поддерживаемые школы без партнёрства" in page
    )
    assert "14,0 / 8,0 %" in page  # partnered 2026: 4 of 50 below
    assert "поддерживаемых школ в партнёрствах — 1, без партнёрства — 1, всего школ — 3" in page


@pytest.mark.django_db
def test_export_xlsx_and_csv(impact_world, users, client_for):
    client = client_for(users.methodologist)
    xlsx = client.get(
        reverse("reports:impact") + f"?territory=m{impact_world.mun.pk}&kind=oge&export=xlsx"
    )
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("Группа", "Предмет")
    assert rows[1][:8] == ("Поддерживаемые школы в партнёрстве", "Математика", 12, 8, 1, 14, 8, 1)
    csv = client.get(reverse("reports:impact") + "?export=csv").content.decode("utf-8-sig")
    assert "Все школы;Математика" in csv


@pytest.mark.django_db
def test_region_for_coordinator_and_scope_for_others(impact_world, users, client_for):
    page = client_for(users.coordinator).get(reverse("reports:impact")).content.decode()
    assert "весь регион" in page
    other = f"?territory=m{impact_world.mun.pk}"
    assert client_for(users.outsider).get(reverse("reports:impact") + other).status_code == 404
    assert client_for(users.curator).get(reverse("reports:impact")).status_code == 403


def test_impact_figures_are_read_once_and_the_page_says_when(
    impact_world, users, client_for, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(users.methodologist)
    with CaptureQueriesContext(connection) as first:
        page = client.get(reverse("reports:impact")).content.decode()
    assert 'id="impact-as-of"' in page and "Данные на" in page
    # the second request reads no results, memberships or categories: the four loads are cached
    with django_assert_max_num_queries(len(first.captured_queries) - 4):
        client.get(reverse("reports:impact"))
    # another territory (the outsider's) is its own entry and still out of the methodologist's
    other = f"?territory=m{impact_world.mun.pk}"
    assert client_for(users.outsider).get(reverse("reports:impact") + other).status_code == 404
