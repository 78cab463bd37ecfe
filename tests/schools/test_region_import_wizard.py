"""The import wizard with a region's files (issue 14): a coordinator imports a region file
and each row lands in its municipality; a methodologist's import of one municipality reports
the rows of others as conflicts and never attributes them to a same-named school."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from schools.models import (
    AssessmentResult,
    ImportRun,
    Municipality,
    Organisation,
    SavedMapping,
)

RESULTS = (
    "Наименование МО;Наименование ОО;Класс;Предмет;Количество участников;"
    "Число «2»;Доля «2», %;Число «3»;Число «4»;Число «5»\n"
    "Первый округ;МБОУ СОШ № 1;4;Математика;20;1;5;9;6;4\n"
    "Второй округ;МБОУ СОШ № 1;4;Математика;10;7;70;3;0;0\n"
)


def _same_named(world):
    return (
        Organisation.objects.create(
            municipality=world.mun, full_name="МБОУ СОШ № 1", short_name="МБОУ СОШ № 1"
        ),
        Organisation.objects.create(
            municipality=world.other_mun, full_name="МБОУ СОШ № 1", short_name="МБОУ СОШ № 1"
        ),
    )


def _upload(client, data: dict, text: str, name="f.csv"):
    upload = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    response = client.post(reverse("schools:import_new"), {**data, "file": upload})
    assert response.status_code == 302, response.context["form"].errors
    run = ImportRun.objects.latest("pk")
    client.post(reverse("schools:import_mapping", args=[run.pk]), run.mapping)
    run.refresh_from_db()
    return run


def _apply(client, run, captured, **data):
    with captured(execute=True):
        client.post(reverse("schools:import_preview", args=[run.pk]), data)
    run.refresh_from_db()
    return run


def test_methodologist_region_file_never_feeds_a_same_named_school(
    users, world, client_for, django_capture_on_commit_callbacks
):
    ours, theirs = _same_named(world)
    client = client_for(users.methodologist)
    run = _upload(
        client,
        {"kind": "results", "municipality": world.mun.pk, "assessment": "vpr", "year": 2024},
        RESULTS,
    )
    assert run.counts["new"] == 1 and run.counts["conflicts"] == 1
    conflict = next(i for i in run.issues if i["severity"] == "conflict")
    assert conflict["line"] == 3 and conflict["column"] == "Наименование МО"
    page = client.get(reverse("schools:import_preview", args=[run.pk])).content.decode()
    assert "Второй округ" in page and "никогда не приписываются выбранному" in page
    run = _apply(client, run, django_capture_on_commit_callbacks)
    assert run.status == "rejected" and not AssessmentResult.objects.exists()
    run = _apply(client, run, django_capture_on_commit_callbacks, skip_invalid="on")
    assert run.status == "done"
    assert list(AssessmentResult.objects.values_list("organisation", "count_2")) == [(ours.pk, 1)]
    assert not AssessmentResult.objects.filter(organisation=theirs).exists()


def test_methodologist_cannot_choose_the_region(users, world, client_for):
    client = client_for(users.methodologist)
    upload = SimpleUploadedFile("f.csv", RESULTS.encode(), content_type="text/csv")
    response = client.post(
        reverse("schools:import_new"),
        {
            "kind": "results",
            "region": world.region.pk,
            "assessment": "vpr",
            "year": 2024,
            "file": upload,
        },
    )
    assert response.status_code == 200 and "municipality" in response.context["form"].errors
    assert "region" not in response.context["form"].fields


def test_coordinator_region_file_lands_in_each_municipality(
    users, world, client_for, django_capture_on_commit_callbacks
):
    ours, theirs = _same_named(world)
    client = client_for(users.coordinator)
    run = _upload(
        client,
        {"kind": "results", "region": world.region.pk, "assessment": "vpr", "year": 2024},
        RESULTS,
    )
    assert run.municipality is None and run.region == world.region
    assert run.counts["new"] == 2 and run.counts["invalid"] == 0
    run = _apply(client, run, django_capture_on_commit_callbacks)
    assert run.status == "done"
    assert AssessmentResult.objects.get(organisation=theirs).count_2 == 7
    assert AssessmentResult.objects.get(organisation=ours).count_2 == 1
    # Another coordinator's or a methodologist's log does not show the region-wide import
    # to an outsider.
    assert (
        client_for(users.outsider).get(reverse("schools:import_preview", args=[run.pk])).status_code
        == 404
    )


def test_coordinator_confirms_new_municipalities_in_the_wizard(
    users, world, client_for, django_capture_on_commit_callbacks
):
    client = client_for(users.coordinator)
    text = (
        "Логин ФИС ОКО;Муниципалитет;Наименование ОО\n"
        "sch290001;ЗАТО Северный;МБОУ СОШ № 1\n"
        "sch290002;Первый  округ;МБОУ СОШ № 2\n"
        "sch290003;Первый окрyг;МБОУ СОШ № 3\n"
    )
    run = _upload(client, {"kind": "schools", "region": world.region.pk}, text)
    assert run.new_municipalities[0]["name"] == "ЗАТО Северный"
    page = client.get(reverse("schools:import_preview", args=[run.pk])).content.decode()
    assert "«ЗАТО Северный» — 1 строка" in page
    assert "похоже на «Первый округ»: не создаётся" in page
    assert 'name="create_municipalities"' in page
    client.post(reverse("schools:import_preview", args=[run.pk]), {"create_municipalities": "on"})
    run.refresh_from_db()
    assert run.create_municipalities and run.counts["new"] == 2
    assert not Municipality.objects.filter(name="ЗАТО Северный").exists()  # not yet
    run = _apply(client, run, django_capture_on_commit_callbacks, skip_invalid="on")
    assert Organisation.objects.get(login="sch290001").municipality.name == "ЗАТО Северный"
    assert Organisation.objects.get(login="sch290002").municipality == world.mun


def test_preview_shows_each_change_old_to_new_and_unused_columns(users, world, client_for):
    world.school.login = "sch290005"
    world.school.phone = "111"
    world.school.save()
    client = client_for(users.methodologist)
    text = "Логин;Телефон;Примечание\nsch290005;222;17\n"
    run = _upload(client, {"kind": "schools", "municipality": world.mun.pk}, text)
    page = client.get(reverse("schools:import_preview", args=[run.pk])).content.decode()
    assert "Что изменится" in page
    assert '<del class="text-body-secondary">111</del> → <ins>222</ins>' in page
    assert "«Примечание»" in page and "числа" in page
    assert "<strong>Не используются столбцы:</strong> «Примечание»" in page


def test_mapping_saved_by_name_is_offered_again(users, world, client_for):
    client = client_for(users.methodologist)
    run = _upload(
        client,
        {"kind": "schools", "municipality": world.mun.pk},
        "Школа;Код ОО\nМБОУ СОШ № 3;sch290007\n",
    )
    mapping = {**run.mapping, "login": "Код ОО", "save_as": "Районный реестр"}
    client.post(reverse("schools:import_mapping", args=[run.pk]), mapping)
    saved = SavedMapping.objects.get(name="Районный реестр")
    assert saved.mapping["login"] == "Код ОО"
    second = _upload(
        client,
        {"kind": "schools", "municipality": world.mun.pk},
        "Школа;Код ОО\nМБОУ СОШ № 4;sch290008\n",
    )
    page = client.get(reverse("schools:import_mapping", args=[second.pk]) + "?use=Районный реестр")
    assert page.context["form"]["login"].value() == "Код ОО"


def test_login_is_on_the_card_and_finds_the_school_in_the_list(users, world, client_for):
    world.school.login = "sch290005"
    world.school.save()
    client = client_for(users.methodologist)
    card = client.get(reverse("schools:detail", args=[world.school.pk])).content.decode()
    assert "Логин ФИС ОКО" in card and "sch290005" in card
    found = client.get(reverse("schools:list"), {"q": "SCH2900"}).context["page"].object_list
    assert [o.pk for o in found] == [world.school.pk]
    world.other_school.login = "sch290006"
    world.other_school.save()
    # Another municipality's school is not found by a methodologist, even by its login.
    assert not client.get(reverse("schools:list"), {"q": "sch290006"}).context["page"].object_list
    assert (
        client_for(users.outsider)
        .get(reverse("schools:detail", args=[world.school.pk]))
        .status_code
        == 404
    )
