from django import forms
from django.utils.translation import gettext_lazy as _

from .registry import reminder_kinds


class PreferenceForm(forms.Form):
    enabled = forms.MultipleChoiceField(
        label=_("Send me these reminders"),
        required=False,
        # the template lays the boxes out by hand, without the form renderer's classes
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = reminder_kinds()
        self.fields["enabled"].choices = [(k.key, k.label) for k in self.kinds]
        self.help = {k.key: k.description for k in self.kinds}

    def disabled_kinds(self) -> list[str]:
        enabled = set(self.cleaned_data["enabled"])
        return [k.key for k in self.kinds if k.key not in enabled]
