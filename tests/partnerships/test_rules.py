"""Pure rules: the transition tables, the agreement text renderer, the upload check."""

import pytest

from partnerships import agreement_text, transitions
from partnerships.services import partnership_problems

T = transitions


def test_methodologist_approves_and_starts():
    assert [
        t.action
        for t in T.available(T.PARTNERSHIP_TRANSITIONS, status="proposed", actors={T.TERRITORY})
    ] == [
        "approve",
        "terminate",
    ]
    assert (
        T.check(
            T.PARTNERSHIP_TRANSITIONS,
            action="start",
            status="agreed",
            actors={T.TERRITORY},
            reason="",
        ).target
        == "active"
    )


def test_member_director_may_only_agree():
    actions = T.available(T.PARTNERSHIP_TRANSITIONS, status="proposed", actors={T.MEMBER})
    assert [t.action for t in actions] == ["agree"]
    with pytest.raises(T.TransitionError):
        T.check(
            T.PARTNERSHIP_TRANSITIONS,
            action="terminate",
            status="active",
            actors={T.MEMBER},
            reason="x",
        )


def test_terminating_needs_a_reason():
    with pytest.raises(T.TransitionError, match="причину"):
        T.check(
            T.PARTNERSHIP_TRANSITIONS,
            action="terminate",
            status="active",
            actors={T.TERRITORY},
            reason="  ",
        )


def test_no_transition_out_of_a_finished_partnership():
    for status in ("completed", "terminated"):
        assert (
            T.available(T.PARTNERSHIP_TRANSITIONS, status=status, actors={T.TERRITORY, T.MEMBER})
            == []
        )


def test_agreement_expires_only_by_the_system_or_territory():
    assert (
        T.check(
            T.AGREEMENT_TRANSITIONS, action="expire", status="signed", actors={T.SYSTEM}, reason=""
        ).target
        == "expired"
    )
    with pytest.raises(T.TransitionError):
        T.check(
            T.AGREEMENT_TRANSITIONS, action="sign", status="signed", actors={T.TERRITORY}, reason=""
        )


def test_all_members_agreed():
    assert T.all_members_agreed([True, True])
    assert not T.all_members_agreed([True, False])
    assert not T.all_members_agreed([])


def test_agreement_text_escapes_everything_and_fills_placeholders():
    html = agreement_text.render_body(
        "# 1. Предмет\n\n{предмет} <script>alert(1)</script> {{ debug }} {неизвестно}",
        {"предмет": "Школы <b>вместе</b>"},
    )
    assert "<h2>1. Предмет</h2>" in html
    assert "Школы &lt;b&gt;вместе&lt;/b&gt;" in html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "{неизвестно}" in html


def test_unknown_placeholders_are_reported():
    assert agreement_text.unknown_placeholders("{стороны} {sides} {предмет}") == ["sides"]


def test_partnership_problems_in_russian():
    problems = partnership_problems(
        supported_ids=[1],
        provider_ids=[1],
        start_date=None,
        end_date=None,
        over_capacity=["СОШ № 9"],
        over_capacity_reason="",
    )
    assert "сама с собой" in problems["leaders"]
    assert "СОШ № 9" in problems["over_capacity_reason"]
    assert (
        "поддерживаемая школа"
        in partnership_problems(
            supported_ids=[],
            provider_ids=[2],
            start_date=None,
            end_date=None,
            over_capacity=[],
            over_capacity_reason="",
        )["supported"]
    )
