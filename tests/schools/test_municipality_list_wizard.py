"""The municipalities list in the import wizard (issue 14): the coordinator loads a region's
list (name, ОКТМО, optional centroid) in the browser with the same dry run as
``import_municipalities``; nothing changes until confirmed; a methodologist cannot."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from network_portal.audit.models import AuditEvent
from schools.models import Municipality, Region

GOOD = (
    "Муниципалитет;ОКТМО;Широта;Долгота\n"
    "Первый округ;11701000;64,5;40,6\n"
    "Северный район;11702000;;\n"
)
BAD = (
    "Муниципалитет;ОКТМО;Широта;Долгота\n"
    "Новый район;11703000;61;40\n"
    "Первый  округ;123;95;\n"
    ";11704000;;\n"
)


def _check(client, region, text, name="list.csv"):
    upload = SimpleUploadedFile(name, text.encode("cp1251"), content_type="text/csv")
    return client.post(reverse("schools:municipality_list"), {"region": region.pk, "file": upload})


def test_coordinator_checks_then_confirms_the_list(users, world, client_for):
    client = client_for(users.coordinator)
    assert "Список муниципалитетов" in client.get(reverse("schools:imports")).content.decode()
    before = set(Municipality.objects.values_list("pk", "name", "oktmo", "latitude"))
    page = _check(client, world.region, GOOD)
    assert page.status_code == 200
    text = page.content.decode()
    assert "новых: 1, обновлено: 1, без изменений: 0" in text
    assert "Северный район" in text and "Сохранить муниципалитеты" in text
    # the dry run wrote nothing
    assert set(Municipality.objects.values_list("pk", "name", "oktmo", "latitude")) == before
    response = client.post(reverse("schools:municipality_list_confirm"))
    assert response.status_code == 302 and response.url == reverse("schools:imports")
    first = Municipality.objects.get(pk=world.mun.pk)
    assert first.oktmo == "11701000" and float(first.latitude) == 64.5
    assert Municipality.objects.get(region=world.region, name="Северный район").oktmo == "11702000"
    assert AuditEvent.objects.filter(action="schools.municipality_list").count() == 1
    # confirmed once: a second click finds nothing kept and changes nothing
    client.post(reverse("schools:municipality_list_confirm"))
    assert Municipality.objects.filter(region=world.region).count() == 3


def test_row_errors_with_line_and_column_in_russian_and_nothing_saved(users, world, client_for):
    client = client_for(users.coordinator)
    count = Municipality.objects.count()
    text = _check(client, world.region, BAD).content.decode()
    assert "Сохранить муниципалитеты" not in text
    assert "ничего не изменено" in text
    # line 3: ОКТМО and latitude wrong; line 4: no name
    assert "<td>3</td><td>ОКТМО</td><td>ОКТМО 123" in text
    assert "<td>3</td><td>Широта</td>" in text
    assert "<td>4</td><td>Муниципалитет</td><td>Не указано название муниципалитета." in text
    # even posted directly, the refused list saves nothing (not even its valid row)
    response = client.post(reverse("schools:municipality_list_confirm"))
    assert response.status_code == 302
    assert Municipality.objects.count() == count
    assert not Municipality.objects.filter(name="Новый район").exists()


def test_a_close_name_is_refused_not_created(users, world, client_for):
    Municipality.objects.create(region=world.region, name="г. Заречный")
    client = client_for(users.coordinator)
    text = _check(
        client, world.region, "Муниципалитет;ОКТМО\nгород Заречный;11709000\n"
    ).content.decode()
    assert "похоже на «г. Заречный»" in text and "Сохранить муниципалитеты" not in text
    assert not Municipality.objects.filter(name="город Заречный").exists()


def test_methodologist_cannot_load_a_list(users, world, client_for):
    client = client_for(users.methodologist)
    assert "Список муниципалитетов" not in client.get(reverse("schools:imports")).content.decode()
    assert client.get(reverse("schools:municipality_list")).status_code == 403
    assert _check(client, world.region, GOOD).status_code == 403
    assert client.post(reverse("schools:municipality_list_confirm")).status_code == 403
    assert not Municipality.objects.filter(name="Северный район").exists()


def test_coordinator_cannot_load_another_region(users, world, client_for):
    other = Region.objects.create(name="Южная область", code="77")
    client = client_for(users.coordinator)
    response = _check(client, other, GOOD)
    assert (
        response.status_code == 200 and "Сохранить муниципалитеты" not in response.content.decode()
    )
    assert not Municipality.objects.filter(region=other).exists()


def test_anonymous_is_sent_to_login(client, world):
    response = client.get(reverse("schools:municipality_list"))
    assert response.status_code == 302 and "login" in response.url
