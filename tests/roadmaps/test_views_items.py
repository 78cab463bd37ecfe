"""Inline updates, the full item form, evidence, conflicts and changes after approval."""

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from roadmaps.models import Evidence, RoadmapItem, RoadmapStatus

pytestmark = pytest.mark.django_db


def quick(client, item, htmx=True, **data):
    payload = {"status": item.status, "actual": "", "version": item.version, **data}
    extra = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    return client.post(reverse("roadmaps:item_quick", args=[item.pk]), payload, **extra)


def test_htmx_quick_update_returns_the_updated_item_fragment(rm, users, client_for):
    response = quick(client_for(users.director), rm.own, status="done", actual="64,5")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith("<article") and f'id="item-{rm.own.pk}"' in body
    assert "Сохранено" in body and "<html" not in body
    rm.own.refresh_from_db()
    assert rm.own.status == "done" and str(rm.own.actual_value) == "64.50"
    assert rm.own.version == 2 and rm.own.completed_at == date.today()


def test_quick_update_without_javascript_redirects_to_the_item_anchor(rm, users, client_for):
    response = quick(client_for(users.director), rm.own, htmx=False, status="in_progress")
    assert response.status_code == 302
    assert response["Location"].endswith(f"/roadmaps/{rm.roadmap.pk}/#item-{rm.own.pk}")


def test_second_save_with_a_stale_version_is_refused_with_the_other_change(rm, users, client_for):
    curator_view_version = rm.own.version
    quick(client_for(users.director), rm.own, status="done", actual="70")
    rm.own.version = curator_view_version  # the leader's page still shows version 1
    response = quick(client_for(users.director), rm.own, status="cancelled", actual="12")
    body = response.content.decode()
    assert "Не сохранено" in body and "Выполнено" in body and "70" in body
    assert 'value="12"' in body  # what the person typed is kept
    rm.own.refresh_from_db()
    assert rm.own.status == "done" and rm.own.actual_value == 70


def test_the_page_opens_an_items_quick_form_when_asked(rm, users, client_for):
    """Issue 17: the page shows a button per card, not 50 open forms; the button brings the
    card with its form (htmx), or the page with the form open on that card (no JavaScript)."""
    client = client_for(users.director)
    quick_url = reverse("roadmaps:item_quick", args=[rm.own.pk])
    page = client.get(reverse("roadmaps:detail", args=[rm.roadmap.pk])).content.decode()
    assert f'id="id_q{rm.own.pk}_status"' not in page and 'name="actual"' not in page
    assert f'hx-get="{quick_url}"' in page and "Обновить статус и факт" in page
    RoadmapItem.objects.filter(pk=rm.own.pk).update(version=3)  # changed since the page
    card = client.get(quick_url, HTTP_HX_REQUEST="true").content.decode()
    assert card.lstrip().startswith("<article") and "<html" not in card
    assert f'id="id_q{rm.own.pk}_status"' in card and "autofocus" in card
    assert 'name="version" value="3"' in card  # the form is the item as it is now
    plain = client.get(quick_url).content.decode()
    assert "<html" in plain and f'id="id_q{rm.own.pk}_status"' in plain
    assert f'id="id_q{rm.shared.pk}_status"' not in plain  # the other cards stay closed


def test_only_who_may_update_the_item_opens_its_quick_form(rm, users, client_for):
    url = reverse("roadmaps:item_quick", args=[rm.own.pk])
    assert client_for(users.curator).get(url, HTTP_HX_REQUEST="true").status_code == 403
    assert client_for(users.leader_director).get(url).status_code == 403
    assert client_for(users.outsider_director).get(url, HTTP_HX_REQUEST="true").status_code == 404
    shared = reverse("roadmaps:item_quick", args=[rm.shared.pk])
    assert client_for(users.leader_director).get(shared, HTTP_HX_REQUEST="true").status_code == 200


def test_stale_save_without_javascript_reshows_the_page_with_the_typed_value(rm, users, client_for):
    client = client_for(users.director)
    quick(client, rm.own, status="done", actual="70")
    response = quick(client, rm.own, htmx=False, status="cancelled", actual="13")  # version 1
    body = response.content.decode()
    assert response.status_code == 200 and "Не сохранено" in body and 'value="13"' in body


