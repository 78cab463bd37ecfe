"""Practice pages: who sees and changes what, the lifecycle with review, describing a practice
from a completed partnership, materials, adopting a measure, the public page."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from knowledge.models import Practice, PracticeAdoption, PracticeMaterial, PracticeStatus
from tests.partnerships.factories import pair
from tests.roadmaps.factories import RoadmapFactory

from .factories import practice, profile

pytestmark = pytest.mark.django_db

FORM = {
    "title": "Инклюзия без барьеров",
    "problem": "Дети с ОВЗ не получают поддержки на уроках",
    "actions": "Методические дни, консультации дефектолога",
    "results": "Все учителя прошли стажировку",
    "measure": "Провести методический день по адаптированным программам",
    "duration_months": "9",
}


def test_outsider_gets_404_for_a_draft_and_sees_a_published_one(users, world, client_for):
    draft = practice(world.mun, status=PracticeStatus.DRAFT)
    published = practice(world.mun)
    client = client_for(users.outsider)
    assert client.get(reverse("knowledge:practice_detail", args=[draft.pk])).status_code == 404
    assert client.get(reverse("knowledge:practice_detail", args=[published.pk])).status_code == 200
    client = client_for(users.outsider_director)
    assert client.get(reverse("knowledge:practice_edit", args=[draft.pk])).status_code == 404
    nobody = client_for(users.nobody)
    assert nobody.get(reverse("knowledge:practice_detail", args=[published.pk])).status_code == 404


def test_outsider_cannot_review_or_archive(users, world, client_for):
    review = practice(world.mun, status=PracticeStatus.REVIEW)
    published = practice(world.mun)
    client = client_for(users.outsider)
    url = reverse("knowledge:practice_transition", args=[review.pk])
    assert client.post(url, {"action": "publish"}).status_code == 404
    url = reverse("knowledge:practice_transition", args=[published.pk])
    assert client.post(url, {"action": "archive", "comment": "x"}).status_code == 403
    published.refresh_from_db()
    assert published.status == PracticeStatus.PUBLISHED


def test_director_proposes_methodologist_returns_then_publishes(users, world, client_for):
    client = client_for(users.director)
    data = FORM | {"municipality": world.mun.pk, "risk_factors": ["6"] and _factor_ids([6])}
    response = client.post(reverse("knowledge:practice_create"), data)
    p = Practice.objects.get()
    assert response.status_code == 302 and p.status == PracticeStatus.DRAFT
    assert p.created_by == users.director
    url = reverse("knowledge:practice_transition", args=[p.pk])
    client.post(url, {"action": "submit"})
    p.refresh_from_db()
    assert p.status == PracticeStatus.REVIEW
    # the director cannot publish their own practice
    assert client.post(url, {"action": "publish"}).status_code == 403
    m = client_for(users.methodologist)
    page = m.post(url, {"action": "return"}, follow=True)
    assert (
        "Напишите комментарий" in page.content.decode()
        or "Write a comment" in page.content.decode()
    )
    p.refresh_from_db()
    assert p.status == PracticeStatus.REVIEW
    m.post(url, {"action": "return", "comment": "Добавьте цифры"})
    p.refresh_from_db()
    assert p.status == PracticeStatus.DRAFT
    client_for(users.director).post(url, {"action": "submit"})
    m = client_for(users.methodologist)
    m.post(url, {"action": "publish"})
    p.refresh_from_db()
    assert p.status == PracticeStatus.PUBLISHED and p.reviewed_by == users.methodologist
    assert [c.action for c in p.comments.all()] == ["submit", "return", "submit", "publish"]
    assert p.history.count() >= 4


def _factor_ids(codes):
    from diagnostics.models import RiskFactor

    return [
        str(pk) for pk in RiskFactor.objects.filter(code__in=codes).values_list("pk", flat=True)
    ]


def test_practice_without_problem_or_result_is_refused(users, world, client_for):
    client = client_for(users.methodologist)
    data = FORM | {"municipality": world.mun.pk, "problem": "  ", "results": ""}
    page = client.post(reverse("knowledge:practice_create"), data)
    assert page.status_code == 200
    assert not Practice.objects.exists()


def test_completed_partnership_offers_a_prefilled_practice(users, world, client_for):
    partnership = pair(supported=world.school, provider=world.leader, status="completed")
    from diagnostics.models import RiskFactor

    partnership.risk_factors.set(RiskFactor.objects.filter(code=6))
    profile(world.school, {6: "high"})
    client = client_for(users.methodologist)
    page = client.get(reverse("partnerships:detail", args=[partnership.pk])).content.decode()
    url = reverse("knowledge:practice_from_partnership", args=[partnership.pk])
    assert url in page
    form = client.get(url).context["form"]
    assert form.initial["title"] == partnership.title
    assert form.initial["risk_factors"] == [RiskFactor.objects.get(code=6).pk]
    assert set(form.initial["author_organisations"]) == {world.school.pk, world.leader.pk}
    data = FORM | {
        "municipality": world.mun.pk,
        "risk_factors": _factor_ids([6]),
        "author_organisations": [world.school.pk, world.leader.pk],
    }
    client.post(url, data)
    p = Practice.objects.get()
    assert p.partnership == partnership and p.status == PracticeStatus.DRAFT
    assert p.results_snapshot["schools"][0]["id"] == world.school.pk
    # another municipality's methodologist does not reach the partnership
    assert client_for(users.outsider).get(url).status_code == 404


def test_an_active_partnership_offers_nothing(users, world, client_for):
    partnership = pair(supported=world.school, provider=world.leader, status="active")
    client = client_for(users.methodologist)
    url = reverse("knowledge:practice_from_partnership", args=[partnership.pk])
    assert client.get(url).status_code == 403


def test_html_in_texts_is_shown_as_text(users, world, client_for):
    p = practice(world.mun, title="<script>alert(1)</script>", problem="<b>жирный</b>")
    page = client_for(users.director).get(reverse("knowledge:practice_detail", args=[p.pk]))
    html = page.content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "<b>жирный</b>" not in html


def test_materials_are_checked_and_links_must_be_http(users, world, client_for, settings):
    p = practice(world.mun, status=PracticeStatus.DRAFT, authors=[world.school])
    client = client_for(users.director)
    url = reverse("knowledge:material_add", args=[p.pk])
    empty = SimpleUploadedFile("план.pdf", b"", content_type="application/pdf")
    page = client.post(url, {"title": "План", "file": empty}, follow=True).content.decode()
    assert "пуст" in page or "empty" in page
    fake = SimpleUploadedFile("план.pdf", b"MZ\x90\x00program", content_type="application/pdf")
    client.post(url, {"title": "План", "file": fake})
    settings.UPLOAD_MAX_SIZE = 10
    big = SimpleUploadedFile("план.pdf", b"%PDF-1.4" + b"0" * 100)
    client.post(url, {"title": "План", "file": big})
    client.post(url, {"title": "Сайт", "url": "javascript:alert(1)"})
    assert not PracticeMaterial.objects.exists()
    settings.UPLOAD_MAX_SIZE = 10_000_000
    good = SimpleUploadedFile("план.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    client.post(url, {"title": "План", "file": good})
    client.post(url, {"title": "Сайт", "url": "https://school5.example/ovz"})
    assert PracticeMaterial.objects.count() == 2
    material = PracticeMaterial.objects.exclude(file="").get()
    download = reverse("knowledge:material_download", args=[p.pk, material.pk])
    assert client.get(download).status_code == 200
    assert client_for(users.outsider).get(download).status_code == 404


def test_director_adds_a_practice_measure_to_the_roadmap(users, world, client_for):
    p = practice(world.other_mun, factors=[6], authors=[world.other_school])
    roadmap = RoadmapFactory(organisation=world.school)
    client = client_for(users.director)
    response = client.post(
        reverse("knowledge:practice_adopt", args=[p.pk]), {"roadmap": roadmap.pk}
    )
    assert response.status_code == 302
    adoption = PracticeAdoption.objects.get()
    assert adoption.item.roadmap == roadmap and adoption.practice == p
    assert adoption.item.measure == p.measure
    page = client.get(reverse("roadmaps:detail", args=[roadmap.pk])).content.decode()
    assert reverse("knowledge:practice_detail", args=[p.pk]) in page
    # a roadmap of another school cannot be chosen
    other = RoadmapFactory(organisation=world.other_school)
    response = client.post(reverse("knowledge:practice_adopt", args=[p.pk]), {"roadmap": other.pk})
    assert PracticeAdoption.objects.count() == 1


def test_school_card_shows_practices_for_its_high_risk_factors(users, world, client_for):
    profile(world.school, {6: "high", 3: "low"})
    match = practice(world.other_mun, title="Практика по ОВЗ", factors=[6])
    practice(world.other_mun, title="Практика про другое", factors=[3])
    page = client_for(users.director).get(reverse("schools:detail", args=[world.school.pk]))
    html = page.content.decode()
    assert "Практика по ОВЗ" in html and "Практика про другое" not in html
    assert reverse("knowledge:practice_detail", args=[match.pk]) in html


def test_school_card_shows_the_first_three_practices_proved_effect_then_newest(
    users, world, client_for
):
    """The card's practices are read with the organisation, as one JSON array in order
    (``knowledge.sections.card_facts``): proved effect first, then the newest; not its own."""
    import datetime as dt

    from django.utils import timezone

    profile(world.school, {6: "high", 9: "high"})
    now = timezone.now()
    for days, title, proved in (
        (5, "Старая без эффекта", False),
        (4, "Старая с эффектом", True),
        (1, "Новая без эффекта", False),
        (3, "Средняя без эффекта", False),
    ):
        made = practice(world.other_mun, title=title, factors=[6], proved_effect=proved)
        Practice.objects.filter(pk=made.pk).update(published_at=now - dt.timedelta(days=days))
    practice(world.other_mun, title="Своя практика", factors=[9], authors=[world.school])
    html = client_for(users.director).get(reverse("schools:detail", args=[world.school.pk]))
    html = html.content.decode()
    shown = [html.index(t) for t in ("Старая с эффектом", "Новая без эффекта", "Средняя без")]
    assert shown == sorted(shown)
    assert "Старая без эффекта" not in html and "Своя практика" not in html
    assert html.count("эффект доказан") == 1


def test_public_page_shows_flagged_practices_without_people(client, world):
    shown = practice(
        world.mun, title="Открытая практика", is_public=True, author_names="Петрова А. А."
    )
    hidden = practice(world.mun, title="Закрытая практика")
    draft = practice(world.mun, title="Черновик", status=PracticeStatus.DRAFT, is_public=True)
    page = client.get(reverse("knowledge:public_list")).content.decode()
    assert (
        "Открытая практика" in page and "Закрытая практика" not in page and "Черновик" not in page
    )
    detail = client.get(reverse("knowledge:public_detail", args=[shown.pk]))
    assert detail.status_code == 200 and "Петрова" not in detail.content.decode()
    assert client.get(reverse("knowledge:public_detail", args=[hidden.pk])).status_code == 404
    assert client.get(reverse("knowledge:public_detail", args=[draft.pk])).status_code == 404


@pytest.mark.parametrize("rows", [2, 12])
def test_practice_list_queries_do_not_grow(
    users, world, client_for, django_assert_num_queries, rows
):
    for i in range(rows):
        practice(world.mun, title=f"Практика {i}", factors=[6, 9])
    client = client_for(users.methodologist)
    client.get(reverse("knowledge:practice_list"))  # warm up the session
    with django_assert_num_queries(11):
        page = client.get(reverse("knowledge:practice_list") + "?q=практика")
    assert page.status_code == 200


def test_xlsx_export_of_the_bank(users, world, client_for):
    practice(world.mun, title='=HYPERLINK("x")')
    response = client_for(users.methodologist).get(reverse("knowledge:practice_export"))
    assert response.status_code == 200
    from io import BytesIO

    from openpyxl import load_workbook

    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet["A2"].value == '=HYPERLINK("x")' and sheet["A2"].data_type == "s"


@pytest.mark.parametrize("rows", [2, 12])
def test_xlsx_export_queries_do_not_grow(users, world, client_for, django_assert_num_queries, rows):
    for i in range(rows):
        practice(world.mun, title=f"Практика {i}", factors=[6])
    client = client_for(users.methodologist)
    client.get(reverse("knowledge:practice_export"))
    with django_assert_num_queries(6):
        assert client.get(reverse("knowledge:practice_export")).status_code == 200


def test_partner_sees_the_draft_it_co_authored_and_not_others(users, world, client_for):
    mine = practice(world.mun, status=PracticeStatus.DRAFT, authors=[world.partner_org])
    other = practice(world.mun, status=PracticeStatus.DRAFT, authors=[world.school])
    client = client_for(users.partner)
    assert client.get(reverse("knowledge:practice_detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("knowledge:practice_detail", args=[other.pk])).status_code == 404


def test_coordinator_publishes_across_the_region(users, world, client_for):
    p = practice(world.other_mun, status=PracticeStatus.REVIEW, factors=[6])
    url = reverse("knowledge:practice_transition", args=[p.pk])
    assert client_for(users.methodologist).post(url, {"action": "publish"}).status_code == 404
    client_for(users.coordinator).post(url, {"action": "publish"})
    p.refresh_from_db()
    assert p.status == PracticeStatus.PUBLISHED


def test_the_practice_filters_show_no_django_dashes(users, world, client_for):
    """Every filter of the practice bank offers «—» for «any», none Django's «---------»."""
    page = client_for(users.methodologist).get(reverse("knowledge:practice_list"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="id_factor"' in html and 'id="id_municipality"' in html
    assert "---------" not in html
