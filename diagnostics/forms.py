"""Input validation of the diagnostics pages (no writes here)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from network_portal.documents.uploads import DOCUMENTS, validate_upload
from network_portal.editing import VersionedFormMixin
from network_portal.ui.links import validate_web_url
from schools.models import Category, Municipality, Organisation

from . import scoring
from .models import Cycle, CycleKind, Indicator, Questionnaire, Stage, TeacherNeed
from .selectors import survey_min_responses

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class QuestionnaireForm(VersionedFormMixin, forms.Form):
    """One radio group per question of the instrument, and the version the form was opened at
    (a save over somebody else's is refused by the editing kit, see ``refuse``)."""

    stale_what = pgettext_lazy("stale edit", "this questionnaire")

    def __init__(self, *args, spec: scoring.InstrumentSpec, disabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec = spec
        for indicator in spec.indicators:
            if indicator.computed:
                continue
            self.fields[f"q_{indicator.id}"] = forms.TypedChoiceField(
                label=f"{indicator.code}. {indicator.text}",
                choices=[(o.id, o.text) for o in indicator.options],
                coerce=int,
                required=False,
                widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
                disabled=disabled,
                error_messages={
                    "invalid_choice": _(
                        "This answer is not one of the question's options; choose one of them."
                    )
                },
            )

    def stored_initial(self, current: Questionnaire) -> dict[str, int | None]:
        """The stored answers in this form's shape (what the form would show if opened now)."""
        stored = dict(current.answers.values_list("indicator_id", "option_id"))
        return {name: stored.get(int(name[2:])) for name in self.edited_fields()}

    def answers(self) -> dict[int, int]:
        return {
            int(name[2:]): value
            for name, value in self.cleaned_data.items()
            if name.startswith("q_") and value not in (None, "")
        }

    def groups(self, *, computed=None, missing=None) -> list[dict]:
        """Bound fields grouped by factor, in the instrument's order, each group with its
        ``computed`` indicators, its ``missing`` required ones (both by factor code) and how
        many of its questions are ``answered``."""
        computed, missing = computed or {}, missing or {}
        by_factor: dict[int, list] = {}
        indicators = {}
        for indicator in self.spec.indicators:
            if indicator.computed:
                continue
            by_factor.setdefault(indicator.factor_code, []).append(self[f"q_{indicator.id}"])
            indicators[f"q_{indicator.id}"] = indicator
        return [
            {
                "factor": factor,
                "fields": [
                    {"field": f, "indicator": indicators[f.name]} for f in by_factor[factor.code]
                ],
                "computed": computed.get(factor.code, []),
                "missing": missing.get(factor.code, []),
                "answered": sum(1 for f in by_factor[factor.code] if f.value() not in (None, "")),
            }
            for factor in self.spec.factors
            if by_factor.get(factor.code)
        ]

    def read_only(self) -> QuestionnaireForm:
        """The same answers, read-only (the cycle closed meanwhile): shown, not lost."""
        # a disabled field shows its initial value, so the typed answers become the initial ones
        initial = {name: self.data.get(name) for name in self.fields}
        copy = QuestionnaireForm(self.data, spec=self.spec, disabled=True, initial=initial)
        copy.is_valid()
        for error in self.non_field_errors():
            copy.add_error(None, error)
        return copy


class CycleForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none()
    )
    kind = forms.ChoiceField(label=_("Kind of diagnostics"), choices=CycleKind.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE_WIDGET)
    closes_on = forms.DateField(label=_("Closes on"), widget=DATE_WIDGET)
    schools = forms.ModelMultipleChoiceField(
        label=_("Schools"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].initial = municipalities[0]
        self.fields["schools"].queryset = (
            Organisation.objects.schools()
            .filter(municipality__in=municipalities, is_active=True)
            .order_by("short_name")
        )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The cycle cannot close before it opens."))
        municipality, schools = data.get("municipality"), data.get("schools")
        if municipality and schools:
            foreign = [s for s in schools if s.municipality_id != municipality.pk]
            if foreign:
                self.add_error(
                    "schools",
                    _("These schools are not in the chosen municipality: %(names)s")
                    % {"names": ", ".join(str(s) for s in foreign)},
                )
        return data


class CycleEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE_WIDGET)
    closes_on = forms.DateField(label=_("Closes on"), widget=DATE_WIDGET)
    schools = forms.ModelMultipleChoiceField(
        label=_("Schools"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, cycle, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["schools"].queryset = (
            Organisation.objects.schools()
            .filter(municipality_id=cycle.municipality_id, is_active=True)
            .order_by("short_name")
        )

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The cycle cannot close before it opens."))
        return data


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should be corrected"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=3000,
    )


class HeatmapFilterForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none(), required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", _("All categories")), *Category.choices], required=False
    )
    cycle = forms.ModelChoiceField(
        label=_("Profiles"),
        queryset=Cycle.objects.none(),
        required=False,
        empty_label=_("The latest of each school"),
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["cycle"].queryset = Cycle.objects.filter(
            municipality__in=municipalities
        ).order_by("-opens_on", "-pk")

    def filters(self) -> HeatmapFilters:
        """What the heatmap shows: a chosen cycle decides the municipality; with none chosen
        (or invalid filters), the first municipality the user may see (``None``: no such)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        cycle = data.get("cycle")
        municipality = (
            cycle.municipality
            if cycle
            else data.get("municipality") or self.fields["municipality"].queryset.first()
        )
        return HeatmapFilters(
            municipality=municipality, cycle=cycle, category=data.get("category") or ""
        )


@dataclass(frozen=True)
class HeatmapFilters:
    municipality: Municipality | None
    cycle: Cycle | None
    category: str


PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class RuleForm(forms.Form):
    medium_from = forms.DecimalField(
        label=_("Medium level from, %"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    high_from = forms.DecimalField(
        label=_("High level from, %"), max_digits=5, decimal_places=2, validators=PERCENT
    )
    note = forms.CharField(label=_("What changed and why"), max_length=500)

    def clean(self):
        data = super().clean()
        medium, high = data.get("medium_from"), data.get("high_from")
        if medium is not None and high is not None and medium >= high:
            self.add_error("high_from", _("The high level must start above the medium level."))
        return data


class IndicatorForm(forms.Form):
    """An indicator's fields (a new question's without ``indicator``) and the note of the new
    instrument version."""

    text = forms.CharField(
        label=_("Question or indicator"), widget=forms.Textarea(attrs={"rows": 2})
    )
    help_text = forms.CharField(label=_("Hint"), max_length=500, required=False)
    weight = forms.DecimalField(
        label=_("Weight"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal(0),
        initial=Decimal(1),
        help_text=_("0 — the indicator is shown but does not count."),
    )
    required = forms.BooleanField(label=_("Answer required"), required=False, initial=True)
    note = forms.CharField(label=_("What changed and why"), max_length=500)

    #: The indicator's own fields (the rest is the version's note).
    INDICATOR_FIELDS = ("text", "help_text", "weight", "required")

    def __init__(self, *args, indicator: Indicator | None = None, **kwargs):
        if indicator is not None:
            kwargs.setdefault(
                "initial", {name: getattr(indicator, name) for name in self.INDICATOR_FIELDS}
            )
        super().__init__(*args, **kwargs)

    def indicator_fields(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.INDICATOR_FIELDS}


class OptionForm(forms.Form):
    """One answer option; a row whose text is left empty is skipped."""

    text = forms.CharField(label=_("Answer"), max_length=300, required=False)
    score = forms.DecimalField(
        label=_("Risk score"), max_digits=5, decimal_places=2, min_value=Decimal(0), required=False
    )
    min_value = forms.DecimalField(
        label=_("From value"), max_digits=9, decimal_places=3, required=False
    )

    def clean(self):
        data = super().clean()
        if (data.get("text") or "").strip() and data.get("score") is None:
            self.add_error("score", _("Give the risk score of this answer."))
        return data


class BaseOptionFormSet(forms.BaseFormSet):
    """The answer options of an indicator (``indicator``: its options, shown first; a computed
    indicator's options are bands, each with its «from value»)."""

    def __init__(self, *args, indicator: Indicator | None = None, **kwargs):
        self.computed = bool(indicator and indicator.is_computed)
        data = args[0] if args else kwargs.get("data")
        if indicator is not None and data is None:  # a bound formset shows what was posted
            kwargs.setdefault(
                "initial",
                [
                    {"text": o.text, "score": o.score, "min_value": o.min_value}
                    for o in indicator.options.all()
                ],
            )
        super().__init__(*args, **kwargs)

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            f.cleaned_data
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE") and f.cleaned_data.get("text")
        ]
        if len(kept) < 2:
            raise forms.ValidationError(_("Give at least two answer options."))
        if self.computed and any(o.get("min_value") is None for o in kept):
            raise forms.ValidationError(
                _("Every band of a computed indicator needs its «from value».")
            )
        self.options = [
            {"text": o["text"], "score": o["score"], "min_value": o.get("min_value")} for o in kept
        ]


OptionFormSet = forms.formset_factory(
    OptionForm, formset=BaseOptionFormSet, extra=1, can_delete=True
)


class SurveyForm(forms.Form):
    municipality = forms.ModelChoiceField(
        label=_("Municipality"), queryset=Municipality.objects.none()
    )
    title = forms.CharField(label=_("Title"), max_length=300)
    schools = forms.ModelMultipleChoiceField(
        label=_("Schools"),
        queryset=Organisation.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    opens_on = forms.DateField(label=_("Opens on"), widget=DATE_WIDGET)
    closes_on = forms.DateField(label=_("Closes on"), widget=DATE_WIDGET)
    min_responses = forms.IntegerField(
        label=_("Show a school's results from this number of answers"),
        help_text=_("Below it nothing of the school's answers is shown, to keep them anonymous."),
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        floor = survey_min_responses()
        self.fields["municipality"].queryset = municipalities
        if len(municipalities) == 1:
            self.fields["municipality"].initial = municipalities[0]
        self.fields["schools"].queryset = (
            Organisation.objects.schools()
            .filter(municipality__in=municipalities, is_active=True)
            .order_by("short_name")
        )
        self.fields["min_responses"].min_value = floor
        self.fields["min_responses"].validators.append(MinValueValidator(floor))
        self.fields["min_responses"].initial = floor

    def clean(self):
        data = super().clean()
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The survey cannot close before it opens."))
        municipality, schools = data.get("municipality"), data.get("schools")
        if municipality and schools and any(s.municipality_id != municipality.pk for s in schools):
            self.add_error("schools", _("Choose schools of the chosen municipality."))
        return data


class SurveyAnswerForm(forms.Form):
    needs = forms.MultipleChoiceField(
        label=_("In what do you feel difficulties or need support?"),
        choices=TeacherNeed.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    difficulties = forms.CharField(
        label=_("Describe your difficulties in your own words (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )
    support_wanted = forms.CharField(
        label=_("What support would help you: seminars, mentoring, open lessons … (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
    )

    def clean(self):
        data = super().clean()
        if not data.get("needs") and not (data.get("difficulties") or "").strip():
            raise forms.ValidationError(
                _("Mark at least one need or describe your difficulties in your own words.")
            )
        return data


class StageForm(forms.Form):
    stage = forms.TypedChoiceField(label=_("Stage"), choices=Stage.choices, coerce=int)
    reached_on = forms.DateField(label=_("Date"), widget=DATE_WIDGET)
    evidence = forms.CharField(
        label=_("Evidence: what shows the stage is reached"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    evidence_link = forms.URLField(
        label=_("Link to evidence"),
        required=False,
        assume_scheme="https",
        validators=[validate_web_url],
    )
    evidence_file = forms.FileField(label=_("Evidence file"), required=False)

    def clean_evidence_file(self):
        file = self.cleaned_data.get("evidence_file")
        if file:
            validate_upload(file, extensions=DOCUMENTS)
        return file

    def clean(self):
        data = super().clean()
        if not (
            (data.get("evidence") or "").strip()
            or data.get("evidence_link")
            or data.get("evidence_file")
        ):
            raise forms.ValidationError(_("Give the evidence: a text, a link or a file."))
        return data


class TeamAddForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Staff member"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = candidates
