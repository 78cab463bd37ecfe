"""«Мониторинг»: the control table — every supported school on one row, scoped, filtered,
sorted, exported, watched, in a constant number of queries."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reports.models import WatchedSchool
from schools.models import Organisation
from tests.factories import OrganisationFactory

from .factories import (
    CategoryAssignmentFactory,
    PartnershipFactory,
    PartnershipMemberFactory,
    RoadmapFactory,
    RoadmapItemFactory,
    profile_with_levels,
)

pytestmark = pytest.mark.django_db
URL = reverse("reports:monitoring")


@pytest.fixture
def table(world, users):
    """СОШ № 5: ШНОР with a partner and a roadmap (1 of 2 done, 1 overdue); a risk school with
    nothing; a leader school (not supported); a supported school of another municipality."""
    today = timezone.localdate()
    CategoryAssignmentFactory(
        organisation=world.school,
        year=2025,
        category="risk",
        reasons=[{"text": "старая причина"}],
    )
    CategoryAssignmentFactory(
        organisation=world.school,
        year=2026,
        category="shnor",
        reasons=[{"text": "доля «2» по математике 34 %"}, {"text": "вторая"}],
    )
    CategoryAssignmentFactory(organisation=world.leader, category="leader")
    lonely = OrganisationFactory(municipality=world.mun, short_name="МОБУ «ООШ № 1»")
    CategoryAssignmentFactory(organisation=lonely, category="risk")
    CategoryAssignmentFactory(organisation=world.other_school, category="shnor")
    pair = PartnershipFactory(municipality=world.mun, status="active", title="Пара 5–9")
    PartnershipMemberFactory(partnership=pair, organisation=world.school, role="supported")
    PartnershipMemberFactory(partnership=pair, organisation=world.leader, role="leader")
    roadmap = RoadmapFactory(organisation=world.school, partnership=pair)
    RoadmapItemFactory(roadmap=roadmap, status="done", due_date=today - timedelta(days=5))
    RoadmapItemFactory(roadmap=roadmap, status="planned", due_date=today - timedelta(days=2))
    RoadmapItemFactory(roadmap=roadmap, status="cancelled")
    profile_with_levels(world.school, timezone.now(), {3: "high", 1: "high", 2: "low"})
    return {"lonely": lonely, "roadmap": roadmap}


def test_methodologist_sees_every_supported_school_of_her_municipality(
    client_for, users, world, table
):
    response = client_for(users.methodologist).get(URL)
    assert response.status_code == 200
    html = response.content.decode()
    rows = response.context["rows"]
    assert [r.school.short_name for r in rows] == ["МОБУ «ООШ № 1»", "МОБУ «СОШ № 5»"]
    five = rows[1]
    assert five.category_label.endswith("(ШНОР)")  # the newest year, not 2025's «зона риска»
    assert five.reason == "доля «2» по математике 34 %"
    assert five.high_factors == [1, 3]
    assert five.partnerships[0]["partners"] == ["МОБУ «СОШ № 9»"]
    assert five.percent == 50 and five.school.n_overdue == 1
    lonely = rows[0]
    assert lonely.roadmap is None and lonely.partnerships == []
    assert "нет дорожной карты" in html and "нет партнёрства" in html
    assert "МОБУ «СОШ № 7»" not in html  # another municipality
    assert "МОБУ «СОШ № 9»" in html  # as a partner only: a leader school is no row


def test_coordinator_drills_down_region_to_municipality(client_for, users, world, table):
    client = client_for(users.coordinator)
    response = client.get(URL)
    summary = {m["municipality__name"]: m for m in response.context["summary"]}
    assert summary["Первый округ"]["schools"] == 2 and summary["Первый округ"]["no_roadmap"] == 1
    assert summary["Второй округ"]["schools"] == 1
    response = client.get(URL, {"municipality": world.other_mun.pk})
    assert response.context["summary"] is None
    assert [r.school.short_name for r in response.context["rows"]] == ["МОБУ «СОШ № 7»"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"partner": "no"}, ["МОБУ «ООШ № 1»"]),
        ({"partner": "yes"}, ["МОБУ «СОШ № 5»"]),
        ({"roadmap": "none"}, ["МОБУ «ООШ № 1»"]),
        ({"roadmap": "approved"}, ["МОБУ «СОШ № 5»"]),
        ({"overdue": "true"}, ["МОБУ «СОШ № 5»"]),
        ({"category": "risk"}, ["МОБУ «ООШ № 1»"]),
        ({"q": "оош"}, ["МОБУ «ООШ № 1»"]),
        ({"sort": "-overdue"}, ["МОБУ «СОШ № 5»", "МОБУ «ООШ № 1»"]),
        ({"sort": "-done"}, ["МОБУ «СОШ № 5»", "МОБУ «ООШ № 1»"]),
        ({"stale": "true"}, ["МОБУ «ООШ № 1»"]),
    ],
)
def test_filters_and_sorting(client_for, users, table, params, expected):
    response = client_for(users.methodologist).get(URL, params)
    assert [r.school.short_name for r in response.context["rows"]] == expected


def test_watch_list_is_personal(client_for, users, world, table):
    client = client_for(users.methodologist)
    response = client.post(
        reverse("reports:monitoring_watch", args=[world.school.pk]), {"next": URL}
    )
    assert response.status_code == 302
    assert WatchedSchool.objects.filter(
        user=users.methodologist, organisation=world.school
    ).exists()
    rows = client.get(URL, {"watched": "true"}).context["rows"]
    assert [r.school.pk for r in rows] == [world.school.pk] and rows[0].watched
    client.post(reverse("reports:monitoring_watch", args=[world.school.pk]), {"next": URL})
    assert not WatchedSchool.objects.exists()


def test_outsider_cannot_watch_or_see_another_municipality(client_for, users, world, table):
    client = client_for(users.outsider)
    response = client.post(reverse("reports:monitoring_watch", args=[world.school.pk]))
    assert response.status_code == 404
    assert client.get(URL, {"municipality": world.mun.pk}).status_code == 404
    rows = client.get(URL).context["rows"]
    assert [r.school.short_name for r in rows] == ["МОБУ «СОШ № 7»"]


@pytest.mark.parametrize("who", ["director", "curator", "teacher", "partner", "nobody"])
def test_other_roles_are_forbidden(client_for, users, table, who):
    assert client_for(getattr(users, who)).get(URL).status_code == 403
    export = reverse("reports:monitoring_export", args=["csv"])
    assert client_for(getattr(users, who)).get(export).status_code == 403


def test_export_holds_the_filtered_rows(client_for, users, table):
    client = client_for(users.methodologist)
    response = client.get(reverse("reports:monitoring_export", args=["csv"]), {"partner": "no"})
    assert response.status_code == 200
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert len(lines) == 2 and lines[1][0] == "МОБУ «ООШ № 1»"
    assert "нет дорожной карты" in lines[1]
    response = client.get(reverse("reports:monitoring_export", args=["xlsx"]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["МОБУ «ООШ № 1»", "МОБУ «СОШ № 5»"]
    assert client.get(reverse("reports:monitoring_export", args=["pdf"])).status_code == 404


def _grow(world, n: int):
    today = timezone.localdate()
    for i in range(n):
        school = OrganisationFactory(municipality=world.mun)
        CategoryAssignmentFactory(organisation=school, category="shnor", reasons=[{"text": "x"}])
        pair = PartnershipFactory(municipality=world.mun)
        PartnershipMemberFactory(partnership=pair, organisation=school)
        PartnershipMemberFactory(partnership=pair, organisation=world.leader, role="leader")
        if i % 2:
            roadmap = RoadmapFactory(organisation=school)
            RoadmapItemFactory(roadmap=roadmap, due_date=today - timedelta(days=1))
        profile_with_levels(school, timezone.now(), {1: "high"})


def test_query_count_does_not_grow_with_the_schools(
    client_for, users, world, table, django_assert_num_queries
):
    client = client_for(users.coordinator)
    client.get(URL)  # warm caches (session, content types)
    _grow(world, 3)
    with django_assert_num_queries(16) as small:
        client.get(URL)
    _grow(world, 40)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(URL)
    assert response.context["page"].paginator.count == 46
    assert len(response.content) < 500_000


def test_schools_are_sorted_by_their_numbers_not_letter_by_letter(client_for, users, world, table):
    """«СОШ № 5» before «СОШ № 47», as on the school list (not «4» < «5» character by character)."""
    OrganisationFactory(municipality=world.mun, short_name="МОБУ «СОШ № 47»")
    CategoryAssignmentFactory(organisation=Organisation.objects.get(short_name="МОБУ «СОШ № 47»"))
    names = [r.school.short_name for r in client_for(users.methodologist).get(URL).context["rows"]]
    assert names == ["МОБУ «ООШ № 1»", "МОБУ «СОШ № 5»", "МОБУ «СОШ № 47»"]
    response = client_for(users.methodologist).get(URL, {"sort": "-name"})
    assert [r.school.short_name for r in response.context["rows"]] == names[::-1]
    page = client_for(users.methodologist).get(reverse("reports:list"))
    school_form = next(f["form"] for f in page.context["order_forms"] if f["subject"] == "school")
    options = [label for _pk, label in school_form.fields["target"].choices]
    assert options.index("МОБУ «СОШ № 5»") < options.index("МОБУ «СОШ № 47»")


def test_municipality_report_lists_schools_by_their_numbers(world):
    """The progress report's school table, in the order of the school list."""
    from reports.selectors import Period, report_data_load

    ids = [
        OrganisationFactory(municipality=world.mun, short_name=name).pk
        for name in ("МОБУ «СОШ № 47»", "МОБУ «СОШ № 5»")
    ]
    today = timezone.localdate()
    data = report_data_load(organisation_ids=ids, period=Period(today, today))
    assert [s["short_name"] for s in data.schools] == ["МОБУ «СОШ № 5»", "МОБУ «СОШ № 47»"]
