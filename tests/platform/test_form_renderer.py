"""The portal's form renderer (``network_portal.ui.renderers``): a select's empty choice reads
«—», as in the filters, never Django's «---------»; a label a field chose is kept."""

import pytest
from django import forms
from django.urls import reverse

from diagnostics.models import RiskFactor
from roadmaps.forms import MeasureTemplateForm

pytestmark = pytest.mark.django_db


def test_a_selects_empty_choice_reads_a_dash():
    form = MeasureTemplateForm()
    html = str(form["risk_factor"]) + str(form["module"])  # a foreign key, a model's choices
    assert "---------" not in html
    assert html.count('<option value="" selected>—</option>') == 2


def test_an_empty_choice_a_field_named_is_kept():
    class Filter(forms.Form):
        factor = forms.ModelChoiceField(
            queryset=RiskFactor.objects.all(), required=False, empty_label="Любой фактор"
        )
        real = forms.ChoiceField(choices=[("x", "---------")])  # a real choice, not the empty one

    html = str(Filter()["factor"]) + str(Filter()["real"])
    assert '<option value="" selected>Любой фактор</option>' in html
    assert '<option value="x">---------</option>' in html


def test_the_pages_forms_show_no_django_dashes(users, client_for):
    page = client_for(users.methodologist).get(reverse("partnerships:create"))
    assert page.status_code == 200
    assert "---------" not in page.content.decode()
    assert '<option value=""' in page.content.decode()
