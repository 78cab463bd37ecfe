"""Issue 15, item 4: members of a partnership see each other's card (contacts, director,
address, strengths); the director's links to the partner school and the college were 404."""

import re

import pytest
from django.urls import reverse

from schools.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def contacts(world, partnership):
    Organisation.objects.filter(pk=world.leader.pk).update(
        director_name="Петрова Анна Сергеевна",
        address="г. Северогорск, ул. Школьная, 9",
        phone="+7 900 000-00-09",
        email="school9@example.test",
    )
    Organisation.objects.filter(pk=world.partner_org.pk).update(
        director_name="Сидоров Олег Ильич", phone="+7 900 000-00-01"
    )
    return world


def _card(client, org):
    return client.get(reverse("partnerships:organisation", args=[org.pk]))


def test_director_sees_the_leader_school_and_the_college(contacts, users, client_for):
    client = client_for(users.director)
    leader = _card(client, contacts.leader)
    body = leader.content.decode()
    assert leader.status_code == 200
    assert "Петрова Анна Сергеевна" in body and "ул. Школьная, 9" in body
    assert "school9@example.test" in body and "Пара 5–9" in body
    college = _card(client, contacts.partner_org)
    assert college.status_code == 200 and "Сидоров Олег Ильич" in college.content.decode()
    # the strengths page the members' links pointed at is readable too
    strengths = client.get(reverse("partnerships:strengths", args=[contacts.leader.pk]))
    assert strengths.status_code == 200


def test_the_other_side_sees_the_supported_school(contacts, users, client_for):
    for user in (users.leader_director, users.partner):
        assert _card(client_for(user), contacts.school).status_code == 200


def test_partnership_page_links_members_to_their_cards(contacts, users, client_for, partnership):
    page = client_for(users.director).get(reverse("partnerships:detail", args=[partnership.pk]))
    url = reverse("partnerships:organisation", args=[contacts.leader.pk])
    assert f'href="{url}"' in page.content.decode()
    assert client_for(users.director).get(url).status_code == 200


def test_no_card_without_a_shared_partnership(contacts, users, client_for):
    assert _card(client_for(users.outsider_director), contacts.leader).status_code == 404
    assert _card(client_for(users.outsider), contacts.leader).status_code == 404
    assert _card(client_for(users.nobody), contacts.leader).status_code == 404
    assert _card(client_for(users.director), contacts.other_school).status_code == 404


def test_a_member_cannot_edit_the_other_sides_strengths(contacts, users, client_for):
    response = client_for(users.director).post(
        reverse("partnerships:strengths", args=[contacts.leader.pk]),
        {"save-profile": "1", "p-capacity": "9"},
    )
    assert response.status_code == 403


def test_agreement_subject_is_not_the_matchers_text(partnership, users, client_for):
    """Issue 15: «Предмет» was pre-filled with the matcher's explanation."""
    from diagnostics.models import RiskFactor

    partnership.description = "Подобрано автоматически: покрывает факторы 9 и 6 (балл 0,82)"
    partnership.save()
    partnership.risk_factors.set(RiskFactor.objects.filter(code=9))
    page = client_for(users.methodologist).get(
        reverse("partnerships:agreement_create", args=[partnership.pk])
    )
    assert page.status_code == 200
    form = page.context["form"]
    assert "Подобрано" not in form.initial["subject"]
    assert form.initial["subject"].startswith("Сетевое взаимодействие сторон")
    assert "снижение рисков: " in form.initial["subject"]
    assert (
        client_for(users.outsider)
        .get(reverse("partnerships:agreement_create", args=[partnership.pk]))
        .status_code
        == 404
    )


def test_partnership_form_shows_categories_and_refuses_a_shnor_leader(needs, users, client_for):
    """Issue 15: bare multi-selects; a ШНОР school could be picked as a leader."""
    from partnerships.models import Partnership

    client = client_for(users.methodologist)
    url = reverse("partnerships:create")
    page = client.get(url).content.decode()
    assert f'name="leaders" value="{needs.school.pk}"' in page  # checkboxes, not a select
    assert re.search(r"МОБУ «СОШ № 5» — [^<]*ШНОР", page) and "data-member-filter" in page
    data = {
        "title": "Пара наоборот",
        "municipality": needs.mun.pk,
        "supported": [needs.leader.pk],
        "leaders": [needs.school.pk],
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert "не может быть школой-лидером" in response.content.decode()
    assert not Partnership.objects.filter(title="Пара наоборот").exists()
