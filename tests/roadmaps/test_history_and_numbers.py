"""The history keeps removals and evidence; numbers read the Russian way; a refused stale save
can be saved again; what the diagnostics adapter may (not) swallow; who starts a roadmap."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from roadmaps import selectors
from roadmaps.models import Evidence, Roadmap, RoadmapItem
from roadmaps.rules import number_text

from .test_views_items import _item_form, quick

pytestmark = pytest.mark.django_db


# --- 12. Removals and evidence in the history ------------------------------------------------


def test_history_shows_a_removed_item_and_who_removed_it(rm, users, client_for):
    client_for(users.director).post(reverse("roadmaps:item_delete", args=[rm.own.pk]))
    entries = selectors.item_history(roadmap=rm.roadmap)
    removed = [e for e in entries if e.kind == "removed"]
    assert [(e.task, e.user) for e in removed] == [("Своя задача школы", users.director)]
    page = client_for(users.curator).get(reverse("roadmaps:history", args=[rm.roadmap.pk]))
    body = " ".join(page.content.decode().split())
    assert "Своя задача школы</td> <td>Удалён</td>" in body


def test_history_shows_evidence_added_and_removed(rm, users, client_for):
    client = client_for(users.director)
    client.post(
        reverse("roadmaps:evidence_add", args=[rm.own.pk]),
        {
            "url": "https://school.example.ru/report",
            "file": SimpleUploadedFile("отчёт.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    Evidence.objects.get(kind="link").delete()  # e.g. removed in the admin
    page = client_for(users.curator).get(reverse("roadmaps:history", args=[rm.roadmap.pk]))
    body = page.content.decode()
    assert "Подтверждение добавлено: файл «отчёт.pdf» (15\xa0байт)" in body
    assert "Подтверждение добавлено: ссылка https://school.example.ru/report" in body
    assert "Подтверждение удалено: ссылка https://school.example.ru/report" in body
    kinds = [e.kind for e in selectors.item_history(roadmap=rm.roadmap) if e.task == rm.own.task]
    assert kinds.count("evidence_added") == 2 and kinds.count("evidence_removed") == 1
    entries = selectors.item_history(roadmap=rm.roadmap)
    assert {e.user for e in entries if e.kind == "evidence_added"} == {users.director}


def test_history_reads_in_constant_queries(rm, users, django_assert_max_num_queries):
    from roadmaps import services

    def changes(n):
        for i in range(n):
            item = RoadmapItem.objects.get(pk=rm.own.pk)
            services.item_save(
                item=item, data={"task": f"Задача {i}"}, version=item.version, user=users.director
            )
            services.evidence_add(item=item, user=users.director, text=f"Комментарий {i}")

    changes(2)
    with django_assert_max_num_queries(8):
        few = selectors.item_history(roadmap=rm.roadmap)
    changes(10)
    with django_assert_max_num_queries(8):
        many = selectors.item_history(roadmap=rm.roadmap)
    assert len(many) - len(few) == 20


# --- 13. Numbers as a Russian writes them ---------------------------------------------------


def test_number_text_drops_trailing_zeros_with_a_decimal_comma():
    assert [number_text(v) for v in (Decimal("12.50"), Decimal("0.00"), Decimal("10.00"))] == [
        "12,5",
        "0",
        "10",
    ]
    assert number_text(None) == ""


def test_not_a_number_message_and_the_forms_show_12_5(rm, users, client_for):
    RoadmapItem.objects.filter(pk=rm.own.pk).update(target_value=Decimal("12.50"))
    rm.own.refresh_from_db()
    client = client_for(users.director)
    body = quick(client, rm.own, actual="много").content.decode()
    assert "Целевое значение «12,5» — число" in body
    assert "12.50" not in body and "12,50" not in body
    form = client.get(reverse("roadmaps:item_edit", args=[rm.own.pk])).content.decode()
    assert 'name="target_value" value="12,5"' in form
    page = client.get(reverse("roadmaps:detail", args=[rm.roadmap.pk])).content.decode()
    assert ": 12,5" in page and "12,50" not in page
    printed = client.get(reverse("roadmaps:print", args=[rm.roadmap.pk])).content.decode()
    assert ": 12,5" in printed and "12,50" not in printed


def test_conflict_message_shows_the_actual_value_the_russian_way(rm, users, client_for):
    client = client_for(users.director)
    seen = rm.own.version
    quick(client, rm.own, actual="12,50")
    rm.own.version = seen
    body = quick(client, rm.own, actual="3").content.decode()
    assert "фактическое значение «12,5»" in body


# --- A refused stale save can be saved again (nothing typed is lost) ------------------------


def test_quick_update_refused_as_stale_goes_through_when_sent_again(rm, users, client_for):
    client = client_for(users.director)
    seen = rm.own.version
    quick(client, rm.own, status="done", actual="70")
    rm.own.version = seen
    refused = quick(client, rm.own, status="in_progress", actual="12")
    body = refused.content.decode()
    assert "Не сохранено" in body and 'value="12"' in body
    current = RoadmapItem.objects.get(pk=rm.own.pk).version
    assert f'name="version" value="{current}"' in body
    rm.own.version = current  # the person sends the form as shown again
    again = quick(client, rm.own, status="in_progress", actual="12")
    assert "Сохранено" in again.content.decode()
    rm.own.refresh_from_db()
    assert (rm.own.status, rm.own.actual_value) == ("in_progress", 12)


def test_full_form_refused_as_stale_goes_through_when_sent_again(rm, users, client_for):
    url = reverse("roadmaps:item_edit", args=[rm.own.pk])
    client = client_for(users.director)
    stale = _item_form(rm.own, task="Моя правка")
    client.post(url, _item_form(rm.own, task="Чужая правка"))
    body = client.post(url, stale).content.decode()
    current = RoadmapItem.objects.get(pk=rm.own.pk).version
    assert "Не сохранено" in body and f'value="{current}"' in body
    assert client.post(url, {**stale, "version": current}).status_code == 302
    rm.own.refresh_from_db()
    assert rm.own.task == "Моя правка"


# --- 14. The diagnostics adapter does not hide errors ----------------------------------------


def test_current_factor_levels_lets_database_errors_through(world, monkeypatch):
    def broken(**kwargs):
        raise DatabaseError("connection lost")

    monkeypatch.setattr("diagnostics.selectors.current_profile_for", broken)
    with pytest.raises(DatabaseError):
        selectors.current_factor_levels(organisation=world.school)


def test_current_factor_levels_of_a_school_without_profile_is_empty(world):
    assert selectors.current_factor_levels(organisation=world.school) == []
    assert selectors.current_factor_levels(organisation=None) == []


# --- 15. Who starts a roadmap, and for which school -----------------------------------------


def test_admin_chooses_the_school_of_a_new_roadmap(users, client_for, world):
    client = client_for(users.admin)
    url = reverse("roadmaps:create")
    page = client.get(url).content.decode()
    assert page.count('name="school"') == 1 and world.school.short_name in page
    missing = client.post(url, {"title": "Программа", "start": "2026-09-01"})
    assert missing.status_code == 200 and "Обязательное поле." in missing.content.decode()
    assert not Roadmap.objects.exists()
    done = client.post(
        url, {"title": "Программа", "start": "2026-09-01", "school": world.other_school.pk}
    )
    roadmap = Roadmap.objects.get()
    assert done.url == reverse("roadmaps:detail", args=[roadmap.pk])
    assert roadmap.organisation == world.other_school


def test_chosen_partnership_must_be_the_chosen_schools(users, client_for, world, rm):
    response = client_for(users.admin).post(
        reverse("roadmaps:create"),
        {
            "title": "Программа",
            "start": "2026-09-01",
            "school": world.other_school.pk,
            "partnership": rm.partnership.pk,
        },
    )
    assert response.status_code == 200
    assert "не поддерживаемая школа этого партнёрства" in response.content.decode()
    assert Roadmap.objects.count() == 1  # rm's own


def test_director_of_two_schools_chooses_among_them_only(users, client_for, world):
    from network_portal.accounts.models import Role
    from tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=users.director, role=Role.DIRECTOR, organisation=world.leader)
    client = client_for(users.director)
    page = client.get(reverse("roadmaps:create")).content.decode()
    assert world.leader.short_name in page and world.other_school.short_name not in page
    refused = client.post(
        reverse("roadmaps:create"),
        {"title": "Чужая", "start": "2026-09-01", "school": world.other_school.pk},
    )
    assert refused.status_code == 200 and not Roadmap.objects.exists()


def test_director_of_one_school_is_not_asked_and_others_are_refused(users, client_for, world):
    page = client_for(users.director).get(reverse("roadmaps:create")).content.decode()
    assert 'name="school"' not in page
    for who in ("methodologist", "curator", "teacher", "nobody"):
        assert client_for(getattr(users, who)).get(reverse("roadmaps:create")).status_code == 403
