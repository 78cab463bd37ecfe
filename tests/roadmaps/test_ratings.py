"""Issue 15, item 3: quarter ratings only for the current or a past quarter, with their
rationale; a correction or a withdrawal needs a reason and is kept in the history."""

from datetime import date

import pytest
from django.urls import reverse

from roadmaps.models import QuarterRating
from roadmaps.rules import quarter_of
from roadmaps.selectors import last_ratings, rating_history
from roadmaps.services import rating_quarter_error

pytestmark = pytest.mark.django_db


def _rate(client, roadmap, **data):
    payload = {"year": 2026, "quarter": 3, "rating": "amber", "reason": "Отставание", **data}
    return client.post(reverse("roadmaps:rate", args=[roadmap.pk]), payload)


def test_only_the_current_or_a_past_quarter_can_be_rated():
    today = date(2026, 12, 4)
    assert rating_quarter_error(year=2026, quarter=4, today=today) is None
    assert rating_quarter_error(year=2025, quarter=1, today=today) is None
    assert rating_quarter_error(year=2027, quarter=1, today=today)
    assert rating_quarter_error(year=2031, quarter=4, today=today)


def test_a_future_quarter_is_refused_and_does_not_become_the_last_rating(rm, users, client_for):
    client = client_for(users.curator)
    _rate(client, rm.roadmap, year=2026, quarter=1, rating="green", reason="По плану")
    year, _quarter = quarter_of(date.today())
    response = _rate(client, rm.roadmap, year=year + 5, quarter=4, rating="red", reason="Плохо")
    body = response.content.decode()
    assert response.status_code == 200 and "прошедший квартал" in body
    assert "autofocus" in body  # the page opens at the field with the message
    ratings = last_ratings(roadmap_ids=[rm.roadmap.pk])
    assert ratings[rm.roadmap.pk].rating == "green"


def test_rating_needs_its_rationale(rm, users, client_for):
    response = _rate(client_for(users.curator), rm.roadmap, reason="   ")
    assert "Укажите обоснование оценки" in response.content.decode()
    assert not QuarterRating.objects.exists()


def test_a_correction_without_its_reason_is_refused(rm, users, client_for):
    client = client_for(users.curator)
    _rate(client, rm.roadmap)
    response = _rate(client, rm.roadmap, rating="red", reason="Хуже")
    assert "Причина исправления" in response.content.decode()
    assert QuarterRating.objects.get().rating == "amber"


def test_correction_and_withdrawal_are_kept_in_the_history(rm, users, client_for):
    client = client_for(users.curator)
    _rate(client, rm.roadmap)
    _rate(client, rm.roadmap, rating="green", reason="Наверстали",
          correction_reason="Учтён отчёт за сентябрь")  # fmt: skip
    rating = QuarterRating.objects.get()
    refused = client.post(reverse("roadmaps:rating_withdraw", args=[rating.pk]), {})
    assert refused.status_code == 200 and QuarterRating.objects.exists()
    response = client.post(
        reverse("roadmaps:rating_withdraw", args=[rating.pk]),
        {f"w{rating.pk}-reason": "Оценка поставлена не той карте"},
    )
    assert response.status_code == 302 and response["Location"].endswith("#ratings")
    assert not QuarterRating.objects.exists()
    assert last_ratings(roadmap_ids=[rm.roadmap.pk]) == {}
    history = rating_history(roadmap=rm.roadmap)
    assert [(h.history_type, h.history_change_reason) for h in history] == [
        ("-", "Оценка поставлена не той карте"),
        ("~", "Учтён отчёт за сентябрь"),
    ]
    assert history[1].before.rating == "amber" and history[1].rating == "green"
    page = client.get(reverse("roadmaps:detail", args=[rm.roadmap.pk])).content.decode()
    assert "Оценка поставлена не той карте" in page and "Учтён отчёт за сентябрь" in page


def test_only_the_curator_corrects_or_withdraws(rm, users, client_for):
    _rate(client_for(users.curator), rm.roadmap)
    rating = QuarterRating.objects.get()
    url = reverse("roadmaps:rating_withdraw", args=[rating.pk])
    data = {f"w{rating.pk}-reason": "Нет"}
    assert client_for(users.director).post(url, data).status_code == 403
    assert client_for(users.outsider).post(url, data).status_code == 404
    assert client_for(users.outsider_director).post(url, data).status_code == 404
    assert QuarterRating.objects.exists()