def test_actual_value_must_be_a_number_when_the_target_is(rm, users, client_for):
    response = quick(client_for(users.director), rm.own, actual="много")
    body = response.content.decode()
    assert "введите фактическое значение числом" in body and 'value="много"' in body
    rm.own.refresh_from_db()
    assert rm.own.actual_value is None and rm.own.version == 1


def test_words_are_accepted_as_actual_when_the_target_is_not_a_number(rm, users, client_for):
    RoadmapItem.objects.filter(pk=rm.own.pk).update(target_value=None)
    rm.own.refresh_from_db()
    quick(client_for(users.director), rm.own, actual="проведено")
    rm.own.refresh_from_db()
    assert rm.own.actual_text == "проведено" and rm.own.actual_value is None


def _item_form(item, **override):
    data = {
        "task": item.task, "measure": item.measure, "risk_factor": item.risk_factor_id,
        "module": item.module, "responsible_person": "Иванова", "start_date": "2026-03-01",
        "due_date": "2026-05-01", "target_indicator": "Доля, %", "target_value": "80",
        "actual": "", "status": "planned", "version": item.version,
        "responsible_organisation": item.responsible_organisation_id,
        "co_responsible_organisation": "",
    }  # fmt: skip
    data.update(override)
    return data


def test_due_date_before_start_date_is_refused_and_input_kept(rm, users, client_for):
    url = reverse("roadmaps:item_edit", args=[rm.own.pk])
    data = _item_form(
        rm.own, task="Новая формулировка", start_date="2026-05-01", due_date="2026-04-01"
    )
    response = client_for(users.director).post(url, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "не может быть раньше даты начала" in body and "Новая формулировка" in body
    rm.own.refresh_from_db()
    assert rm.own.task == "Своя задача школы"


def test_full_form_conflict_shows_the_other_change(rm, users, client_for):
    url = reverse("roadmaps:item_edit", args=[rm.own.pk])
    client = client_for(users.director)
    stale = _item_form(rm.own, task="Моя правка")
    assert client.post(url, _item_form(rm.own, task="Чужая правка")).status_code == 302
    response = client.post(url, stale)
    body = response.content.decode()
    assert "Не сохранено" in body and "Моя правка" in body
    rm.own.refresh_from_db()
    assert rm.own.task == "Чужая правка"


def test_director_adds_an_item(rm, users, client_for):
    url = reverse("roadmaps:item_add", args=[rm.roadmap.pk])
    data = _item_form(rm.own, task="Родительский клуб", version="")
    response = client_for(users.director).post(url, data)
    assert response.status_code == 302
    assert rm.roadmap.items.filter(task="Родительский клуб").exists()


def test_editing_an_approved_roadmap_is_allowed_and_marked(rm, users, client_for):
    rm.roadmap.status = RoadmapStatus.APPROVED
    rm.roadmap.save()
    client = client_for(users.director)
    page = client.get(reverse("roadmaps:item_edit", args=[rm.own.pk])).content.decode()
    assert "будет отмечено для куратора" in page
    quick(client, rm.own, status="in_progress")
    rm.own.refresh_from_db()
    assert rm.own.changed_after_approval
    curator_page = client_for(users.curator).get(reverse("roadmaps:detail", args=[rm.roadmap.pk]))
    assert "Изменено после утверждения" in curator_page.content.decode()
    history = client_for(users.curator).get(reverse("roadmaps:history", args=[rm.roadmap.pk]))
    assert "после утверждения" in history.content.decode()


def test_history_shows_who_and_before_after(rm, users, client_for):
    quick(client_for(users.director), rm.own, status="done", actual="75")
    body = (
        client_for(users.curator)
        .get(reverse("roadmaps:history", args=[rm.roadmap.pk]))
        .content.decode()
    )
    assert users.director.get_full_name() in body
    assert "Запланировано" in body and "Выполнено" in body


def test_evidence_file_link_and_comment_are_attached_inline(rm, users, client_for):
    upload = SimpleUploadedFile("протокол.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    response = client_for(users.director).post(
        reverse("roadmaps:evidence_add", args=[rm.own.pk]),
        {"file": upload, "url": "https://school.example.ru/news/1", "text": "Проведён семинар"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200 and "протокол.pdf" in body and "Проведён семинар" in body
    assert set(Evidence.objects.filter(item=rm.own).values_list("kind", flat=True)) == {
        "file", "link", "comment"}  # fmt: skip


@pytest.mark.parametrize("name,size,message", [
    ("virus.exe", 10, "не принимаются"),
    ("big.pdf", 2048, "слишком большой"),
    ("отчёт.pdf", 10, "не соответствует своему расширению"),
])  # fmt: skip
def test_bad_evidence_files_are_refused_with_a_message(
    rm, users, client_for, settings, name, size, message
):
    settings.UPLOAD_MAX_SIZE = 1024
    upload = SimpleUploadedFile(name, b"x" * size)
    response = client_for(users.director).post(
        reverse("roadmaps:evidence_add", args=[rm.own.pk]),
        {"file": upload, "text": "Мой комментарий"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert message in body and "Мой комментарий" in body
    assert not Evidence.objects.filter(item=rm.own).exists()


def test_empty_evidence_is_refused(rm, users, client_for):
    response = client_for(users.director).post(
        reverse("roadmaps:evidence_add", args=[rm.own.pk]), {}, HTTP_HX_REQUEST="true"
    )
    assert "Прикрепите файл" in response.content.decode()


def test_overdue_is_shown_from_the_due_date(rm, users, client_for):
    RoadmapItem.objects.filter(pk=rm.own.pk).update(
        start_date=date.today() - timedelta(days=40), due_date=date.today() - timedelta(days=1)
    )
    body = (
        client_for(users.director)
        .get(reverse("roadmaps:detail", args=[rm.roadmap.pk]))
        .content.decode()
    )
    assert "Просрочено" in body
    filtered = (
        client_for(users.director)
        .get(reverse("roadmaps:detail", args=[rm.roadmap.pk]), {"status": "overdue"})
        .content.decode()
    )
    assert f'id="item-{rm.own.pk}"' in filtered
    assert f'id="item-{rm.shared.pk}"' not in filtered


def test_history_names_related_objects_and_filters_changes_after_approval(rm, users, client_for):
    from tests.roadmaps.factories import factor

    client = client_for(users.director)
    url = reverse("roadmaps:item_edit", args=[rm.own.pk])
    client.post(url, _item_form(rm.own, risk_factor=factor(9).pk))
    rm.roadmap.status = RoadmapStatus.APPROVED
    rm.roadmap.save()
    rm.own.refresh_from_db()
    quick(client, rm.own, status="in_progress")
    history_url = reverse("roadmaps:history", args=[rm.roadmap.pk])
    body = client_for(users.curator).get(history_url).content.decode()
    assert "6. Высокая доля обучающихся с рисками учебной неуспешности" in body
    assert "9. Высокая доля обучающихся с ОВЗ" in body
    only = client_for(users.curator).get(history_url, {"after_approval": "1"}).content.decode()
    assert "В работе" in only and "Высокая доля обучающихся с ОВЗ" not in only


def test_evidence_and_comment_forms_work_without_javascript(rm, users, client_for):
    client = client_for(users.director)
    url = reverse("roadmaps:evidence_add", args=[rm.own.pk])
    page = client.get(url).content.decode()
    assert "<html" in page and 'enctype="multipart/form-data"' in page
    response = client.post(url, {"url": "https://school.example.ru/report"})
    assert response.status_code == 302
    assert response["Location"].endswith(f"#item-{rm.own.pk}")
    refused = client.post(url, {"file": SimpleUploadedFile("a.exe", b"x"), "text": "Пояснение"})
    body = refused.content.decode()
    assert refused.status_code == 200 and "<html" in body and "Пояснение" in body
    curator = client_for(users.curator)
    comment_url = reverse("roadmaps:item_comment", args=[rm.own.pk])
    assert "<html" in curator.get(comment_url).content.decode()
    assert curator.post(comment_url, {"text": "Принято"}).status_code == 302
    assert rm.own.comments.get().text == "Принято"


def test_htmx_get_of_the_evidence_form_is_a_fragment(rm, users, client_for):
    url = reverse("roadmaps:evidence_add", args=[rm.own.pk])
    body = client_for(users.director).get(url, HTTP_HX_REQUEST="true").content.decode()
    assert body.lstrip().startswith("<form") and "<html" not in body


def test_removing_an_item_of_an_approved_roadmap_leaves_a_note(rm, users, client_for):
    rm.roadmap.status = RoadmapStatus.APPROVED
    rm.roadmap.save()
    client_for(users.director).post(reverse("roadmaps:item_delete", args=[rm.own.pk]))
    assert not RoadmapItem.objects.filter(pk=rm.own.pk).exists()
    assert "Своя задача школы" in rm.roadmap.comments.get().text
    assert RoadmapItem.history.filter(id=rm.own.pk, history_type="-").exists()


def test_director_renames_the_roadmap_and_others_cannot(rm, users, client_for):
    url = reverse("roadmaps:edit", args=[rm.roadmap.pk])
    data = {"title": "План совместной работы", "partnership": rm.partnership.pk}
    assert client_for(users.curator).post(url, data).status_code == 403
    assert client_for(users.outsider_director).post(url, data).status_code == 404
    assert client_for(users.director).post(url, data).status_code == 302
    rm.roadmap.refresh_from_db()
    assert rm.roadmap.title == "План совместной работы"
    assert rm.roadmap.history.first().history_user == users.director


def test_a_quick_save_sending_no_version_is_refused_not_saved_over_the_item(rm, users, client_for):
    """A POST without the hidden version (a script, a page from before the field) saw
    nothing: refused like a stale save, showing what is stored, never saved over it
    (``network_portal.editing``)."""
    client = client_for(users.director)
    quick(client, rm.own, status="done", actual="70")
    url = reverse("roadmaps:item_quick", args=[rm.own.pk])
    response = client.post(url, {"status": "cancelled", "actual": "12"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Не сохранено" in body and "Выполнено" in body and 'value="12"' in body
    rm.own.refresh_from_db()
    assert rm.own.status == "done" and rm.own.actual_value == 70


def test_the_cards_texts_are_escaped(rm, users, client_for):
    """The cards' texts are escaped once where they are worded (``selectors.item_cards``) and
    output as they are: every text people typed still comes out escaped."""
    RoadmapItem.objects.filter(pk=rm.own.pk).update(
        task='<b>Задача</b> "в кавычках"', measure="<script>x()</script>", actual_text="a & b"
    )
    Evidence.objects.create(
        item=rm.own,
        kind="link",
        url='https://school.example.ru/?a=1&b="2"',
        added_by=users.director,
    )
    Evidence.objects.create(
        item=rm.own, kind="comment", text="<i>фото</i>", added_by=users.director
    )
    client_for(users.curator).post(
        reverse("roadmaps:item_comment", args=[rm.own.pk]), {"text": "<u>Принято</u>"}
    )
    page = (
        client_for(users.director)
        .get(reverse("roadmaps:detail", args=[rm.roadmap.pk]))
        .content.decode()
    )
    assert "&lt;b&gt;Задача&lt;/b&gt; &quot;в кавычках&quot;" in page
    assert "&lt;script&gt;x()&lt;/script&gt;" in page and "<script>x()" not in page
    assert ">a &amp; b</dd>" in page
    assert 'href="https://school.example.ru/?a=1&amp;b=&quot;2&quot;"' in page
    assert "&lt;i&gt;фото&lt;/i&gt;" in page and "&lt;u&gt;Принято&lt;/u&gt;" in page


def test_inline_status_update_refreshes_the_progress_figures(rm, users, client_for):
    """The card came back «Выполнено» while the figures above still said «0 / 2 выполнено»
    until the page was reloaded: the htmx answer now carries the progress section too."""
    response = client_for(users.director).post(
        reverse("roadmaps:item_quick", args=[rm.own.pk]),
        {"status": "done", "actual": "80", "version": rm.own.version},
        HTTP_HX_REQUEST="true",
    )
    text = response.content.decode()
    assert "Сохранено" in text
    progress = text[text.index('id="progress"') :]
    assert 'hx-swap-oob="true"' in text[text.rindex("<section", 0, text.index('id="progress"')) :]
    assert "1 / 2" in progress and "50%" in progress
