"""The diagnostics forms hold their own choices and initial values: the heatmap's filters (a
cycle decides the municipality, else the first one in scope) and an indicator's fields and
options (a new question starts with weight 1, an answer required)."""

from decimal import Decimal

import pytest

from diagnostics import selectors
from diagnostics.forms import HeatmapFilterForm, IndicatorForm, OptionFormSet
from diagnostics.models import IndicatorKind

from .factories import CycleFactory, current_instrument

pytestmark = pytest.mark.django_db


def _heatmap_form(user, data=None):
    municipalities = selectors.municipality_list_for_user(user=user)
    return HeatmapFilterForm(data, municipalities=municipalities)


def test_the_municipalities_of_the_forms_are_the_users_own_by_name(users, world):
    assert list(selectors.municipality_list_for_user(user=users.methodologist)) == [world.mun]
    assert list(selectors.municipality_list_for_user(user=users.coordinator)) == [
        world.other_mun,  # «Второй округ» before «Первый округ»
        world.mun,
    ]


def test_heatmap_filters_without_a_choice_take_the_first_municipality(users, world):
    filters = _heatmap_form(users.coordinator).filters()
    assert (filters.municipality, filters.cycle, filters.category) == (world.other_mun, None, "")


def test_heatmap_filters_a_cycle_decides_the_municipality(users, world):
    cycle = CycleFactory(municipality=world.mun)
    form = _heatmap_form(
        users.coordinator,
        {"municipality": world.other_mun.pk, "cycle": cycle.pk, "category": "shnor"},
    )
    filters = form.filters()
    assert (filters.municipality, filters.cycle) == (world.mun, cycle)
    assert filters.category == "shnor"


def test_heatmap_filters_outside_the_scope_fall_back_to_the_users_first(users, world):
    form = _heatmap_form(users.methodologist, {"municipality": world.other_mun.pk})
    assert not form.is_valid() and "municipality" in form.errors
    assert form.filters().municipality == world.mun


def test_a_new_question_starts_with_weight_one_and_an_answer_required():
    form = IndicatorForm()
    assert form["weight"].value() == Decimal(1) and form["required"].value() is True
    formset = OptionFormSet(prefix="options")
    assert not formset.computed and formset.initial is None


def test_an_indicator_form_shows_the_indicators_fields_and_options():
    indicator = current_instrument().indicators.exclude(kind=IndicatorKind.COMPUTED).first()
    form = IndicatorForm(indicator=indicator)
    assert form["text"].value() == indicator.text
    assert form["weight"].value() == indicator.weight
    formset = OptionFormSet(prefix="options", indicator=indicator)
    assert [f["text"].value() for f in formset.forms if f["text"].value()] == [
        o.text for o in indicator.options.all()
    ]
    posted = OptionFormSet({"options-TOTAL_FORMS": "0"}, prefix="options", indicator=indicator)
    assert posted.initial is None  # a bound formset shows what was posted


def test_a_computed_indicators_options_are_bands():
    indicator = current_instrument().indicators.filter(kind=IndicatorKind.COMPUTED).first()
    formset = OptionFormSet(prefix="options", indicator=indicator)
    assert formset.computed
    assert all("min_value" in row for row in formset.initial)


def test_indicator_fields_are_the_indicators_own_not_the_note():
    form = IndicatorForm(
        {"text": "Вопрос", "help_text": "", "weight": "2", "required": "on", "note": "почему"}
    )
    assert form.is_valid()
    assert form.indicator_fields() == {
        "text": "Вопрос",
        "help_text": "",
        "weight": Decimal(2),
        "required": True,
    }
