"""Input validation of the knowledge base."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from diagnostics.models import RiskFactor, TeacherNeed
from partnerships.models import FormOfInteraction
from schools.models import Subject

from .models import Mentor, Practice, PracticeStatus, codes_to_text, text_to_codes

SUBJECT_CHOICES = [(c, label) for c, label in Subject.choices if c != Subject.TOTAL]
GRADE_CHOICES = [(str(g), str(g)) for g in range(1, 12)]
TEXT_LIMIT = 20000


class CodesField(forms.MultipleChoiceField):
    """A multiple choice stored as ``",a,b,"`` (see ``models.codes_to_text``)."""

    widget = forms.CheckboxSelectMultiple


def _limit(value: str, label) -> str:
    if len(value) > TEXT_LIMIT:
        raise forms.ValidationError(
            _("«%(field)s» is too long: at most %(n)s characters.")
            % {"field": label, "n": TEXT_LIMIT}
        )
    return value


class PracticeForm(forms.ModelForm):
    subjects = CodesField(label=_("subjects"), choices=SUBJECT_CHOICES, required=False)
    grades = CodesField(label=_("grades"), choices=GRADE_CHOICES, required=False)

    class Meta:
        model = Practice
        fields = [
            "title",
            "municipality",
            "problem",
            "risk_factors",
            "subjects",
            "grades",
            "forms",
            "actions",
            "measure",
            "duration_months",
            "results",
            "author_organisations",
            "author_names",
            "is_public",
        ]
        widgets = {
            "risk_factors": forms.CheckboxSelectMultiple,
            "forms": forms.CheckboxSelectMultiple,
            "problem": forms.Textarea(attrs={"rows": 3}),
            "actions": forms.Textarea(attrs={"rows": 4}),
            "measure": forms.Textarea(attrs={"rows": 2}),
            "results": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, municipalities, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["author_organisations"].queryset = organisations
        self.fields["risk_factors"].queryset = RiskFactor.objects.all()
        self.fields["forms"].queryset = FormOfInteraction.objects.filter(is_active=True)
        if self.instance.pk:
            self.initial.setdefault("subjects", self.instance.subject_codes)
            self.initial.setdefault("grades", text_to_codes(self.instance.grades))
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()

    def clean_subjects(self):
        return codes_to_text(self.cleaned_data["subjects"])

    def clean_grades(self):
        return codes_to_text(sorted(self.cleaned_data["grades"], key=int))

    def clean_problem(self):
        value = self.cleaned_data["problem"].strip()
        if not value:
            raise forms.ValidationError(_("Describe the problem the practice answers."))
        return _limit(value, self.fields["problem"].label)

    def clean_results(self):
        value = self.cleaned_data["results"].strip()
        if not value:
            raise forms.ValidationError(_("Describe the results of the practice."))
        return _limit(value, self.fields["results"].label)

    def clean_actions(self):
        return _limit(self.cleaned_data["actions"].strip(), self.fields["actions"].label)

    def clean_measure(self):
        return _limit(self.cleaned_data["measure"].strip(), self.fields["measure"].label)


class PracticeFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=300)
    factor = forms.ModelChoiceField(
        label=_("risk factor"), queryset=RiskFactor.objects.all(), required=False
    )
    subject = forms.ChoiceField(
        label=_("subject"), choices=[("", "—"), *SUBJECT_CHOICES], required=False
    )
    grade = forms.TypedChoiceField(
        label=_("grade"), choices=[("", "—"), *GRADE_CHOICES], coerce=int, required=False
    )
    form = forms.ModelChoiceField(
        label=_("form of interaction"),
        queryset=FormOfInteraction.objects.filter(is_active=True),
        required=False,
    )
    municipality = forms.ModelChoiceField(label=_("municipality"), queryset=None, required=False)
    effect = forms.ChoiceField(
        label=_("result"),
        choices=[("", "—"), ("yes", _("effect proved")), ("no", _("effect not proved"))],
        required=False,
    )
    status = forms.ChoiceField(
        label=_("status"), choices=[("", "—"), *PracticeStatus.choices], required=False
    )

    def __init__(self, *args, municipalities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select form-select-sm")
        self.fields["q"].widget.attrs["class"] = "form-control"

    def filters(self) -> dict:
        if not self.is_valid():
            return {}
        data = dict(self.cleaned_data)
        data["grade"] = data.get("grade") or None
        return data


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=20)
    comment = forms.CharField(
        label=_("comment"), required=False, widget=forms.Textarea, max_length=5000
    )


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("comment"), widget=forms.Textarea(attrs={"rows": 2}), max_length=5000
    )


class MaterialForm(forms.Form):
    title = forms.CharField(label=_("title"), max_length=300)
    file = forms.FileField(label=_("file"), required=False)
    url = forms.URLField(label=_("link"), required=False, max_length=1000, assume_scheme="https")

    def clean_url(self):
        url = self.cleaned_data["url"]
        if url and not url.lower().startswith(("http://", "https://")):
            raise forms.ValidationError(_("A link must start with http:// or https://."))
        return url

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("url") and not self.errors:
            raise forms.ValidationError(_("Attach a file or give a link."))
        return data


class AdoptForm(forms.Form):
    roadmap = forms.ModelChoiceField(label=_("roadmap"), queryset=None)

    def __init__(self, *args, roadmaps, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["roadmap"].queryset = roadmaps
        self.fields["roadmap"].widget.attrs["class"] = "form-select form-select-sm"


class MentorForm(forms.ModelForm):
    needs = CodesField(
        label=_("teachers' difficulties they help with"),
        choices=TeacherNeed.choices,
        required=False,
    )
    subjects = CodesField(label=_("subjects"), choices=SUBJECT_CHOICES, required=False)

    class Meta:
        model = Mentor
        fields = [
            "full_name",
            "municipality",
            "organisation",
            "organisation_name",
            "position",
            "risk_factors",
            "needs",
            "subjects",
            "forms",
            "experience",
            "capacity",
            "availability",
            "email",
            "phone",
            "is_active",
        ]
        widgets = {
            "risk_factors": forms.CheckboxSelectMultiple,
            "forms": forms.CheckboxSelectMultiple,
            "experience": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, municipalities, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["organisation"].queryset = organisations
        self.fields["forms"].queryset = FormOfInteraction.objects.filter(is_active=True)
        if self.instance.pk:
            self.initial.setdefault("needs", self.instance.need_codes)
            self.initial.setdefault("subjects", self.instance.subject_codes)
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()

    def clean_needs(self):
        return codes_to_text(self.cleaned_data["needs"])

    def clean_subjects(self):
        return codes_to_text(self.cleaned_data["subjects"])

    def clean(self):
        data = super().clean()
        if not data.get("risk_factors") and not data.get("needs"):
            raise forms.ValidationError(
                _("Name the risk factors or the teachers' difficulties the mentor helps with.")
            )
        capacity, mentor = data.get("capacity"), self.instance
        if capacity is not None and mentor.pk:
            from .selectors import mentor_taken

            taken = mentor_taken(mentor=mentor)
            if capacity < taken:
                self.add_error(
                    "capacity",
                    _("The mentor already has %(n)s mentees: the number cannot be lower.")
                    % {"n": taken},
                )
        return data


class MentorshipForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("school"), queryset=None)
    mentee = forms.CharField(
        label=_("mentee"), max_length=300, help_text=_("A teacher, or the school team.")
    )
    topic = forms.CharField(label=_("topic"), max_length=300)

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = schools
        self.fields["organisation"].widget.attrs["class"] = "form-select form-select-sm"
        only = list(schools[:2])
        if len(only) == 1:  # a director books for her own school: nothing to choose
            self.fields["organisation"].initial = only[0].pk
        for name in ("mentee", "topic"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"


class GoalForm(forms.Form):
    text = forms.CharField(label=_("goal"), max_length=500)
    due_date = forms.DateField(label=_("due date"), widget=forms.DateInput(attrs={"type": "date"}))


class MeetingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("starts at"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    topic = forms.CharField(label=_("topic"), max_length=300)
    place = forms.CharField(label=_("place or link"), max_length=500, required=False)


class CompleteForm(forms.Form):
    action = forms.CharField(max_length=20)
    result = forms.CharField(
        label=_("result"), required=False, widget=forms.Textarea, max_length=5000
    )


def upload_limit() -> int:
    return settings.UPLOAD_MAX_SIZE
