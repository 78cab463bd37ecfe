"""Input validation of roadmaps. Every message is Russian through gettext; a refused form
re-shows what was typed."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from network_portal.documents.uploads import DOCUMENTS, validate_upload
from network_portal.editing import Change, VersionedFormMixin
from network_portal.ui.links import validate_web_url

from .models import ItemStatus, MeasureTemplate, Rating, RoadmapItem
from .rules import number_text
from .services import (
    CORRECTION_REASON_REQUIRED,
    PROOF_REQUIRED,
    item_needs_proof,
    parse_decimal,
    rating_quarter_error,
)

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _clean_actual(*, raw: str, target_value) -> tuple[Decimal | None, str]:
    """(actual_value, actual_text): a number where the target is a number; otherwise a number
    if it reads as one, else the words typed («проведено»)."""
    raw = (raw or "").strip()
    try:
        number = parse_decimal(raw)
    except (InvalidOperation, ValueError):
        number = None
        if target_value is not None:
            raise forms.ValidationError(
                _(
                    "The target «%(target)s» is a number: enter the actual value as a number, "
                    "for example 12 or 12,5."
                ),
                params={"target": number_text(target_value)},
                code="not_a_number",
            ) from None
        return None, raw[:300]
    if number is not None and abs(number) >= Decimal("1e10"):
        raise forms.ValidationError(_("The number is too large."), code="too_large")
    return number, ""


class RoadmapCreateForm(forms.Form):
    school = forms.ModelChoiceField(label=_("School"), queryset=None, required=False)
    title = forms.CharField(label=_("Title"), max_length=300)
    partnership = forms.ModelChoiceField(
        label=_("Partnership"),
        queryset=None,
        required=False,
        empty_label=_("— the school's own programme of transition to effective work —"),
        help_text=_(
            "Choose a partnership to plan its joint work; its leader school becomes "
            "co-responsible for the measures that fit."
        ),
    )
    from_profile = forms.BooleanField(
        label=_("Propose measures from the risk profile"),
        required=False,
        initial=True,
        help_text=_(
            "For every high- and medium-risk factor the portal proposes typical "
            "measures from the library; you edit, add and remove them afterwards."
        ),
    )
    start = forms.DateField(label=_("Measures start on"), widget=DATE_WIDGET)

    def __init__(self, *args, partnerships, schools=None, **kwargs):
        """``schools``: the schools to choose from when the user may write the roadmaps of
        several; ``None`` for a director of one school (the field is left out)."""
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships
        self.fields["start"].initial = timezone.localdate()
        if schools is None:
            del self.fields["school"]
        else:
            self.fields["school"].queryset = schools
            self.fields["school"].required = True
            self.fields["school"].label_from_instance = lambda o: o.short_name

    def clean(self):
        data = super().clean()
        school, partnership = data.get("school"), data.get("partnership")
        if "school" in self.fields and school and partnership:
            supported = partnership.members.filter(organisation=school, role="supported")
            if not supported.exists():
                self.add_error(
                    "partnership",
                    _("The school %(school)s is not the supported school of this partnership.")
                    % {"school": school.short_name},
                )
        return data


class RoadmapForm(forms.Form):
    """The roadmap's own settings: its title and the partnership it plans."""

    title = forms.CharField(label=_("Title"), max_length=300)
    partnership = forms.ModelChoiceField(
        label=_("Partnership"),
        queryset=None,
        required=False,
        empty_label=_("— the school's own programme of transition to effective work —"),
    )

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships


class _Stored(Change):
    """A stored value as a refused item save has always named it: «фактическое значение
    «12,5»», «статус «Выполнено»»."""

    def __str__(self) -> str:
        return f"{self.label[:1].lower()}{self.label[1:]} «{self.stored}»"


