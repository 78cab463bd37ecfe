from datetime import UTC, date, datetime, timedelta

import pytest

from events import rules
from events.models import Audience, EventStatus, RegistrationStatus
from events.rules import RegistrationRefused
from network_portal.accounts.models import Role

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
START = NOW + timedelta(days=3)


def check(**overrides):
    kwargs = {
        "status": EventStatus.PUBLISHED,
        "starts_at": START,
        "deadline": None,
        "now": NOW,
        "current": None,
    } | overrides
    rules.registration_check(**kwargs)


def test_registration_is_open_for_a_published_future_event():
    check()
    check(current=RegistrationStatus.CANCELLED)  # coming back after cancelling


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"status": EventStatus.CANCELLED}, "отменено"),
        ({"status": EventStatus.DRAFT}, "опубликованные"),
        ({"current": RegistrationStatus.REGISTERED}, "уже записаны"),
        ({"current": RegistrationStatus.WAITLISTED}, "листе ожидания"),
        ({"deadline": NOW - timedelta(minutes=1)}, "закрылась"),
        ({"starts_at": NOW}, "закрылась"),
    ],
)
def test_registration_refused_with_a_reason(overrides, fragment):
    with pytest.raises(RegistrationRefused) as refused:
        check(**overrides)
    assert fragment in str(refused.value.message)


def test_place_while_capacity_left_then_waiting_list():
    assert rules.place_status(capacity=3, registered=2) == RegistrationStatus.REGISTERED
    assert rules.place_status(capacity=3, registered=3) == RegistrationStatus.WAITLISTED
    assert rules.place_status(capacity=None, registered=500) == RegistrationStatus.REGISTERED


def test_places_to_promote_fills_only_free_places():
    assert rules.places_to_promote(capacity=3, registered=2, waiting=5) == 1
    assert rules.places_to_promote(capacity=3, registered=3, waiting=5) == 0
    assert rules.places_to_promote(capacity=10, registered=2, waiting=3) == 3
    assert rules.places_to_promote(capacity=None, registered=2, waiting=4) == 4


def test_capacity_below_registered_is_refused_with_the_numbers():
    message = str(rules.capacity_error(capacity=5, registered=8))
    assert "5" in message and "8" in message
    assert rules.capacity_error(capacity=8, registered=8) is None
    assert rules.capacity_error(capacity=None, registered=8) is None


def test_audience_maps_roles():
    assert rules.audience_admits(roles=[Role.TEACHER], audience=[Audience.TEACHERS])
    assert not rules.audience_admits(roles=[Role.TEACHER], audience=[Audience.PARENTS])
    assert rules.audience_admits(roles=[Role.DIRECTOR], audience=[Audience.ADMINISTRATION])
    assert not rules.audience_admits(roles=[], audience=[Audience.TEACHERS])


def test_certificate_code_is_readable_and_random():
    codes = {rules.certificate_code_new() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert len(code) == 14 and code[4] == code[9] == "-"
        assert not set(code) & set("01OI")


def test_name_is_masked_on_public_pages():
    assert rules.name_masked(last_name="Петров", first_name="Михаил", middle_name="Андреевич") == (
        "П***в М. А."
    )


def test_needs_not_addressed_keeps_the_most_frequent_uncovered():
    needs = [
        {"need": "ovz", "label": "ОВЗ", "count": 12, "share": 40.0},
        {"need": "digital", "label": "Цифра", "count": 30, "share": 75.0},
        {"need": "parents", "label": "Родители", "count": 5, "share": 12.5},
        {"need": "burnout", "label": "Выгорание", "count": 0, "share": 0.0},
    ]
    gaps = rules.needs_not_addressed(needs=needs, addressed={"digital"}, limit=5)
    assert [g.need for g in gaps] == ["ovz", "parents"]


def test_month_navigation_wraps_years():
    assert rules.month_shift(year=2026, month=12, delta=1) == (2027, 1)
    assert rules.month_shift(year=2026, month=1, delta=-1) == (2025, 12)
    weeks = rules.month_weeks(year=2026, month=11)
    assert weeks[0][0] == date(2026, 10, 26) and weeks[0][0].weekday() == 0
    assert rules.month_param(2026, 3) == "2026-03"
