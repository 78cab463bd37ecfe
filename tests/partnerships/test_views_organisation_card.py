"""Issue 15, item 4: members of a partnership see each other's card (contacts, director,
address, strengths); the director's links to the partner school and the college were 404."""

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
