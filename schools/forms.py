"""Input validation of the schools pages (no business rules here)."""

from __future__ import annotations

import copy
import re
from decimal import Decimal

import django_filters
from django import forms
from django.conf import settings
from django.utils import formats, timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from network_portal.editing import VersionedFormMixin

from .importing.columns import fields_for
from .importing.results import check_year
from .models import (
    WIZARD_KIND_CHOICES,
    AssessmentKind,
    Category,
    CategoryRules,
    ImportKind,
    Organisation,
    OrganisationKind,
    SchoolContext,
    Subject,
)


class DecimalCommaField(forms.DecimalField):
    """A decimal typed either way: «0,6», «0.6», «30,5», «1 000,25» — whatever the interface
    language (a localized field in English would read «0,6» as 6). A text box
    (``inputmode="decimal"``): a number box refuses a comma in some browsers and shows nothing
    for «0,1»; the validators check the range."""

    widget = forms.TextInput(attrs={"inputmode": "decimal"})

    def widget_attrs(self, widget):
        return {k: v for k, v in super().widget_attrs(widget).items() if k != "step"}

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
        return super().to_python(value)

    def prepare_value(self, value):
        """«15», «0,1», «30,5» — not «15.000»: as typed, with the language's decimal mark."""
        if isinstance(value, Decimal):
            text = format(value.normalize(), "f")
            return text.replace(".", formats.get_format("DECIMAL_SEPARATOR"))
        return value


def decimal_comma_callback(field, **kwargs):
    """``formfield_callback`` of a ModelForm: every DecimalField takes a decimal comma."""
    from django.db import models

    if isinstance(field, models.DecimalField):
        return field.formfield(form_class=DecimalCommaField, localize=False, **kwargs)
    return field.formfield(**kwargs)


SORTS = {
    "name": "sort_name",
    "-name": "-sort_name",
    "municipality": "municipality__name",
    "-municipality": "-municipality__name",
    "kind": "kind",
    "-kind": "-kind",
    "category": "category_current",
    "-category": "-category_current",
}