class _ItemVersioned(VersionedFormMixin):
    """An item's forms carry its version (the editing kit); a refused save shows the other
    person's change, with the actual value «12,5» as the item's card shows it."""

    stale_what = pgettext_lazy("stale edit", "this item")

    def stored_initial(self, current: RoadmapItem) -> dict:
        return {**super().stored_initial(current), "actual": _actual_initial(current)}

    def stale_changes(self, stale) -> list:
        return [_Stored(c.name, c.label, c.stored) for c in super().stale_changes(stale)]


class ItemForm(_ItemVersioned, forms.ModelForm):
    """The full form of an item; it carries the version the person saw."""

    actual = forms.CharField(label=_("Actual value"), required=False, max_length=300)

    class Meta:
        model = RoadmapItem
        fields = (
            "task",
            "measure",
            "risk_factor",
            "module",
            "responsible_person",
            "responsible_organisation",
            "co_responsible_organisation",
            "start_date",
            "due_date",
            "target_indicator",
            "target_value",
            "status",
        )
        widgets = {
            "measure": forms.Textarea(attrs={"rows": 3}),
            "start_date": DATE_WIDGET,
            "due_date": DATE_WIDGET,
        }

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("responsible_organisation", "co_responsible_organisation"):
            self.fields[name].queryset = organisations
        # A Russian decimal comma («12,5»): a localized text input, not type=number.
        target = self.fields["target_value"]
        target.localize = True
        target.widget = forms.TextInput(attrs={"inputmode": "decimal"})
        target.widget.is_localized = True
        if self.instance.pk:
            self.fields["actual"].initial = _actual_initial(self.instance)
            if self.instance.target_value is not None:  # «12,5», not «12,50»
                self.initial["target_value"] = number_text(self.instance.target_value)

    def clean(self):
        data = super().clean()
        start, due = data.get("start_date"), data.get("due_date")
        if start and due and due < start:
            self.add_error(
                "due_date",
                _("The due date (%(due)s) cannot be before the start date (%(start)s).")
                % {"due": due.strftime("%d.%m.%Y"), "start": start.strftime("%d.%m.%Y")},
            )
        if "actual" in data:
            try:
                data["actual_value"], data["actual_text"] = _clean_actual(
                    raw=data["actual"], target_value=data.get("target_value")
                )
            except forms.ValidationError as exc:
                self.add_error("actual", exc)
            else:
                has_target = bool((data.get("target_indicator") or "").strip()) or (
                    data.get("target_value") is not None
                )
                if item_needs_proof(
                    item=self.instance,
                    status=data.get("status", ""),
                    actual_value=data["actual_value"],
                    actual_text=data["actual_text"],
                    has_target=has_target,
                ):
                    self.add_error("actual", PROOF_REQUIRED)
        return data

    def item_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in self._meta.fields}
        data["actual_value"] = self.cleaned_data.get("actual_value")
        data["actual_text"] = self.cleaned_data.get("actual_text", "")
        return data


def _actual_initial(item: RoadmapItem) -> str:
    if item.actual_value is not None:
        return number_text(item.actual_value)
    return item.actual_text


