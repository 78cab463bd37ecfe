"""The heatmap a page at a time (issue 17): the counts under the table cover every school, the
XLSX export holds them all, and the page's HTML is bounded whatever the municipality's size."""

import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from diagnostics import pages
from diagnostics.models import FactorLevel, RiskFactor, RiskProfile
from schools.models import Organisation

pytestmark = pytest.mark.django_db


def _bulk_schools(world, n: int) -> None:
    """``n`` schools with long names, each with a profile: factor 1 high in every second."""
    schools = Organisation.objects.bulk_create(
        Organisation(
            municipality=world.mun,
            kind="school",
            short_name=f"Муниципальное бюджетное общеобразовательное учреждение № {k:04d}",
            full_name=f"Школа {k}",
        )
        for k in range(n)
    )
    now = timezone.now()
    profiles = RiskProfile.objects.bulk_create(
        RiskProfile(organisation=s, computed_at=now) for s in schools
    )
    factors = list(RiskFactor.objects.order_by("code"))
    FactorLevel.objects.bulk_create(
        FactorLevel(
            profile=p,
            factor=f,
            level="high" if f.code == 1 and k % 2 == 0 else "low",
            score=80 if f.code == 1 and k % 2 == 0 else 20,
        )
        for k, p in enumerate(profiles)
        for f in factors
    )


def test_heatmap_pages_and_counts_every_school(client_for, users, world, monkeypatch):
    monkeypatch.setattr(pages, "HEATMAP_PER_PAGE", 5)
    _bulk_schools(world, 12)
    client = client_for(users.methodologist)
    url = reverse("diagnostics:heatmap")
    first = client.get(url, {"municipality": world.mun.pk})
    assert len(first.context["rows"]) == 5
    assert first.context["total"] == 14  # + world.school and world.leader
    assert first.context["with_profile"] == 12
    assert first.context["highs"][0] == 6  # over the three pages, not this one's five
    last = client.get(url, {"municipality": world.mun.pk, "page": 3})
    assert len(last.context["rows"]) == 4
    xlsx = client.get(url, {"municipality": world.mun.pk, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 2 + 14


def test_heatmap_page_of_a_large_municipality_stays_small(client_for, users, world):
    _bulk_schools(world, pages.HEATMAP_PER_PAGE * 3)
    response = client_for(users.methodologist).get(
        reverse("diagnostics:heatmap"), {"municipality": world.mun.pk}
    )
    assert len(response.context["rows"]) == pages.HEATMAP_PER_PAGE
    assert len(response.content) < 500_000
    assert response.context["highs"][0] == pages.HEATMAP_PER_PAGE * 3 // 2


def test_outsider_cannot_page_another_municipality(client_for, users, world):
    url = reverse("diagnostics:heatmap")
    response = client_for(users.outsider).get(url, {"municipality": world.mun.pk, "page": 2})
    assert response.status_code == 404


def test_heatmap_cells_say_their_level_and_rounded_score(client_for, users, world):
    """Each cell prints its level's label and its score rounded half up, as ``floatformat:0``
    did, from values worked out once per page rather than per cell by the template."""
    _bulk_schools(world, 2)
    FactorLevel.objects.filter(factor__code=2).update(level="medium", score="45.500")
    response = client_for(users.methodologist).get(
        reverse("diagnostics:heatmap"), {"municipality": world.mun.pk}
    )
    html = response.content.decode()
    factor = RiskFactor.objects.get(code=2)
    assert f'title="{factor.name}: Средний, 46 %"' in html
    assert f'title="{RiskFactor.objects.get(code=1).name}: Высокий, 80 %"' in html