class GivenChoiceIterator(forms.models.ModelChoiceIterator):
    """A model choice field's options from (id as text, label) pairs read beforehand
    (``field.given_choices``), not from its queryset: ``ModelChoiceIterator`` counts the rows
    for ``len()`` (which ``{% for %}`` asks first), then reads them as model instances through a
    server-side cursor (four round trips on PostgreSQL for a list of municipalities). The chosen
    value is still checked against the queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.field.given_choices

    def __len__(self) -> int:
        return len(self.field.given_choices) + (self.field.empty_label is not None)


class SchoolFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Name, INN, OGRN or login"), method="search")
    municipality = django_filters.ModelChoiceFilter(
        label=_("Municipality"), queryset=None, empty_label=_("All municipalities")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=OrganisationKind.choices, empty_label=_("All kinds")
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"),
        field_name="category_current",
        choices=Category.choices,
        empty_label=_("Any category"),
    )

    class Meta:
        model = Organisation
        fields = ["q", "municipality", "kind", "category"]

    def __init__(self, *args, municipalities=None, municipality_choices=(), **kwargs):
        """``municipalities``: the queryset a chosen one must belong to (``None`` when the data
        choose none: an empty value is never looked up); ``municipality_choices``:
        the same as (id as text, name) pairs, read with the list's other choices in one query
        (``selectors.school_list_filter_choices``)."""
        super().__init__(*args, **kwargs)
        self.filters["municipality"].queryset = municipalities
        field = self.form.fields["municipality"]
        field.queryset = municipalities  # the form's own copy of the field (get_form_class)
        field.given_choices = list(municipality_choices)
        field.iterator = GivenChoiceIterator

    #: The form class of each language, built once per process (``get_form_class``).
    _form_classes: dict[tuple, type] = {}

    def get_form_class(self):
        """django-filter builds a form class of the filters' fields on every request (a
        tenth of a millisecond of the list's CPU): built once per language here, from the
        declared filters with no municipality queryset, which ``__init__`` gives each form."""
        key = (type(self), get_language())
        form_class = self._form_classes.get(key)
        if form_class is None:
            fields = {name: f.field for name, f in copy.deepcopy(self.base_filters).items()}
            form_class = type(f"{type(self).__name__}Form", (self._meta.form,), fields)
            self._form_classes[key] = form_class
        return form_class

    def search(self, queryset, name, value):
        from .normalize import normalize_name

        text = value.strip()
        if not text:
            return queryset
        if text.isdigit():
            return queryset.filter(inn__startswith=text) | queryset.filter(ogrn__startswith=text)
        login = text.lower()
        if re.fullmatch(r"[a-z]{2,5}\d+", login):  # a ФИС ОКО login, whole or its beginning
            return queryset.filter(login__startswith=login)
        return queryset.filter(normalized_name__contains=normalize_name(text))


class OrganisationForm(VersionedFormMixin, forms.ModelForm):
    """Contacts for directors; territory roles may also correct names and identifiers."""

    DIRECTOR_FIELDS = (
        "director_name",
        "phone",
        "email",
        "website",
        "address",
        "latitude",
        "longitude",
    )

    class Meta:
        model = Organisation
        fields = [
            "full_name",
            "short_name",
            "kind",
            "inn",
            "ogrn",
            "login",
            "code",
            "director_name",
            "phone",
            "email",
            "website",
            "address",
            "latitude",
            "longitude",
        ]
        localized_fields = "__all__"

    def __init__(self, *args, contacts_only: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if contacts_only:
            for name in list(self.fields):
                if name not in self.DIRECTOR_FIELDS and name != "version":
                    del self.fields[name]

    def _unique_identifier(self, name: str, message: str) -> str:
        # The constraint would say it too, but as an error of the whole form: say it here,
        # next to the field.
        value = self.cleaned_data.get(name, "")
        others = Organisation.objects.exclude(pk=self.instance.pk)
        if value and others.filter(**{name: value}).exists():
            raise forms.ValidationError(message, code="unique")
        return value

    def clean_inn(self) -> str:
        return self._unique_identifier(
            "inn", _("An organisation with this INN is already registered.")
        )

    def clean_ogrn(self) -> str:
        return self._unique_identifier(
            "ogrn", _("An organisation with this OGRN is already registered.")
        )

    def clean_login(self) -> str:
        from .validators import normalize_login

        self.cleaned_data["login"] = normalize_login(self.cleaned_data.get("login", ""))
        return self._unique_identifier(
            "login", _("An organisation with this FIS OKO login is already registered.")
        )


class SchoolContextForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = SchoolContext
        fields = [
            "year",
            "students",
            "share_ovz",
            "share_non_native",
            "stable_internet",
            "computers_per_student",
            "teacher_vacancies",
        ]
        localized_fields = "__all__"

    def clean_year(self):
        year = self.cleaned_data["year"]
        if year > timezone.now().year + 1 or year < 2000:
            raise forms.ValidationError(_("Enter the year the school year ends, e.g. 2025."))
        return year


class CategoryOverrideForm(forms.Form):
    # Bootstrap's classes: a bare select keeps the width of its longest category name (600 px)
    year = forms.TypedChoiceField(
        label=_("Year"), coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    category = forms.ChoiceField(
        label=_("Category"),
        choices=Category.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        min_length=10,
        help_text=_("Why the rules are wrong for this school: it is kept in the history."),
    )

    def __init__(self, *args, years=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, y) for y in years]


#: Grades a cell may have (ВПР 4–8, 10–11; ОГЭ 9; ЕГЭ 11).
CELL_GRADES = [(g, str(g)) for g in range(4, 12)]
#: Subjects a published rule names; «математика» covers the basic and profile levels too.
CELL_SUBJECTS = [
    (value, label)
    for value, label in Subject.choices
    if value not in ("math_base", "math_profile", "total")
]


class CategoryRulesForm(forms.ModelForm):
    """The region's rules, every decimal with a comma or a point; the cells of the ШНОР and
    leader rules chosen as assessments × grades × subjects."""

    field_order = [
        "cell_kinds",
        "cell_grades",
        "cell_subjects",
        "min_participants",
        "window_years",
        "shnor_share_below",
        "shnor_subjects_min",
        "shnor_years_min",
    ]
    cell_kinds = forms.MultipleChoiceField(
        label=_("Assessments of the counted cells"),
        choices=AssessmentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: ОГЭ and ЕГЭ (and ВПР when counted)."),
    )
    cell_grades = forms.TypedMultipleChoiceField(
        label=_("Grades of the counted cells"),
        choices=CELL_GRADES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every grade."),
    )
    cell_subjects = forms.MultipleChoiceField(
        label=_("Subjects of the counted cells"),
        choices=CELL_SUBJECTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: mathematics and Russian."),
    )

    class Meta:
        model = CategoryRules
        formfield_callback = decimal_comma_callback
        fields = [
            "cell_kinds",
            "cell_grades",
            "cell_subjects",
            "min_participants",
            "window_years",
            "shnor_share_below",
            "shnor_subjects_min",
            "shnor_years_min",
            "risk_decline_percent",
            "risk_context_factors_min",
            "min_computers_per_student",
            "teacher_vacancies_min",
            "max_students_per_teacher",
            "shnsu_ovz_share",
            "shnsu_non_native_share",
            "shnsu_village",
            "shnsu_settlement_population_max",
            "shnsu_special_school",
            "shnsu_factors_min",
            "leader_years",
            "leader_max_share_below",
            "leader_share_4_5_min",
            "include_vpr",
        ]

    def clean_cell_kinds(self):
        order = list(AssessmentKind.values)
        return sorted(set(self.cleaned_data["cell_kinds"]), key=order.index)

    def clean_cell_grades(self):
        return sorted(set(self.cleaned_data["cell_grades"]))

    def clean_cell_subjects(self):
        order = [v for v, _label in CELL_SUBJECTS]
        return sorted(set(self.cleaned_data["cell_subjects"]), key=order.index)


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(label=_("What the file holds"), choices=WIZARD_KIND_CHOICES)
    region = forms.ModelChoiceField(
        label=_("Region"),
        queryset=None,
        required=False,
        help_text=_(
            "A file of the whole region: leave the municipality empty, and each row goes to "
            "the municipality of its municipality column."
        ),
    )
    municipality = forms.ModelChoiceField(
        label=_("Municipality"),
        queryset=None,
        required=False,
        help_text=_("The file is of this municipality: a row of another one is not imported."),
    )
    assessment = forms.ChoiceField(
        label=_("Assessment"), choices=[("", "—"), *AssessmentKind.choices], required=False
    )
    year = forms.IntegerField(
        label=_("Year of the results"),
        required=False,
        help_text=_(
            "The year the school year ends: 2025 for 2024/25. For organisations: the year of "
            "the context questionnaire's columns, if the file has them."
        ),
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_("CSV (any separator, UTF-8 or Windows-1251) or XLSX, up to 20 MB."),
    )

    def __init__(self, *args, municipalities=None, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        if regions is not None and regions.exists():
            self.fields["region"].queryset = regions
            if len(regions) == 1:
                self.fields["region"].initial = regions[0].pk
        else:
            del self.fields["region"]
            self.fields["municipality"].required = True
            if municipalities is not None and len(municipalities) == 1:
                self.fields["municipality"].initial = municipalities[0].pk

    def clean_file(self):
        file = self.cleaned_data["file"]
        if file.size > settings.UPLOAD_MAX_SIZE:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s MB.")
                % {"limit": settings.UPLOAD_MAX_SIZE // (1024 * 1024)}
            )
        return file

    def clean(self):
        data = super().clean()
        if "region" in self.fields and not data.get("municipality") and not data.get("region"):
            self.add_error("municipality", _("Choose the region or the municipality of the file."))
        if data.get("kind") == ImportKind.RESULTS:
            if not data.get("assessment"):
                self.add_error("assessment", _("Choose the assessment."))
            if not data.get("year"):
                self.add_error("year", _("Enter the year of the results."))
        # the year's own field shows its error (the upload would refuse it under the file)
        if data.get("year") and (message := check_year(data["year"])):
            self.add_error("year", message)
        return data


class MappingForm(forms.Form):
    """One select per field: which column of the file holds it, and a name to keep the
    mapping under (``--mapping NAME`` of the commands)."""

    def __init__(self, *args, run=None, initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        mapping = initial_mapping if initial_mapping is not None else run.mapping
        choices = [("", _("— not in the file —"))] + [(h, h) for h in run.headers]
        self.fields["save_as"] = forms.CharField(
            label=_("Save this mapping as"),
            required=False,
            max_length=100,
            help_text=_(
                "A name, e.g. «ФИС ОКО ВПР»: offered for the next file and usable as "
                "--mapping in the commands."
            ),
        )
        for field, label in fields_for(run.kind).items():
            self.fields[field] = forms.ChoiceField(
                label=label,
                choices=choices,
                required=False,
                initial=mapping.get(field, ""),
                widget=forms.Select(
                    attrs={"class": "form-select form-select-sm", "style": "min-width: 14rem"}
                ),
            )
        self.samples = {
            header: [row[i] for row in run.sample if i < len(row) and row[i]][:2]
            for i, header in enumerate(run.headers)
        }

    def rows(self):
        """(bound field, sample values of the column chosen now) for the template."""
        for field in self:
            if field.name != "save_as":
                yield field, self.samples.get(field.value() or "", [])

    def mapping(self) -> dict[str, str]:
        return {f: h for f, h in self.cleaned_data.items() if h and f != "save_as"}


class ImportApplyForm(forms.Form):
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows without the invalid ones"), required=False
    )
    create_municipalities = forms.BooleanField(
        label=_("Create the municipalities listed above and check the file again"),
        required=False,
    )


class MunicipalityListForm(forms.Form):
    """A region's municipalities list for the wizard (``import_municipalities`` in the browser)."""

    region = forms.ModelChoiceField(label=_("Region"), queryset=None)
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or XLSX with the columns «Муниципалитет», «ОКТМО» and, if known, «Широта» and "
            "«Долгота» of the municipality's centre; up to 1 MB."
        ),
    )

    def __init__(self, *args, regions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = regions
        if regions is not None and len(regions) == 1:
            self.fields["region"].initial = regions[0].pk