class QuickUpdateForm(_ItemVersioned, forms.Form):
    """Status and actual value changed inline on the roadmap page: an item's card (partial
    ``item`` of ``roadmaps/detail.html``) lays these fields out — names, ids, values, choices,
    limits and errors come from here."""

    status = forms.ChoiceField(label=_("Status"), choices=ItemStatus.choices)
    actual = forms.CharField(label=_("Actual value"), required=False, max_length=300)

    def __init__(self, *args, item: RoadmapItem, **kwargs):
        self.item = item
        kwargs.setdefault(
            "initial",
            {"status": item.status, "actual": _actual_initial(item), "version": item.version},
        )
        super().__init__(*args, **kwargs)
        self.auto_id = f"id_q{item.pk}_%s"

    def clean(self):
        data = super().clean()
        if "actual" in data:
            try:
                data["actual_value"], data["actual_text"] = _clean_actual(
                    raw=data["actual"], target_value=self.item.target_value
                )
            except forms.ValidationError as exc:
                self.add_error("actual", exc)
            else:
                if item_needs_proof(
                    item=self.item,
                    status=data.get("status", ""),
                    actual_value=data["actual_value"],
                    actual_text=data["actual_text"],
                ):
                    self.add_error("actual", PROOF_REQUIRED)
        return data

    def item_data(self) -> dict:
        return {
            "status": self.cleaned_data["status"],
            "actual_value": self.cleaned_data["actual_value"],
            "actual_text": self.cleaned_data["actual_text"],
        }


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File"), required=False)
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=1000,
        assume_scheme="https",
        validators=[validate_web_url],
    )
    text = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, item: RoadmapItem | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if item is not None:
            self.auto_id = f"id_e{item.pk}_%s"

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if not upload:
            return None
        validate_upload(upload, extensions=DOCUMENTS)
        return upload

    def clean(self):
        data = super().clean()
        if not self.errors and not (data.get("file") or data.get("url") or data.get("text")):
            raise forms.ValidationError(_("Attach a file, give a link or write a comment."))
        return data


class CommentForm(forms.Form):
    text = forms.CharField(
        label=_("Comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReviewForm(forms.Form):
    APPROVE, RETURN = "approve", "return"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve")), (RETURN, _("Return for revision"))],
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        data = super().clean()
        if data.get("decision") == self.RETURN and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say what needs revising when returning the roadmap."))
        return data


class RatingForm(forms.Form):
    """A quarter's rating: the current or a past quarter, with its rationale; rating a quarter
    already rated is a correction and needs its reason (``roadmap`` given to check that)."""

    year = forms.IntegerField(label=_("Year"), min_value=2015, max_value=2100)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"),
        coerce=int,
        choices=[(1, "I"), (2, "II"), (3, "III"), (4, "IV")],
    )
    rating = forms.ChoiceField(label=_("Rating"), choices=Rating.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        label=_("Reason for the rating"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the rating is based on: items done, delays, the school's engagement."),
        error_messages={"required": _("Give the reason for the rating.")},
    )
    correction_reason = forms.CharField(
        label=_("Reason for the correction"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Only when correcting a quarter that is already rated."),
    )

    def __init__(self, *args, roadmap=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.roadmap = roadmap
        today = timezone.localdate()
        self.fields["year"].initial = today.year
        self.fields["quarter"].initial = (today.month - 1) // 3 + 1

    def clean(self):
        data = super().clean()
        year, quarter = data.get("year"), data.get("quarter")
        if year is None or quarter is None:
            return data
        error = rating_quarter_error(year=year, quarter=quarter)
        if error:
            self.add_error("quarter", error)
        elif (
            self.roadmap is not None
            and not (data.get("correction_reason") or "").strip()
            and self.roadmap.ratings.filter(year=year, quarter=quarter).exists()
        ):
            self.add_error("correction_reason", CORRECTION_REASON_REQUIRED)
        return data


class WithdrawRatingForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the rating is withdrawn"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": _("Say why the rating is withdrawn.")},
    )


class ConcernForm(forms.Form):
    text = forms.CharField(
        label=_("Concern"),
        max_length=4000,
        initial=_("The school does not respond"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        # the roadmap page also has a comment form with a «text» field: ids must differ
        kwargs.setdefault("auto_id", "id_concern_%s")
        super().__init__(*args, **kwargs)


class ResolveConcernForm(forms.Form):
    resolution = forms.CharField(
        label=_("How it was resolved"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeasureTemplateForm(forms.ModelForm):
    class Meta:
        model = MeasureTemplate
        fields = (
            "risk_factor",
            "module",
            "task",
            "measure",
            "form_of_interaction",
            "duration_days",
            "target_indicator",
            "target_value",
            "with_leader",
            "is_active",
        )
        widgets = {"measure": forms.Textarea(attrs={"rows": 3})}
