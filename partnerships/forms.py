"""Input validation only; the rules themselves live in services (``partnership_problems``)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from diagnostics.models import RiskFactor
from network_portal.accounts.validators import validate_no_control_characters
from network_portal.documents.uploads import SCANS, validate_upload
from network_portal.editing import StaleEdit, VersionedFormMixin
from network_portal.ui.links import validate_web_url
from schools.forms import decimal_comma_callback
from schools.models import Category, Municipality, Organisation

from . import agreement_text
from .history import changes_since
from .models import (
    AgreementKind,
    DeclaredStrength,
    Direction,
    FormOfInteraction,
    MatchingSettings,
    Network,
    PartnershipStatus,
    ResourceKind,
)
from .selectors import current_categories

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class OrganisationChoiceField(forms.ModelMultipleChoiceField):
    """Organisations as checkboxes (a click no longer drops the others chosen, as in a bare
    multi-select), each with its current category; ``member_picker.js`` adds a search box."""

    widget = forms.CheckboxSelectMultiple

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.categories: dict[int, str] = {}

    def label_from_instance(self, obj: Organisation) -> str:
        category = self.categories.get(obj.pk)
        if not category:
            return obj.short_name
        return f"{obj.short_name} — {Category(category).label}"


class _Versioned(VersionedFormMixin):
    """A refused stale save of a partnership or a network lists what was changed since the
    version the person saw, as its history words it (``history.changes_since``)."""

    def stale_changes(self, stale: StaleEdit) -> list:
        return changes_since(obj=stale.current, seen_version=stale.seen)


class PartnershipForm(_Versioned, forms.Form):
    """The version comes with ``selectors.partnership_form_initial``; a refused stale save
    lists what was changed since it (``history.changes_since``)."""

    stale_what = pgettext_lazy("stale edit", "the partnership")

    title = forms.CharField(label=_("Title"), max_length=300)
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none()
    )
    supported = OrganisationChoiceField(
        label=_("Supported schools"), queryset=Organisation.objects.none(), required=False
    )
    leaders = OrganisationChoiceField(
        label=_("Leader schools"), queryset=Organisation.objects.none(), required=False
    )
    partners = OrganisationChoiceField(
        label=_("Partners"), queryset=Organisation.objects.none(), required=False
    )
    network = forms.ModelChoiceField(
        label=_("Network"), queryset=Network.objects.none(), required=False
    )
    risk_factors = forms.ModelMultipleChoiceField(
        label=_("Risk factors addressed"),
        queryset=RiskFactor.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    interaction_forms = forms.ModelMultipleChoiceField(
        label=_("Forms of interaction"),
        queryset=FormOfInteraction.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    directions = forms.ModelMultipleChoiceField(
        label=_("Directions"),
        queryset=Direction.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    resources = forms.ModelMultipleChoiceField(
        label=_("Shared resources"),
        queryset=ResourceKind.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    start_date = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    over_capacity_reason = forms.CharField(
        label=_("Reason for exceeding a partner's capacity"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Needed only when a leader or partner has no free places."),
    )

    def __init__(self, *args, municipalities, organisations, **kwargs):
        """``organisations``: those the person may put into the partnership (the territory
        they manage, see ``selectors.member_organisations_for_user``)."""
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        orgs = organisations.select_related("municipality").order_by("short_name")
        self.fields["supported"].queryset = orgs.schools()
        self.fields["leaders"].queryset = orgs.schools()
        self.fields["partners"].queryset = orgs.partners()
        self.fields["network"].queryset = Network.objects.filter(municipality__in=municipalities)
        categories = current_categories(organisations=orgs.values("pk"))
        for name in ("supported", "leaders", "partners"):
            self.fields[name].categories = categories

    def clean(self):
        data = super().clean()
        if not data.get("supported"):
            self.add_error("supported", _("A partnership needs at least one supported school."))
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", _("The end date is before the start date."))
        supported = set(data.get("supported") or [])
        providers = set(data.get("leaders") or []) | set(data.get("partners") or [])
        if supported & providers:
            names = ", ".join(sorted(str(o) for o in supported & providers))
            self.add_error(
                "leaders",
                _("%(names)s cannot be paired with itself: each member takes one role.")
                % {"names": names},
            )
        return data


class NetworkForm(_Versioned, forms.ModelForm):
    stale_what = pgettext_lazy("stale edit", "the network")

    class Meta:
        model = Network
        fields = ("name", "model", "municipality", "coordinator", "members", "description")
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, municipalities, organisations, coordinators=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        orgs = organisations.order_by("short_name")
        coordinators = orgs if coordinators is None else coordinators.order_by("short_name")
        self.fields["coordinator"].queryset = coordinators
        self.fields["members"].queryset = orgs
        self.fields["members"].widget.attrs["size"] = 10
        self.fields["coordinator"].label_from_instance = lambda o: o.short_name
        self.fields["members"].label_from_instance = lambda o: o.short_name

    def clean(self):
        data = super().clean()
        municipality, coordinator = data.get("municipality"), data.get("coordinator")
        if (
            municipality
            and coordinator
            and coordinator.municipality.region_id != municipality.region_id
        ):
            self.add_error("coordinator", _("The coordinator must be in the same region."))
        return data


class TransitionForm(forms.Form):
    action = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=pgettext_lazy("status change", "Reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AcceptSuggestionForm(forms.Form):
    provider = forms.IntegerField(widget=forms.HiddenInput)
    over_capacity_reason = forms.CharField(
        label=_("Reason for exceeding the capacity"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PlanCreateForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("The whole region"),
    )

    def __init__(self, *args, municipalities, can_whole_region: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.can_whole_region = can_whole_region
        if not can_whole_region:
            self.fields["municipality"].required = True
            self.fields["municipality"].empty_label = None

    def clean_municipality(self):
        value = self.cleaned_data.get("municipality")
        if value is None and not self.can_whole_region:
            raise forms.ValidationError(_("Choose a municipality."))
        return value


class StrengthForm(forms.ModelForm):
    evidence_url = forms.URLField(
        label=_("Link to evidence"),
        required=False,
        assume_scheme="https",
        max_length=200,
        validators=[validate_web_url],
    )

    class Meta:
        model = DeclaredStrength
        fields = ("factor", "experience", "evidence", "evidence_url")
        widgets = {"evidence": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "experience": _(
                "For example: «Experience from the 500+ project: teaching students "
                "with disabilities»."
            ),
            "evidence": _("What confirms it: results, programmes, events, documents."),
        }


class ProviderProfileForm(forms.Form):
    capacity = forms.IntegerField(
        label=_("Capacity (schools it can support)"), min_value=0, max_value=50
    )
    resources = forms.ModelMultipleChoiceField(
        label=_("Resources it can share"),
        queryset=ResourceKind.objects.filter(is_active=True),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MatchingSettingsForm(forms.ModelForm):
    """Weights typed with a comma or a point («0,6» as well as «0.6»), whatever the language."""

    class Meta:
        model = MatchingSettings
        formfield_callback = decimal_comma_callback
        fields = (
            "weight_high",
            "weight_medium",
            "derived_share",
            "weight_results",
            "weight_proximity",
            "weight_load",
            "max_distance_km",
            "distance_limit_km",
            "min_fit",
            "default_capacity",
        )


class AgreementForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("agreement", "Kind"), choices=AgreementKind.choices
    )
    date = forms.DateField(label=_("Date"), widget=DATE)
    valid_from = forms.DateField(label=_("Valid from"), widget=DATE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE)
    subject = forms.CharField(
        label=pgettext_lazy("agreement", "Subject"), widget=forms.Textarea(attrs={"rows": 3})
    )
    obligations = forms.CharField(
        label=_("Obligations of the parties"), widget=forms.Textarea(attrs={"rows": 4})
    )
    resources_text = forms.CharField(
        label=_("Resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Leave empty to list the partnership's shared resources."),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end of the term is before its start."))
        return data


class ScanForm(forms.Form):
    scan = forms.FileField(
        label=_("Signed scan (PDF, JPEG or PNG)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
    )

    def clean_scan(self):
        upload = self.cleaned_data["scan"]
        validate_upload(upload, extensions=SCANS)
        return upload


class AgreementTemplateForm(forms.Form):
    title = forms.CharField(
        label=_("Document title"), max_length=300, validators=[validate_no_control_characters]
    )
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 24}))

    def __init__(self, *args, disabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.disabled = disabled

    def clean_body(self):
        body = self.cleaned_data["body"]
        unknown = agreement_text.unknown_placeholders(body)
        if unknown:
            raise forms.ValidationError(
                _("Unknown placeholders: %(names)s.")
                % {"names": ", ".join("{" + n + "}" for n in unknown)}
            )
        return body


class PartnershipFilterForm(forms.Form):
    q = forms.CharField(label=pgettext_lazy("search field", "Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All statuses")), *PartnershipStatus.choices],
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=Municipality.objects.none(),
        required=False,
        empty_label=_("All municipalities"),
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
