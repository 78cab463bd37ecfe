from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PeriodForm(forms.Form):
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end of the period is before its start."))
            if start > timezone.localdate():
                self.add_error("start", _("The period has not started yet."))
            if start < date(2000, 1, 1):
                self.add_error("start", _("Choose a date after 2000."))
        return data


class ReportOrderForm(PeriodForm):
    target = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, choices=(), label="", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"] = forms.TypedChoiceField(
            label=label, choices=choices, coerce=int, required=True
        )
        self.order_fields(["target", "start", "end"])


class ImpactForm(forms.Form):
    territory = forms.ChoiceField(
        label=_("Territory"), required=False, widget=forms.Select(attrs={"class": "form-select"})
    )
    kind = forms.ChoiceField(
        label=_("Assessment"),
        choices=[("oge", _("OGE (GIA-9)")), ("ege", _("EGE (GIA-11)"))],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, territories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = territories
